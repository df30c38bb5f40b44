package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

// Filed Sunday 10:00 with nobody answering: the ticket climbs every rung to the
// minister's office, each rung starting exactly when the previous one's working
// allowance runs out on the Sunday–Thursday 08:00–15:00 calendar.
func TestFullLadderToMinister(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	// Long after the top rung expired, the beneficiary withdraws so the run ends.
	h.update(at(12, 20, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "no answer"})
	st := h.run()

	wantStart := []time.Time{
		at(11, 23, 10, 0), // first-response SLA (1d) breached: care-center manager
		at(11, 24, 10, 0), // +1d: entity head
		at(11, 25, 10, 0), // +1d: sector deputy minister
		at(11, 29, 10, 0), // +2d (Wed 10–15, Thu, Sun 08–10): general supervisor
		at(12, 1, 10, 0),  // +2d: minister's office
	}
	wantDue := []time.Time{at(11, 24, 10, 0), at(11, 25, 10, 0), at(11, 29, 10, 0), at(12, 1, 10, 0), at(12, 6, 10, 0)}
	wantRole := domain.LadderRoles()
	wantEntity := []string{"KSU", "KSU", "UNIV", "MOE", "MOE"}

	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 5 {
		t.Fatalf("want 5 escalations, got %d: %+v", len(esc), esc)
	}
	for i, e := range esc {
		sameInstant(t, "escalation start", e.At, wantStart[i])
		if e.Level != i+1 || e.Role != wantRole[i] || e.Entity != wantEntity[i] || !e.Public {
			t.Errorf("escalation %d: %+v", i+1, e)
		}
	}
	// The deadline recorded with each escalation is that rung's due time.
	for _, c := range h.rec.changes {
		for _, e := range c.Events {
			if e.Type == workflows.EventEscalated {
				sameInstant(t, "rung deadline", c.State.SLADueAt, wantDue[e.Level-1])
			}
		}
	}
	if top := h.rec.eventsOf(workflows.EventTopReached); len(top) != 1 {
		t.Fatalf("want the top-reached line once, got %+v", top)
	} else {
		sameInstant(t, "top reached", top[0].At, at(12, 6, 10, 0))
	}
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 5 || st.EscalationRole != domain.RoleMinisterOffice {
		t.Fatalf("final state: %+v", st)
	}
	// Each rung's holder was told and reminded once; the beneficiary heard of every escalation.
	off := h.rec.templates("official")
	if count(off, "escalation_assigned") != 5 || count(off, "escalation_reminder") != 5 || count(off, "ticket_assigned") != 1 || len(off) != 11 {
		t.Errorf("want 5 rungs assigned + 5 reminders + the coordinator's assignment, got %v", off)
	}
	if got := count(h.rec.templates("beneficiary"), "escalated"); got != 5 {
		t.Errorf("want 5 escalation messages to the beneficiary, got %d", got)
	}
}

// An answer while level 2 holds the ticket cancels level 2's child and the climb stops.
func TestResponseAtLevelTwoStopsTheClimb(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	ans := h.update(at(11, 24, 11, 0), workflows.UpdateRespond, respond("KSU", "تم إصدار الشهادة"))
	st := h.run()

	if ans.rejected != nil || ans.failed != nil || ans.state.Status != domain.StatusAnswered {
		t.Fatalf("answer: %+v", ans)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 2 {
		t.Fatalf("want exactly 2 escalations before the answer, got %d", n)
	}
	down := h.rec.eventsOf(workflows.EventStoodDown)
	if len(down) != 1 || down[0].Level != 2 {
		t.Fatalf("want level 2 stood down once, got %+v", down)
	}
	// Level 2's reminder would have gone out Tue 13:30; the answer at 11:00 cancelled it.
	for _, n := range h.rec.notes {
		if n.Template == "escalation_reminder" && n.Params["level"] == "2" {
			t.Fatalf("cancelled rung still reminded: %+v", n)
		}
	}
	// No objection: the ticket closes when the 5-day window passes.
	if st.Status != domain.StatusClosed {
		t.Fatalf("want closed, got %s", st.Status)
	}
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 {
		t.Fatalf("closed events: %+v", closed)
	}
	sameInstant(t, "closed at window end", closed[0].At, at(11, 29, 11, 0))
}

func TestWithdrawalDuringEscalationCancelsTheRung(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 23, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if st.Status != domain.StatusWithdrawn {
		t.Fatalf("status %s", st.Status)
	}
	if down := h.rec.eventsOf(workflows.EventStoodDown); len(down) != 1 || down[0].Level != 1 {
		t.Fatalf("stood down: %+v", down)
	}
}

// A database outage of minutes while the sector's rung is looked up and
// recorded delays the escalation; it neither fails the lookup (which would
// hand the rung to the ticket's own entity) nor the ticket. Local activities
// stop retrying after their schedule-to-close timeout, which the SDK sets to
// the start-to-close one unless told otherwise.
func TestLongOutageDelaysTheEscalation(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		// Backing off 1, 2, 4 … 60 s: some seven minutes of failures each.
		h.rec.failMany[workflows.ActivityResolveLevel] = 12
		h.rec.failMany[workflows.ActivityRecordChange] = 12
	}, at(11, 25, 9, 0).Sub(h.t0))
	h.update(at(12, 20, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "no answer"})
	st := h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 5 || esc[2].Entity != "UNIV" || esc[2].Level != 3 {
		t.Fatalf("escalations after the outage: %+v", esc)
	}
	if late := esc[2].At.Sub(at(11, 25, 10, 0)); late < 5*time.Minute || late > 10*time.Minute {
		t.Errorf("the sector's rung started %v after its time, want the outage's length", late)
	}
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 5 {
		t.Fatalf("final state: %+v", st)
	}
}

// An answer and an objection that land while the escalation's holder is being
// looked up leave the review alone: no rung of the old round starts, and the
// review keeps its own deadline.
func TestEscalationGoesStaleWhenAnsweredMeanwhile(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityResolveLevel, mock.Anything, mock.Anything).
		Return(workflows.LevelHolder{Role: domain.RoleCareCenterManager, Entity: "KSU"}, nil).After(time.Hour)
	h.update(at(11, 23, 10, 10), workflows.UpdateRespond, respond("KSU", "answered during the lookup"))
	obj := h.update(at(11, 23, 10, 20), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	self := h.update(at(11, 23, 10, 30), workflows.UpdateRespond, respond("KSU", "closing my own review"))
	h.update(at(11, 24, 9, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if obj.rejected != nil || obj.state.Round != 1 {
		t.Fatalf("objection: %+v", obj)
	}
	wantErrType(t, self.rejected, workflows.ErrNotResponsible)
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Fatalf("a stale escalation was recorded %d times", n)
	}
	for _, n := range h.rec.notes {
		if n.Template == "escalation_assigned" {
			t.Fatalf("a stale rung started: %+v", n)
		}
	}
	sameInstant(t, "review deadline kept", obj.state.SLADueAt, at(11, 26, 10, 20))
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 0 {
		t.Fatalf("final: %+v", st)
	}
}

// A ticket whose history grows too long (here: Temporal suggests it while level
// 2 holds the ticket, as a flood of signals would) continues as new; the next
// run resumes the running rung with the same deadline and carries on.
func TestContinueAsNewResumesTheRunningRung(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SetContinueAsNewSuggested(true)
		// A refused signal wakes the workflow, like any of a flood would.
		h.env.SignalWorkflow(workflows.UpdateObject, workflows.ObjectRequest{Reason: "spam"})
	}, at(11, 24, 12, 0).Sub(h.t0))
	in := input(h.t0)
	if h.edit != nil {
		h.edit(&in)
	}
	h.env.ExecuteWorkflow(workflows.TicketWorkflowName, in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.TicketInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	r := next.Resume
	if r == nil || r.Rung == nil || r.Rung.Level != 2 || r.State.EscalationLevel != 2 || !r.Breached {
		t.Fatalf("resume: %+v", r)
	}
	sameInstant(t, "resumed rung deadline", r.Rung.DueAt, at(11, 25, 10, 0))
	seqBefore := r.State.Seq

	// The next run: level 2's deadline passes, level 3 takes over, then an answer.
	h2 := newHarness(t, at(11, 24, 12, 0))
	ans := h2.update(at(11, 26, 9, 0), workflows.UpdateRespond, respond("KSU", "late but done"))
	h2.env.ExecuteWorkflow(workflows.TicketWorkflowName, next)
	if err := h2.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if ans.rejected != nil || ans.state.Status != domain.StatusAnswered {
		t.Fatalf("answer after resume: %+v", ans)
	}
	esc := h2.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 1 || esc[0].Level != 3 {
		t.Fatalf("after resume want exactly level 3, got %+v", esc)
	}
	sameInstant(t, "level 3 start", esc[0].At, at(11, 25, 10, 0))
	if created := h2.rec.eventsOf(workflows.EventCreated); len(created) != 0 {
		t.Fatalf("resumed run re-created the ticket: %+v", created)
	}
	if first := h2.rec.events()[0]; first.Seq != seqBefore+1 {
		t.Fatalf("sequence restarted: first seq %d after %d", first.Seq, seqBefore)
	}
	// Level 2's holder is re-notified under the same key (the outbox keeps one).
	keys := map[string]int{}
	for _, n := range append(h.rec.notes, h2.rec.notes...) {
		if n.Template == "escalation_assigned" && n.Params["level"] == "2" {
			keys[n.Key]++
		}
	}
	if len(keys) != 1 {
		t.Fatalf("level 2 assignment keys: %v", keys)
	}
}
