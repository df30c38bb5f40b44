package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

func TestObjectionInsideWindowReopensWithNewSLA(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	obj := h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "الرد غير كاف"})
	again := h.update(at(11, 23, 9, 30), workflows.UpdateObject, workflows.ObjectRequest{Reason: "again"})
	rev := h.update(at(11, 24, 9, 0), workflows.UpdateRespond, respond("UNIV", "reviewed"))
	st := h.run()

	if obj.rejected != nil || obj.failed != nil {
		t.Fatalf("objection refused: %+v", obj)
	}
	if obj.state.Status != domain.StatusReopened || obj.state.ResponsibleEntity != "UNIV" || obj.state.Round != 1 {
		t.Fatalf("after objection: %+v", obj.state)
	}
	// Review allowance 3 working days from Monday 09:00: Mon 6h + Tue 7h + Wed 7h + Thu 1h.
	sameInstant(t, "review deadline", obj.state.SLADueAt, at(11, 26, 9, 0))
	wantErrType(t, again.rejected, workflows.ErrAlreadyObjected)
	if rev.state.Status != domain.StatusClosed || st.Status != domain.StatusClosed {
		t.Fatalf("review answer must close the ticket: %+v / %+v", rev.state, st)
	}
	if len(st.Responses) != 2 || st.Responses[1].Round != 1 {
		t.Fatalf("responses: %+v", st.Responses)
	}
}

// The review round has its own SLA and its own ladder, starting above the entity.
func TestReviewEscalatesFromTheSector(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	h.update(at(11, 30, 12, 0), workflows.UpdateRespond, respond("UNIV", "reviewed late"))
	h.run()

	// Review due Thu 26th 09:00 -> the sector official (2d: Thu 6h, Sun 7h, Mon 1h)
	// -> the general supervisor on Mon 30th 09:00, who answers at noon.
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 2 || esc[0].Role != domain.RoleSectorOfficial || esc[0].Entity != "UNIV" ||
		esc[1].Role != domain.RoleSupervisor || esc[1].Entity != "MOE" {
		t.Fatalf("review escalation: %+v", esc)
	}
	sameInstant(t, "review breach", esc[0].At, at(11, 26, 9, 0))
	sameInstant(t, "review level 2", esc[1].At, at(11, 30, 9, 0))
}

func TestObjectionAfterWindowIsRefused(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	// The window (5 x 24h) ends Friday 27th 12:00: an objection at that instant is
	// too late (the window is half-open), and the ticket closes.
	late := h.update(at(11, 27, 12, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "late"})
	st := h.run()
	if st.Status != domain.StatusClosed {
		t.Fatalf("want closed, got %+v", st)
	}
	if !late.done {
		t.Fatal("the late objection got no answer")
	}
	wantErrType(t, late.rejected, workflows.ErrObjectionWindowClosed)
}

func TestObjectionBeforeAnswerAndAfterWithdrawalRefused(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	early := h.update(at(11, 22, 11, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "early"})
	emptyAnswer := h.update(at(11, 22, 11, 30), workflows.UpdateRespond, respond("KSU", ""))
	w := h.update(at(11, 22, 12, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "solved"})
	st := h.run()
	wantErrType(t, early.rejected, workflows.ErrNothingToObject)
	wantErrType(t, emptyAnswer.rejected, workflows.ErrInvalidMessage)
	if w.state.Status != domain.StatusWithdrawn || st.Status != domain.StatusWithdrawn || st.ClosedAt == nil {
		t.Fatalf("withdrawal: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Fatalf("withdrawn before the SLA yet escalated %d times", n)
	}
	if got := h.rec.templates("beneficiary"); count(got, "withdrawn") != 1 || count(got, "created") != 1 {
		t.Fatalf("beneficiary messages: %v", got)
	}
}

// Signals take the same path as updates (for fire-and-forget integrations).
func TestRespondBySignal(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateRespond, respond("KSU", "by signal"))
	}, time.Hour)
	st := h.run()
	if st.Status != domain.StatusClosed || len(st.Responses) != 1 || st.Responses[0].Message != "by signal" {
		t.Fatalf("signal response: %+v", st)
	}
}

// Signals of several kinds, one kind twice, are each handled once by the
// one listener: both notes, the answer, then the withdrawal.
func TestSignalsOfSeveralKinds(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "first"})
		h.env.SignalWorkflow(workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "second"})
		h.env.SignalWorkflow(workflows.UpdateRespond, respond("KSU", "by signal"))
		h.env.SignalWorkflow(workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "too late"})
	}, time.Hour)
	st := h.run()
	if len(st.Responses) != 1 || st.Status != domain.StatusWithdrawn {
		t.Fatalf("after the signals: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventNote)); n != 2 {
		t.Fatalf("want both notes, got %d", n)
	}
}

// The read-model projection always moves forward: every projection carries a
// distinct version (activities may run concurrently, so arrival order is not
// version order; the store keeps the highest), the highest carries the final
// state, and sequence numbers are unique and gapless.
func TestProjectionVersionsAndSequence(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 23, 12, 0), workflows.UpdateRespond, respond("KSU", "ok"))
	final := h.run()
	versions := map[int64]bool{}
	for _, c := range h.rec.changes {
		if versions[c.State.Version] {
			t.Fatalf("version %d projected twice", c.State.Version)
		}
		versions[c.State.Version] = true
	}
	seqs := map[int]bool{}
	for _, e := range h.rec.events() {
		if seqs[e.Seq] {
			t.Fatalf("seq %d recorded twice", e.Seq)
		}
		seqs[e.Seq] = true
	}
	for i := 1; i <= len(seqs); i++ {
		if !seqs[i] {
			t.Fatalf("seq %d missing from %v", i, seqs)
		}
	}
	if st := h.rec.last(); st.Status != domain.StatusClosed || st.Version != final.Version || st.Seq != len(seqs) {
		t.Fatalf("highest projection %+v, final %+v", st, final)
	}
}

// A failing activity is retried by Temporal and the workflow carries on.
func TestActivityFailureIsRetried(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.failOnce[workflows.ActivityRecordChange] = true
	h.update(at(11, 22, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if st.Status != domain.StatusWithdrawn || len(h.rec.eventsOf(workflows.EventCreated)) != 1 {
		t.Fatalf("after retry: %+v, events %+v", st, h.rec.events())
	}
}

// A withdrawal that arrives while the objection's reviewer is still being looked
// up wins: the ticket ends withdrawn, never reopened behind the beneficiary's back.
func TestWithdrawalDuringObjectionSetupWins(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityReviewEntity, mock.Anything, mock.Anything).
		Return(workflows.LevelHolder{Entity: "UNIV", NameEN: "Universities"}, nil).After(time.Hour)
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	obj := h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	again := h.update(at(11, 23, 9, 10), workflows.UpdateObject, workflows.ObjectRequest{Reason: "twice"})
	w := h.update(at(11, 23, 9, 30), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "never mind"})
	st := h.run()
	wantErrType(t, again.rejected, workflows.ErrAlreadyObjected)
	if w.rejected != nil || obj.rejected != nil {
		t.Fatalf("objection %v / withdrawal %v refused", obj.rejected, w.rejected)
	}
	if st.Status != domain.StatusWithdrawn || st.ResponsibleEntity != "KSU" {
		t.Fatalf("final: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventReopened)); n != 0 {
		t.Fatalf("reopened after the withdrawal: %d", n)
	}
}

// A withdrawal sent as a signal is projected before the workflow completes,
// even when the projection is slow.
func TestSignalHandlerFinishesBeforeCompletion(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityRecordChange, mock.Anything, mock.Anything).
		Return(func(ctx context.Context, ch workflows.Change) error { return h.rec.RecordChange(ctx, ch) }).
		After(10 * time.Minute)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "by signal"})
	}, time.Hour)
	st := h.run()
	if st.Status != domain.StatusWithdrawn {
		t.Fatalf("status %s", st.Status)
	}
	if last := h.rec.last(); last.Status != domain.StatusWithdrawn || last.Version != st.Version {
		t.Fatalf("read model left at %s v%d, workflow ended at v%d", last.Status, last.Version, st.Version)
	}
}

// The beneficiary's language rides on each of their messages; officials'
// messages carry none (they read Arabic then English).
func TestBeneficiaryMessagesCarryTheLanguage(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.edit = func(in *workflows.TicketInput) { in.Beneficiary.Language = "en" }
	h.update(at(11, 24, 11, 0), workflows.UpdateRespond, respond("KSU", "تم إصدار الشهادة"))
	h.run()
	var beneficiary, official int
	for _, n := range h.rec.notes {
		switch n.Audience {
		case "beneficiary":
			beneficiary++
			if n.Language != "en" {
				t.Errorf("%s to the beneficiary has language %q", n.Template, n.Language)
			}
		case "official":
			official++
			if n.Language != "" {
				t.Errorf("%s to an official has language %q", n.Template, n.Language)
			}
		}
	}
	if beneficiary == 0 || official == 0 {
		t.Fatalf("%d beneficiary and %d official messages", beneficiary, official)
	}
}
