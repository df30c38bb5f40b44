package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// TicketWorkflow is the life of one ticket, from filing to closure. It waits for
// an answer against the SLA, climbs the escalation ladder one child workflow per
// rung when nobody answers, runs the objection window after an answer, and
// projects every change into the read model.
func TicketWorkflow(ctx workflow.Context, in TicketInput) (TicketState, error) {
	t, err := newTicket(ctx, in)
	if err != nil {
		return TicketState{}, err
	}
	// The one path every ticket takes. Version 1 is the only one supported:
	// a history without the marker was made by code that is gone, and fails
	// here, loudly, rather than somewhere further on (versions.go).
	workflow.GetVersion(ctx, changeBaseline, 1, 1)
	if err := t.setup(ctx); err != nil {
		return TicketState{}, err
	}
	return t.run(ctx, in.Resume)
}

// ticket is the workflow's private state; handlers and the main loop share it
// (they run as cooperative coroutines, never in parallel).
type ticket struct {
	in     TicketInput
	st     TicketState
	ladder []sla.Level // the ladder of the current round

	pending []Event        // timeline lines not yet projected
	outbox  []Notification // notifications not yet handed to the Notify activity
	changes int            // bumped by every accepted message; wakes the main loop

	child  *rung                         // the running escalation child, if any
	drains []func(workflow.Context) bool // take signals already delivered (before continue-as-new)

	closing         bool // continuing as new: updates refused as busy, signals left queued
	signalsInFlight int  // signal handlers running (AllHandlersFinished counts updates only)
	atTop           bool // the last rung expired: the ticket stays with the top level
	breached        bool // the current round's first SLA has passed
	// resumeRung is the rung that stood down for a question to the
	// beneficiary, to start again once the answer came; dropRung asks the
	// main loop to stand the running rung down (a transfer).
	resumeRung *LevelHolder
	dropRung   bool
	// ready: the filing (or the resumed state) is recorded; messages that
	// arrive with the very first task wait for it, so nothing precedes
	// "created" on the timeline.
	ready bool
	// inbox: every message kind's signals, taken by one coroutine
	// (listenForSignals) rather than an idle coroutine per kind: fourteen
	// per ticket in the worker's cache were most of its memory.
	inbox []signalInbox
}

func newTicket(ctx workflow.Context, in TicketInput) (*ticket, error) {
	if r := in.Resume; r != nil {
		t := &ticket{in: in, st: r.State, ladder: r.Ladder, breached: r.Breached, atTop: r.AtTop}
		t.in.Resume = nil // the next continuation builds its own
		return t, nil
	}
	rule, ok := in.Policy.Rule(in.Kind, in.Priority)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("policy v%d has no rule for %s/%s", in.Policy.Version, in.Kind, in.Priority), "policy_incomplete", nil)
	}
	due, err := in.Policy.Calendar.Due(in.FiledAt, rule.Allowance, rule.Clock)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("computing the first-response deadline", "policy_invalid", err)
	}
	t := &ticket{in: in, ladder: in.Policy.Ladder}
	t.st = TicketState{
		Number:            in.Number,
		Status:            domain.StatusOpen,
		Kind:              in.Kind,
		Priority:          in.Priority,
		Entity:            in.Entity,
		ResponsibleEntity: in.Entity,
		PolicyVersion:     in.Policy.Version,
		Clock:             rule.Clock,
		SLADueAt:          due,
		StageStart:        in.FiledAt,
		Responses:         []Response{},
	}
	return t, nil
}

// run is the main loop: it owns timers and the escalation children; handlers
// only change state and bump t.changes.
func (t *ticket) run(ctx workflow.Context, resume *Resume) (TicketState, error) {
	t.ready = resume != nil // a resumed run's state is whole from the start
	switch {
	case resume == nil:
		t.event(ctx, Event{Type: EventCreated, Actor: t.in.FiledBy, Entity: t.in.Entity, Public: true,
			Message: "channel " + string(t.in.Channel)})
		t.ready = true
		t.notifyBeneficiary("created", map[string]string{"sla_due_at": t.st.SLADueAt.Format(time.RFC3339)})
		t.autoAssign(ctx, t.st.ResponsibleEntity)
		if err := t.flush(ctx); err != nil {
			return t.st, err
		}
	case resume.Rung != nil && resume.Rung.Level <= len(t.ladder):
		r := resume.Rung
		t.startRung(ctx, r.Level, t.ladder[r.Level-1], r.Holder, r.DueAt, r.RemindAt)
	}
	for {
		if err := t.sendNotifications(ctx); err != nil {
			return t.st, err
		}
		if t.child != nil && (!t.st.Status.Pending() || t.dropRung) {
			t.dropRung = false
			if err := t.standDown(ctx); err != nil {
				return t.st, err
			}
			continue
		}
		t.dropRung = false
		if h := t.resumeRung; h != nil && t.child == nil {
			t.resumeRung = nil
			if t.st.Status.Pending() && t.st.EscalationLevel > 0 && len(t.ladder) > 0 {
				level := min(t.st.EscalationLevel, len(t.ladder))
				t.startRung(ctx, level, t.ladder[level-1], *h, t.st.SLADueAt, time.Time{})
			}
			continue
		}
		if r := t.child; r != nil && !r.dueAt.Equal(t.st.SLADueAt) {
			// A new policy moved the running rung's deadline: restart the rung's
			// child with it (its notifications are keyed, so none repeats).
			if err := t.restartRung(ctx); err != nil {
				return t.st, err
			}
			continue
		}
		if t.st.Status.Final() {
			break
		}
		if t.tooLong(ctx) {
			if done, err := t.continueAsNew(ctx); done || err != nil {
				return t.st, err
			}
			continue // a drained signal finished the ticket
		}
		var err error
		switch t.st.Status {
		case domain.StatusAnswered:
			err = t.awaitObjectionWindow(ctx)
		case domain.StatusAwaitingInfo:
			err = t.awaitInfo(ctx)
		case domain.StatusMeetingOffered, domain.StatusMeetingBooked:
			err = t.awaitMeeting(ctx)
		default:
			err = t.awaitResponse(ctx)
		}
		if err != nil {
			return t.st, err
		}
	}
	// Let a handler (update or signal) that is still projecting finish before
	// the workflow completes: nothing runs after completion.
	if err := workflow.Await(ctx, t.quiet(ctx)); err != nil {
		return t.st, err
	}
	// A meeting offer nobody accepted was never served: nothing to rate.
	lapsed := t.st.Meeting != nil && t.st.Meeting.Status == MeetingLapsed
	if t.st.Status == domain.StatusClosed && !lapsed {
		if err := t.survey(ctx); err != nil {
			return t.st, err
		}
	}
	return t.st, t.sendNotifications(ctx)
}

func (t *ticket) close(ctx workflow.Context, why string) {
	now := workflow.Now(ctx)
	t.st.Status = domain.StatusClosed
	t.st.ClosedAt = &now
	t.st.ObjectionUntil = nil
	t.event(ctx, Event{Type: EventClosed, Actor: SystemActor, Public: true, Message: why})
	t.notifyBeneficiary("closed", nil)
}

// beneficiaryActor is the beneficiary acting through via (their request's).
func (t *ticket) beneficiaryActor(via Credential) Actor {
	return Actor{ID: "beneficiary", Name: t.in.Beneficiary.Name, Role: domain.RoleBeneficiary, Via: via}
}

// sleepUntil waits until deadline or until cond holds; fired reports the deadline.
// A deadline already past fires at once (a negative timer is an error).
func (t *ticket) sleepUntil(ctx workflow.Context, deadline time.Time, cond func() bool) (fired bool, err error) {
	if cond() {
		return false, nil
	}
	d := deadline.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true, nil
	}
	ok, err := workflow.AwaitWithTimeout(ctx, d, cond)
	return !ok, err
}

// quiet holds when no update or signal handler is in flight.
func (t *ticket) quiet(ctx workflow.Context) func() bool {
	return func() bool { return workflow.AllHandlersFinished(ctx) && t.signalsInFlight == 0 }
}
