package workflows_test

import (
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

var office = workflows.Actor{ID: "user:nora", Name: "نورة", Role: domain.RoleMinisterOffice, Entity: "MOE"}

// meetingHarness files a request to meet the minister to the ministry.
func meetingHarness(t *testing.T, filed time.Time) *harness {
	h := newHarness(t, filed)
	h.edit = func(in *workflows.TicketInput) {
		in.Kind, in.Entity, in.Subject = domain.KindMeetingRequest, "MOE", "طلب مقابلة معالي الوزير"
	}
	return h
}

func offer(slot time.Time) workflows.OfferMeetingRequest {
	return workflows.OfferMeetingRequest{Actor: office, At: slot, Place: "مكتب معالي الوزير، الرياض"}
}

// The office offers a slot, the beneficiary accepts it, a reminder goes out
// the day before (to both), attendance is refused before the meeting and
// recorded after it, which closes the ticket; the survey follows.
func TestMeetingOfferedBookedRemindedHeld(t *testing.T) {
	h := meetingHarness(t, at(11, 22, 10, 0))
	slot := at(11, 30, 10, 0)
	tooSoon := h.update(at(11, 23, 8, 0), workflows.UpdateOfferMeeting, offer(at(11, 24, 8, 0)))
	o := h.update(at(11, 23, 9, 0), workflows.UpdateOfferMeeting, offer(slot))
	answer := h.update(at(11, 23, 10, 0), workflows.UpdateRespond, respond("MOE", "تم"))
	early := h.update(at(11, 24, 9, 0), workflows.UpdateRecordAttendance, workflows.RecordAttendanceRequest{Actor: office, Attended: true})
	ok := h.update(at(11, 24, 10, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: true})
	twice := h.update(at(11, 24, 11, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: true})
	notYet := h.update(at(11, 29, 12, 0), workflows.UpdateRecordAttendance, workflows.RecordAttendanceRequest{Actor: office, Attended: true})
	held := h.update(at(11, 30, 11, 0), workflows.UpdateRecordAttendance, workflows.RecordAttendanceRequest{Actor: office, Attended: true, Note: "عُرض الموضوع"})
	h.update(at(11, 30, 12, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 5})
	st := h.run()

	wantErrType(t, tooSoon.rejected, workflows.ErrMeetingTooSoon)
	if o.rejected != nil || o.failed != nil || o.state.Status != domain.StatusMeetingOffered {
		t.Fatalf("offer: %+v", o)
	}
	m := o.state.Meeting
	sameInstant(t, "slot", m.At, slot)
	// Offered Monday 09:00: three days to accept (Thursday 09:00), earlier
	// than a day before the slot.
	sameInstant(t, "confirm by", m.ConfirmBy, at(11, 26, 9, 0))
	if o.state.RespondedAt == nil {
		t.Error("the offer is the office's response; RespondedAt not set")
	}
	wantErrType(t, answer.rejected, workflows.ErrNotAwaitingResponse)
	wantErrType(t, early.rejected, workflows.ErrMeetingNotBooked)
	if ok.rejected != nil || ok.failed != nil || ok.state.Status != domain.StatusMeetingBooked {
		t.Fatalf("accepting: %+v", ok)
	}
	wantErrType(t, twice.rejected, workflows.ErrNoMeetingOffer)
	wantErrType(t, notYet.rejected, workflows.ErrMeetingNotYet)
	if held.rejected != nil || held.failed != nil {
		t.Fatalf("attendance: %+v", held)
	}
	if st.Status != domain.StatusClosed || st.Meeting.Status != workflows.MeetingHeld || st.Meeting.RecordedBy == nil ||
		st.Survey == nil || st.Survey.Rating != 5 {
		t.Fatalf("final %+v / meeting %+v", st, st.Meeting)
	}
	if e := h.rec.eventsOf(workflows.EventMeetingReminder); len(e) != 1 {
		t.Fatalf("reminder lines %+v", e)
	} else {
		sameInstant(t, "reminder", e[0].At, at(11, 29, 10, 0))
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Errorf("a request answered with a slot escalated %d times", n)
	}
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 || closed[0].Message != "meeting_held" {
		t.Errorf("closing lines %+v", closed)
	}
	ben := h.rec.templates("beneficiary")
	for _, tpl := range []string{"created", "meeting_offered", "meeting_booked", "meeting_reminder", "closed", "survey_invitation"} {
		if count(ben, tpl) != 1 {
			t.Errorf("beneficiary messages %v: want one %s", ben, tpl)
		}
	}
	off := h.rec.templates("official")
	if count(off, "meeting_booked_office") != 1 || count(off, "meeting_reminder_office") != 1 || count(off, "meeting_attendance_due") != 0 {
		t.Errorf("office messages %v", off)
	}
	for _, n := range h.rec.notes {
		if n.Audience == "official" && n.Template != "escalation_assigned" && n.Recipient != "minister_office@MOE" {
			t.Errorf("office message to %q", n.Recipient)
		}
	}
}

// A slot the beneficiary turns down gives the office the response allowance
// again, from then; a second slot nobody accepts lapses at its confirm-by
// time and closes the ticket, with notice and no survey.
func TestMeetingSlotDeclinedThenLapses(t *testing.T) {
	h := meetingHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 23, 9, 0), workflows.UpdateOfferMeeting, offer(at(11, 30, 10, 0)))
	no := h.update(at(11, 23, 12, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: false, Reason: "لدي اختبار في ذلك اليوم"})
	noReason := h.update(at(11, 23, 11, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: false})
	second := h.update(at(11, 24, 9, 0), workflows.UpdateOfferMeeting, offer(at(12, 10, 10, 0)))
	st := h.run()

	wantErrType(t, noReason.rejected, workflows.ErrInvalidMessage)
	if no.rejected != nil || no.failed != nil || no.state.Status != domain.StatusOpen {
		t.Fatalf("turning the slot down: %+v", no)
	}
	// Monday 12:00 + 5 working days (08–15, Sun–Thu) = next Monday 12:00.
	sameInstant(t, "new deadline", no.state.SLADueAt, at(11, 30, 12, 0))
	if second.rejected != nil || second.state.Meeting.Offers != 2 {
		t.Fatalf("second offer: %+v", second)
	}
	if st.Status != domain.StatusClosed || st.Meeting.Status != workflows.MeetingLapsed || st.Survey != nil {
		t.Fatalf("final %+v / meeting %+v", st, st.Meeting)
	}
	sameInstant(t, "lapsed at the confirm-by time", *st.ClosedAt, at(11, 27, 9, 0))
	ben := h.rec.templates("beneficiary")
	if count(ben, "meeting_offered") != 2 || count(ben, "meeting_lapsed") != 1 || count(ben, "survey_invitation") != 0 {
		t.Errorf("beneficiary messages %v", ben)
	}
	off := h.rec.templates("official")
	if count(off, "meeting_slot_declined") != 1 || count(off, "meeting_lapsed_office") != 1 {
		t.Errorf("office messages %v", off)
	}
}

// Declining the request answers it (the objection window follows, as for
// any answer); meeting actions on another kind of ticket are refused.
func TestMeetingDeclined(t *testing.T) {
	h := meetingHarness(t, at(11, 22, 10, 0))
	d := h.update(at(11, 23, 9, 0), workflows.UpdateDeclineMeeting, workflows.DeclineMeetingRequest{Actor: office, Reason: "يُحال الموضوع إلى وكالة الجامعات"})
	late := h.update(at(11, 23, 10, 0), workflows.UpdateOfferMeeting, offer(at(11, 30, 10, 0)))
	h.update(at(11, 23, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if d.rejected != nil || d.failed != nil || d.state.Status != domain.StatusAnswered || d.state.Meeting.Status != workflows.MeetingDeclined {
		t.Fatalf("decline: %+v", d)
	}
	if len(st.Responses) != 1 || st.Responses[0].Message != "يُحال الموضوع إلى وكالة الجامعات" {
		t.Errorf("responses %+v", st.Responses)
	}
	wantErrType(t, late.rejected, workflows.ErrNotAwaitingResponse)
	if count(h.rec.templates("beneficiary"), "answered") != 1 {
		t.Errorf("beneficiary messages %v", h.rec.templates("beneficiary"))
	}

	other := newHarness(t, at(11, 22, 10, 0)) // a complaint
	o := other.update(at(11, 22, 11, 0), workflows.UpdateOfferMeeting, offer(at(11, 30, 10, 0)))
	other.update(at(11, 22, 12, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	other.run()
	wantErrType(t, o.rejected, workflows.ErrNotMeetingRequest)
}

// Nobody records the meeting: the office is asked once, a day after it; the
// record comes later (not attended). A withdrawal of a booked meeting tells
// the office the slot is free.
func TestMeetingAttendanceAskedAndWithdrawal(t *testing.T) {
	t.Run("asked", func(t *testing.T) {
		h := meetingHarness(t, at(11, 22, 10, 0))
		h.update(at(11, 23, 9, 0), workflows.UpdateOfferMeeting, offer(at(11, 30, 10, 0)))
		h.update(at(11, 24, 10, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: true})
		h.update(at(12, 2, 9, 0), workflows.UpdateRecordAttendance, workflows.RecordAttendanceRequest{Actor: office, Attended: false})
		h.update(at(12, 2, 10, 0), workflows.UpdateRate, workflows.RateRequest{Rating: 3})
		st := h.run()
		if st.Meeting.Status != workflows.MeetingMissed || st.Status != domain.StatusClosed {
			t.Fatalf("final %+v / %+v", st, st.Meeting)
		}
		if e := h.rec.eventsOf(workflows.EventMeetingAttendance); len(e) != 1 {
			t.Fatalf("attendance requests %+v", e)
		} else {
			sameInstant(t, "asked", e[0].At, at(12, 1, 10, 0))
		}
		if off := h.rec.templates("official"); count(off, "meeting_attendance_due") != 1 {
			t.Errorf("office messages %v", off)
		}
	})
	t.Run("withdrawn", func(t *testing.T) {
		h := meetingHarness(t, at(11, 22, 10, 0))
		h.update(at(11, 23, 9, 0), workflows.UpdateOfferMeeting, offer(at(11, 30, 10, 0)))
		h.update(at(11, 24, 10, 0), workflows.UpdateConfirmMeeting, workflows.ConfirmMeetingRequest{Accept: true})
		h.update(at(11, 25, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "حُلّ الموضوع"})
		st := h.run()
		if st.Status != domain.StatusWithdrawn || st.Meeting.Status != workflows.MeetingWithdrawn {
			t.Fatalf("final %+v / %+v", st, st.Meeting)
		}
		if off := h.rec.templates("official"); count(off, "meeting_cancelled") != 1 {
			t.Errorf("office messages %v", off)
		}
		if n := len(h.rec.eventsOf(workflows.EventMeetingReminder)); n != 0 {
			t.Errorf("a withdrawn meeting was reminded %d times", n)
		}
	})
}
