package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
)

// Event types of the timeline.
const (
	EventCreated    = "created"
	EventEscalated  = "escalated"
	EventResponded  = "responded"
	EventObjected   = "objected"
	EventReopened   = "reopened"
	EventClosed     = "closed"
	EventWithdrawn  = "withdrawn"
	EventStoodDown  = "escalation_stood_down"
	EventTopReached = "ladder_top_reached"
	EventPolicy     = "policy_applied"
	EventAssigned   = "assigned"
	EventNote       = "note"
	EventInfoAsked  = "info_requested"
	EventInfoGiven  = "info_provided"
	EventTransfer   = "transferred"
	EventSurvey     = "survey_invited"
	EventRated      = "rated"
	EventFollowUp   = "follow_up_opened"
	EventFollowDue  = "follow_up_overdue"
	EventFollowDone = "follow_up_closed"

	EventMeetingOffered      = "meeting_offered"
	EventMeetingBooked       = "meeting_booked"
	EventMeetingSlotDeclined = "meeting_slot_declined"
	EventMeetingLapsed       = "meeting_lapsed"
	EventMeetingDeclined     = "meeting_declined"
	EventMeetingReminder     = "meeting_reminder"
	EventMeetingAttendance   = "meeting_attendance_due"
	EventMeetingRecorded     = "meeting_recorded"

	// EventNotRecorded stands on the timeline for lines the database refused
	// for good (ErrRefusedByDatabase); what they said is in the history.
	EventNotRecorded = "change_not_recorded"
)

// Event is one line of the ticket's timeline; Seq is assigned by the workflow.
type Event struct {
	Seq     int         `json:"seq"`
	Type    string      `json:"type"`
	At      time.Time   `json:"at"`
	Actor   Actor       `json:"actor"`
	Entity  string      `json:"entity,omitempty"`
	Level   int         `json:"level,omitempty"`
	Public  bool        `json:"public"`
	Message string      `json:"message,omitempty"`
	Role    domain.Role `json:"role,omitempty"` // the ladder role for escalations
}

// Change is what RecordChange projects into the read model.
type Change struct {
	State  TicketState `json:"state"`
	Events []Event     `json:"events"`
}

// Notification is one message to deliver; Key makes a retry harmless.
type Notification struct {
	Key          string            `json:"key"`
	TicketNumber string            `json:"ticket_number"`
	Audience     string            `json:"audience"` // "beneficiary" or "official"
	Channel      string            `json:"channel"`  // "sms", "email", "inbox"
	Recipient    string            `json:"recipient"`
	Template     string            `json:"template"`
	Params       map[string]string `json:"params,omitempty"`
	// Language is the beneficiary's (Beneficiary.Language); officials' messages have none.
	Language string `json:"language,omitempty"`
}

// event appends a timeline line with the next sequence number.
func (t *ticket) event(ctx workflow.Context, e Event) {
	t.st.Seq++
	e.Seq = t.st.Seq
	e.At = workflow.Now(ctx)
	if e.Level == 0 && e.Type != EventStoodDown {
		e.Level = t.st.EscalationLevel
	}
	t.pending = append(t.pending, e)
}

// flush projects the state and the pending timeline into the read model. Each
// projection carries a higher version, so a late retry never overwrites a
// newer row.
//
// A change the database refuses for good (RecordChange fails with
// ErrRefusedByDatabase) must not jam the ticket: retrying it would never
// end, and an update or a continue-as-new waiting on it neither. Its lines
// are dropped and the state is recorded again with one line saying so; if
// that is refused too, the ticket goes on with the read model behind (the
// next change may land). Only a refusal takes this path, so histories
// without one replay unchanged.
func (t *ticket) flush(ctx workflow.Context) error {
	ch := t.change()
	err := step(ctx, ActivityRecordChange, ch).Get(ctx, nil)
	if !refusedByDatabase(err) {
		if err != nil {
			return fmt.Errorf("recording ticket change v%d: %w", ch.State.Version, err)
		}
		return nil
	}
	log := workflow.GetLogger(ctx)
	log.Error("ticket change refused by the database: its timeline lines are dropped",
		"ticket", t.st.Number, "version", ch.State.Version, "lines", len(ch.Events), "error", err)
	lines := "none"
	if n := len(ch.Events); n > 0 {
		lines = fmt.Sprintf("%d-%d", ch.Events[0].Seq, ch.Events[n-1].Seq)
	}
	t.event(ctx, Event{Type: EventNotRecorded, Actor: SystemActor,
		Message: fmt.Sprintf("change v%d (timeline lines %s) refused by the database", ch.State.Version, lines)})
	ch = t.change()
	err = step(ctx, ActivityRecordChange, ch).Get(ctx, nil)
	if refusedByDatabase(err) {
		log.Error("ticket state refused by the database: the read model is behind",
			"ticket", t.st.Number, "version", ch.State.Version, "error", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording ticket change v%d: %w", ch.State.Version, err)
	}
	return nil
}

// change takes the state and the pending lines as the next projection.
func (t *ticket) change() Change {
	t.st.Version++
	st := t.st
	st.Responses = append([]Response(nil), t.st.Responses...)
	ch := Change{State: st, Events: t.pending}
	t.pending = nil
	return ch
}

// refusedByDatabase: an activity met an error the database will give again
// however often it is retried (store.Permanent) and failed for good.
func refusedByDatabase(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == ErrRefusedByDatabase
}

// notifyBeneficiary queues a message to the beneficiary's mobile (and
// e-mail), unless the filing has not proven the mobile theirs: an anonymous
// filing must not make the ministry message whoever it named. What is held
// back is not sent once the mobile is proven; the tracking page has it.
func (t *ticket) notifyBeneficiary(template string, params map[string]string) {
	if t.in.MobileUnproven {
		return
	}
	key := fmt.Sprintf("%s/%d/%s", TicketWorkflowID(t.st.Number), t.st.Seq, template)
	if params == nil {
		params = map[string]string{}
	}
	params["number"] = t.st.Number
	params["status"] = string(t.st.Status)
	t.outbox = append(t.outbox, Notification{Key: key, TicketNumber: t.st.Number, Audience: "beneficiary",
		Channel: "sms", Recipient: t.in.Beneficiary.Mobile, Template: template, Params: params,
		Language: t.in.Beneficiary.Language})
	if t.in.Beneficiary.Email != "" {
		n := t.outbox[len(t.outbox)-1]
		n.Key += "/email"
		n.Channel, n.Recipient = "email", t.in.Beneficiary.Email
		t.outbox = append(t.outbox, n)
	}
}

// notifyOfficial queues an in-app message for the people of a role at an
// entity ("care_center_manager@KSU"), keyed by the ticket and the timeline
// line it goes with.
func (t *ticket) notifyOfficial(recipient, template string, params map[string]string) {
	if params == nil {
		params = map[string]string{}
	}
	params["number"], params["subject"] = t.st.Number, t.in.Subject
	t.outbox = append(t.outbox, Notification{
		Key:      fmt.Sprintf("%s/%d/%s", TicketWorkflowID(t.st.Number), t.st.Seq, template),
		Audience: "official", Channel: "inbox", Recipient: recipient, Template: template,
		TicketNumber: t.st.Number, Params: params,
	})
}

func (t *ticket) sendNotifications(ctx workflow.Context) error {
	for len(t.outbox) > 0 {
		n := t.outbox[0]
		t.outbox = t.outbox[1:]
		err := step(ctx, ActivityNotify, n).Get(ctx, nil)
		if refusedByDatabase(err) {
			// The outbox refuses this message for good: lose it, not the ticket.
			workflow.GetLogger(ctx).Error("notification refused by the database: dropped",
				"ticket", t.st.Number, "template", n.Template, "audience", n.Audience, "error", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("notifying %s (%s): %w", n.Audience, n.Template, err)
		}
	}
	return nil
}

// step runs one database step of a ticket or a rung (the projection, the
// outbox, the hierarchy's lookups) as a local activity: the worker runs it
// inside the workflow task that asked for it and records its result as a
// marker. A task-queue activity would cost a round trip through the server
// (three history events, two more workflow tasks) that a burst of deadlines
// or a crowd of answers paid several times a step. Long work (the roll-out's
// paging, the survey's sample) stays on the task queue (activityCtx).
func step(ctx workflow.Context, activity string, arg any) workflow.Future {
	return workflow.ExecuteLocalActivity(localActivityCtx(ctx), activity, arg)
}

// localActivityCtx: a short read or write of our own database, run by the
// workflow worker itself; retried without end (retryUntilDone: past the local retry
// threshold the SDK keeps retrying through a timer, so an outage delays,
// never fails). A worker that dies mid-step loses its workflow task, which
// the server hands to another worker after the task's timeout.
func localActivityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		// Left unset, the SDK takes the schedule-to-close timeout from the
		// start-to-close one, and a local activity stops retrying after its
		// first 10 s: an outage would fail the step (a rung's holder would
		// fall back to the ticket's entity). Retrying must outlast the outage.
		ScheduleToCloseTimeout: localRetryHorizon,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy:            retryUntilDone(),
	})
}

// localRetryHorizon bounds a local activity's retries in time; in effect
// never (the retry policy's attempts, where set, end them first).
const localRetryHorizon = 10 * 365 * 24 * time.Hour

// retryUntilDone retries with backoff up to a minute apart, without end.
func retryUntilDone() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute}
}

// ProveMobileRequest tells the ticket that its beneficiary's mobile was
// proven to be the filer's (a session of that mobile presented the ticket's
// tracking code).
type ProveMobileRequest struct {
	Actor Actor `json:"actor"`
}

func (t *ticket) validateProveMobile(ctx workflow.Context, req ProveMobileRequest) error {
	return t.refuseWhileClosing()
}

// proveMobile lets messages go to the beneficiary from now on (carried in
// the input across continue-as-new); proving twice changes nothing.
func (t *ticket) proveMobile(ctx workflow.Context, req ProveMobileRequest) (TicketState, error) {
	t.in.MobileUnproven = false
	return t.st, nil
}
