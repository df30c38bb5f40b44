package workflows_test

import (
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

// Answered Sunday 12:00, the objection window (5 days) closes the ticket
// Friday 12:00; the survey runs 7 days from there. A rating of 2 opens a
// quality follow-up for KSU's care-center manager, due after 3 working days;
// past it the supervisor is told; the manager's closing ends the ticket.
func TestLowRatingOpensAFollowUp(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
	early := h.update(at(11, 23, 9, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 4})
	r := h.update(at(11, 28, 10, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 2, Comment: "تأخر الرد"})
	again := h.update(at(11, 28, 11, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 5})
	manager := workflows.Actor{ID: "user:mona", Role: domain.RoleCareCenterManager, Entity: "KSU"}
	done := h.update(at(12, 2, 9, 0), workflows.UpdateCloseFollowUp, workflows.CloseFollowUpRequest{Actor: manager, Note: "اتصلنا بالمستفيد وحُلّت المشكلة"})
	st := h.run()

	wantErrType(t, early.rejected, workflows.ErrNotRateable)
	wantErrType(t, again.rejected, workflows.ErrNotRateable)
	if r.rejected != nil || r.failed != nil || r.state.FollowUp == nil {
		t.Fatalf("rating: %+v", r)
	}
	fu := r.state.FollowUp
	if fu.Entity != "KSU" {
		t.Fatalf("follow-up %+v", fu)
	}
	// Saturday 10:00 + 3 working days (Sun, Mon, Tue 08–15): Tuesday 15:00.
	sameInstant(t, "follow-up due", fu.DueAt, at(12, 1, 15, 0))
	if done.rejected != nil || done.failed != nil {
		t.Fatalf("closing the follow-up: %+v", done)
	}
	if st.Survey == nil || st.Survey.Rating != 2 || st.FollowUp == nil || st.FollowUp.Status != workflows.FollowUpDone {
		t.Fatalf("final state %+v", st)
	}
	sameInstant(t, "survey until", st.Survey.Until, at(12, 4, 12, 0))
	for _, typ := range []string{workflows.EventSurvey, workflows.EventRated, workflows.EventFollowUp, workflows.EventFollowDue, workflows.EventFollowDone} {
		if n := len(h.rec.eventsOf(typ)); n != 1 {
			t.Errorf("%s lines: %d, want 1", typ, n)
		}
	}
	if e := h.rec.eventsOf(workflows.EventFollowDue); len(e) == 1 {
		sameInstant(t, "overdue", e[0].At, at(12, 1, 15, 0))
	}
	if got := h.rec.templates("beneficiary"); count(got, "survey_invitation") != 1 {
		t.Errorf("beneficiary messages %v", got)
	}
	off := h.rec.templates("official")
	if count(off, "follow_up_opened") != 1 || count(off, "follow_up_overdue") != 1 {
		t.Errorf("official messages %v", off)
	}
}

// A good rating opens nothing and ends the ticket's life at once; a ticket
// nobody rates ends when the window passes; a withdrawn one has no survey.
func TestSurveyEnds(t *testing.T) {
	t.Run("rated 5", func(t *testing.T) {
		h := newHarness(t, at(11, 22, 10, 0))
		h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
		bad := h.update(at(11, 28, 9, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 6})
		h.update(at(11, 28, 10, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 5})
		st := h.run()
		wantErrType(t, bad.rejected, workflows.ErrInvalidMessage)
		if st.Survey == nil || st.Survey.Rating != 5 || st.FollowUp != nil {
			t.Fatalf("final %+v", st)
		}
		sameInstant(t, "ends with the rating", h.env.Now(), at(11, 28, 10, 0))
	})
	t.Run("not rated", func(t *testing.T) {
		h := newHarness(t, at(11, 22, 10, 0))
		h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
		st := h.run()
		if st.Survey == nil || st.Survey.Rating != 0 {
			t.Fatalf("final %+v", st)
		}
		sameInstant(t, "ends when the window passes", h.env.Now(), at(12, 4, 12, 0))
	})
	t.Run("withdrawn", func(t *testing.T) {
		h := newHarness(t, at(11, 22, 10, 0))
		h.update(at(11, 22, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
		st := h.run()
		if st.Survey != nil || count(h.rec.templates("beneficiary"), "survey_invitation") != 0 {
			t.Fatalf("a withdrawn ticket was surveyed: %+v", st)
		}
	})
}
