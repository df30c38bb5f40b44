package workflows_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

// holdsNUL stands for PostgreSQL: a change with a NUL in a line is refused.
func holdsNUL(ch workflows.Change) bool {
	for _, e := range ch.Events {
		if strings.ContainsRune(e.Message, 0) {
			return true
		}
	}
	return false
}

// A withdrawal whose line the database refuses for good (a NUL in the
// reason, issue 15) still withdraws the ticket in the read model: the
// refused lines give way to one saying so, the update answers, and the
// workflow ends. Retrying the refused change would have jammed it.
func TestRefusedChangeDoesNotJamTheTicket(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.refuse = holdsNUL
	note := h.update(at(11, 22, 11, 0), workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "a\x00b"})
	w := h.update(at(11, 22, 12, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "\x00"})
	st := h.run()
	if note.failed != nil || note.rejected != nil || w.failed != nil || w.rejected != nil {
		t.Fatalf("note %+v, withdrawal %+v", note, w)
	}
	if st.Status != domain.StatusWithdrawn || h.rec.last().Status != domain.StatusWithdrawn {
		t.Fatalf("final %s, read model %s", st.Status, h.rec.last().Status)
	}
	if len(h.rec.refused) != 2 {
		t.Fatalf("%d refusals, want one per refused change (never retried)", len(h.rec.refused))
	}
	lost := h.rec.eventsOf(workflows.EventNotRecorded)
	if len(lost) != 2 || lost[0].Public || lost[0].Actor.ID != workflows.SystemActor.ID {
		t.Fatalf("lines standing for the refused ones: %+v", lost)
	}
	for i, e := range lost {
		if v := h.rec.refused[i].State.Version; !strings.Contains(e.Message, fmt.Sprintf("change v%d ", v)) {
			t.Errorf("line %+v does not name refused change v%d", e, v)
		}
	}
}

// When even the state is refused, the ticket still goes on (the read model
// is behind until a change lands): two attempts, then the workflow ends.
func TestRefusedStateDoesNotJamTheTicket(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.refuse = func(ch workflows.Change) bool { return ch.State.Status == domain.StatusWithdrawn }
	w := h.update(at(11, 22, 12, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "x"})
	st := h.run()
	if w.failed != nil || st.Status != domain.StatusWithdrawn {
		t.Fatalf("withdrawal %+v, final %s", w, st.Status)
	}
	if len(h.rec.refused) != 2 || h.rec.last().Status != domain.StatusOpen {
		t.Fatalf("%d refusals, read model %s", len(h.rec.refused), h.rec.last().Status)
	}
}

// A refused change does not hold up continue-as-new: the note's handler
// finishes, and the run hands over when Temporal suggests it.
func TestRefusedChangeDoesNotBlockContinueAsNew(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.refuse = holdsNUL
	note := h.update(at(11, 22, 11, 0), workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "\x00"})
	h.env.RegisterDelayedCallback(func() {
		h.env.SetContinueAsNewSuggested(true)
		h.env.SignalWorkflow(workflows.UpdateObject, workflows.ObjectRequest{Reason: "wake"})
	}, at(11, 22, 11, 30).Sub(h.t0))
	h.env.ExecuteWorkflow(workflows.TicketWorkflowName, input(h.t0))
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	if note.failed != nil || !note.done || len(h.rec.refused) != 1 {
		t.Fatalf("note %+v, %d refusals", note, len(h.rec.refused))
	}
}
