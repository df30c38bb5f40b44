package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
)

// A request to meet the minister is answered by the minister's office with a
// slot or a refusal. A slot offered stops the SLA (the office has answered);
// the beneficiary accepts it by its confirm-by time or it lapses and the
// ticket closes; a slot turned down gives the office the response allowance
// again to offer another. A booked meeting is reminded the day before and
// closes when the office records whether it was held, and the survey follows.
//
// These handlers only ever run on tickets that receive the new meeting
// messages, so histories recorded before them replay unchanged.

// OfferMeetingRequest offers the beneficiary a meeting slot (or a new slot,
// replacing the one offered or booked).
type OfferMeetingRequest struct {
	Actor Actor     `json:"actor"`
	At    time.Time `json:"at"`
	Place string    `json:"place"`
	Note  string    `json:"note,omitempty"`
}

// DeclineMeetingRequest declines the request to meet, with the reason: it
// answers the ticket (the objection window follows as for any answer).
type DeclineMeetingRequest struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

// ConfirmMeetingRequest is the beneficiary accepting the offered slot, or
// turning it down with a reason (the office then offers another).
type ConfirmMeetingRequest struct {
	Accept bool   `json:"accept"`
	Reason string `json:"reason,omitempty"`
	// Via is the credential behind the request (Actor.Via).
	Via Credential `json:"via,omitzero"`
}

// RecordAttendanceRequest records whether the booked meeting was held.
type RecordAttendanceRequest struct {
	Actor    Actor  `json:"actor"`
	Attended bool   `json:"attended"`
	Note     string `json:"note,omitempty"`
}

// Meeting states.
const (
	MeetingOffered      = "offered"
	MeetingBooked       = "booked"
	MeetingSlotDeclined = "slot_declined" // the beneficiary turned the slot down
	MeetingLapsed       = "lapsed"        // not accepted by the confirm-by time
	MeetingDeclined     = "declined"      // the office declined the request
	MeetingHeld         = "held"
	MeetingMissed       = "missed" // booked, but the beneficiary did not attend
	MeetingWithdrawn    = "withdrawn"
)

// Meeting is the state of a request to meet the minister.
type Meeting struct {
	Status    string    `json:"status"`
	At        time.Time `json:"at,omitempty"`
	Place     string    `json:"place,omitempty"`
	Note      string    `json:"note,omitempty"`
	OfferedBy *Actor    `json:"offered_by,omitempty"`
	OfferedAt time.Time `json:"offered_at,omitempty"`
	// ConfirmBy is when an offer lapses unless the beneficiary accepts it.
	ConfirmBy   time.Time  `json:"confirm_by,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	// Offers counts the slots offered on this ticket.
	Offers int `json:"offers"`
	// Reminded: the day-before reminder went out (or was not needed: the
	// slot was accepted within a day of it); AttendanceAsked: the office was
	// asked for the attendance record.
	Reminded        bool       `json:"reminded,omitempty"`
	AttendanceAsked bool       `json:"attendance_asked,omitempty"`
	RecordedBy      *Actor     `json:"recorded_by,omitempty"`
	RecordedAt      *time.Time `json:"recorded_at,omitempty"`
	Reason          string     `json:"reason,omitempty"` // why declined (either side), or the attendance note
}

// MeetingStatus, MeetingAt and MeetingPlace read the meeting for the
// projection ("" and nil when there is none).
func (s TicketState) MeetingStatus() string {
	if s.Meeting == nil {
		return ""
	}
	return s.Meeting.Status
}

func (s TicketState) MeetingAt() *time.Time {
	if s.Meeting == nil || s.Meeting.At.IsZero() {
		return nil
	}
	u := s.Meeting.At.UTC()
	return &u
}

func (s TicketState) MeetingPlace() string {
	if s.Meeting == nil {
		return ""
	}
	return s.Meeting.Place
}

// meetingOfficeRecipient is the in-app recipient of the office that holds a
// meeting request (the minister's office at the ministry).
func (t *ticket) meetingOfficeRecipient() string {
	return string(domain.RoleMinisterOffice) + "@" + t.st.ResponsibleEntity
}

func (t *ticket) validateOfferMeeting(ctx workflow.Context, req OfferMeetingRequest) error {
	if err := t.meetingOpen(); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	switch {
	case !t.st.Status.Pending() && t.st.Status != domain.StatusMeetingOffered && t.st.Status != domain.StatusMeetingBooked:
		return refuse(ErrNotAwaitingResponse, "the request is not waiting for a slot")
	case req.Actor.ID == "" || req.Place == "" || req.At.IsZero():
		return refuse(ErrInvalidMessage, "a meeting offer needs a time, a place and an actor")
	case req.At.Before(now.Add(t.in.Policy.MeetingTimes().MinNotice)):
		return refuse(ErrMeetingTooSoon, fmt.Sprintf("a meeting is offered at least %s ahead", t.in.Policy.MeetingTimes().MinNotice))
	}
	return nil
}

// offerMeeting offers a slot (or replaces the one offered or booked). The
// first offer is the office's response: the running rung stands down.
func (t *ticket) offerMeeting(ctx workflow.Context, req OfferMeetingRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	mt := t.in.Policy.MeetingTimes()
	confirmBy := now.Add(mt.ConfirmWindow)
	if cut := req.At.Add(-mt.ConfirmCutoff); cut.Before(confirmBy) {
		confirmBy = cut
	}
	offers := 1
	if t.st.Meeting != nil {
		offers = t.st.Meeting.Offers + 1
	}
	by := req.Actor
	t.st.Meeting = &Meeting{Status: MeetingOffered, At: req.At.UTC(), Place: req.Place, Note: req.Note,
		OfferedBy: &by, OfferedAt: now, ConfirmBy: confirmBy, Offers: offers}
	if t.st.RespondedAt == nil {
		t.st.RespondedAt = &now
	}
	t.st.Status = domain.StatusMeetingOffered
	at := req.At.UTC().Format(time.RFC3339)
	t.event(ctx, Event{Type: EventMeetingOffered, Actor: req.Actor, Entity: req.Actor.Entity, Public: true,
		Message: fmt.Sprintf("%s — %s", at, req.Place)})
	t.notifyBeneficiary("meeting_offered", map[string]string{"at": at, "place": req.Place,
		"confirm_by": confirmBy.UTC().Format(time.RFC3339)})
	t.changes++
	return t.st, t.flush(ctx)
}

func (t *ticket) validateDeclineMeeting(ctx workflow.Context, req DeclineMeetingRequest) error {
	switch {
	case t.in.Kind != domain.KindMeetingRequest:
		return refuse(ErrNotMeetingRequest, "only a request to meet the minister can be declined as one")
	case req.Reason == "":
		return refuse(ErrInvalidMessage, "declining a meeting needs a reason")
	}
	return t.validateRespond(ctx, RespondRequest{Actor: req.Actor, Message: req.Reason})
}

// declineMeeting refuses the request with a reason. It is the ticket's answer:
// the beneficiary may object to it as to any other.
func (t *ticket) declineMeeting(ctx workflow.Context, req DeclineMeetingRequest) (TicketState, error) {
	m := t.st.Meeting
	if m == nil {
		m = &Meeting{}
		t.st.Meeting = m
	}
	m.Status, m.Reason = MeetingDeclined, req.Reason
	t.event(ctx, Event{Type: EventMeetingDeclined, Actor: req.Actor, Entity: req.Actor.Entity, Public: false,
		Message: req.Reason})
	return t.respond(ctx, RespondRequest{Actor: req.Actor, Message: req.Reason})
}

// meetingOpen refuses a meeting action on another kind of ticket, or on a
// ticket already closed or withdrawn.
func (t *ticket) meetingOpen() error {
	switch {
	case t.in.Kind != domain.KindMeetingRequest:
		return refuse(ErrNotMeetingRequest, "this ticket is not a request to meet the minister")
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	}
	return nil
}

func (t *ticket) validateConfirmMeeting(ctx workflow.Context, req ConfirmMeetingRequest) error {
	if err := t.meetingOpen(); err != nil {
		return err
	}
	m := t.st.Meeting
	switch {
	case t.st.Status != domain.StatusMeetingOffered || m == nil || m.Status != MeetingOffered:
		return refuse(ErrNoMeetingOffer, "no meeting slot is waiting for an answer")
	case !workflow.Now(ctx).Before(m.ConfirmBy):
		return refuse(ErrNoMeetingOffer, "the meeting offer has lapsed")
	case !req.Accept && req.Reason == "":
		return refuse(ErrInvalidMessage, "turning a slot down needs a reason")
	}
	return nil
}

// confirmMeeting takes the beneficiary's answer to the slot. Accepted, the
// meeting is booked; turned down, the office owes a new slot within the
// response allowance, counted from now.
func (t *ticket) confirmMeeting(ctx workflow.Context, req ConfirmMeetingRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	m := t.st.Meeting
	at := m.At.UTC().Format(time.RFC3339)
	if req.Accept {
		m.Status, m.ConfirmedAt = MeetingBooked, &now
		// Accepted within a day of the slot: this notice is the reminder.
		m.Reminded = !now.Before(m.At.Add(-t.in.Policy.MeetingTimes().ReminderLead))
		t.st.Status = domain.StatusMeetingBooked
		t.event(ctx, Event{Type: EventMeetingBooked, Actor: t.beneficiaryActor(req.Via), Public: true, Message: at})
		t.notifyBeneficiary("meeting_booked", map[string]string{"at": at, "place": m.Place})
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_booked_office", map[string]string{"at": at, "place": m.Place})
		t.changes++
		return t.st, t.flush(ctx)
	}
	rule, ok := t.in.Policy.Rule(t.in.Kind, t.in.Priority)
	if !ok {
		return t.st, fmt.Errorf("policy v%d has no rule for %s/%s", t.in.Policy.Version, t.in.Kind, t.in.Priority)
	}
	due, err := t.in.Policy.Calendar.Due(now, rule.Allowance, t.st.Clock)
	if err != nil {
		return t.st, fmt.Errorf("computing the new slot's deadline: %w", err)
	}
	m.Status, m.Reason = MeetingSlotDeclined, req.Reason
	t.st.Status = domain.StatusOpen
	t.st.SLADueAt, t.st.StageStart, t.st.PausedWorking = due, now, 0
	t.st.EscalationLevel, t.st.EscalationRole, t.st.EscalationEntity = 0, "", ""
	t.breached, t.atTop = false, false
	t.event(ctx, Event{Type: EventMeetingSlotDeclined, Actor: t.beneficiaryActor(req.Via), Public: true, Message: req.Reason})
	t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_slot_declined", map[string]string{"at": at,
		"reason": req.Reason, "due_at": due.UTC().Format(time.RFC3339)})
	t.changes++
	return t.st, t.flush(ctx)
}

func (t *ticket) validateRecordAttendance(ctx workflow.Context, req RecordAttendanceRequest) error {
	if err := t.meetingOpen(); err != nil {
		return err
	}
	m := t.st.Meeting
	switch {
	case t.st.Status != domain.StatusMeetingBooked || m == nil || m.Status != MeetingBooked:
		return refuse(ErrMeetingNotBooked, "no meeting is booked on this ticket")
	case workflow.Now(ctx).Before(m.At):
		return refuse(ErrMeetingNotYet, "the meeting has not taken place yet")
	case req.Actor.ID == "":
		return refuse(ErrInvalidMessage, "an attendance record needs an actor")
	}
	return nil
}

// recordAttendance closes the ticket with what happened at the meeting.
func (t *ticket) recordAttendance(ctx workflow.Context, req RecordAttendanceRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	m := t.st.Meeting
	by := req.Actor
	m.Status, m.RecordedBy, m.RecordedAt, m.Reason = MeetingMissed, &by, &now, req.Note
	if req.Attended {
		m.Status = MeetingHeld
	}
	msg := m.Status
	if req.Note != "" {
		msg += ": " + req.Note
	}
	t.event(ctx, Event{Type: EventMeetingRecorded, Actor: req.Actor, Entity: req.Actor.Entity, Public: false, Message: msg})
	t.close(ctx, "meeting_"+m.Status)
	t.changes++
	return t.st, t.flush(ctx)
}

// awaitMeeting runs the meeting's clock: an offer lapses at its confirm-by
// time (the ticket closes, with notice); a booked meeting is reminded the day
// before and, once it is past, the office is asked once for the attendance.
func (t *ticket) awaitMeeting(ctx workflow.Context) error {
	seen := t.changes
	changed := func() bool { return t.changes != seen || t.tooLong(ctx) }
	m := t.st.Meeting
	if m == nil {
		return workflow.Await(ctx, changed)
	}
	mt := t.in.Policy.MeetingTimes()
	var next time.Time
	switch {
	case t.st.Status == domain.StatusMeetingOffered:
		next = m.ConfirmBy
	case !m.Reminded:
		next = m.At.Add(-mt.ReminderLead)
	case !m.AttendanceAsked:
		next = m.At.Add(mt.AttendanceGrace)
	default:
		return workflow.Await(ctx, changed)
	}
	fired, err := t.sleepUntil(ctx, next, changed)
	if err != nil || !fired {
		return err
	}
	at := m.At.UTC().Format(time.RFC3339)
	switch {
	case t.st.Status == domain.StatusMeetingOffered:
		m.Status = MeetingLapsed
		t.event(ctx, Event{Type: EventMeetingLapsed, Actor: SystemActor, Public: true, Message: "not accepted by " +
			m.ConfirmBy.UTC().Format(time.RFC3339)})
		now := workflow.Now(ctx)
		t.st.Status, t.st.ClosedAt = domain.StatusClosed, &now
		t.event(ctx, Event{Type: EventClosed, Actor: SystemActor, Public: true, Message: "meeting_not_accepted"})
		t.notifyBeneficiary("meeting_lapsed", map[string]string{"at": at})
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_lapsed_office", map[string]string{"at": at})
	case !m.Reminded:
		m.Reminded = true
		t.event(ctx, Event{Type: EventMeetingReminder, Actor: SystemActor, Public: false, Message: at})
		t.notifyBeneficiary("meeting_reminder", map[string]string{"at": at, "place": m.Place})
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_reminder_office", map[string]string{"at": at, "place": m.Place})
	default:
		m.AttendanceAsked = true
		t.event(ctx, Event{Type: EventMeetingAttendance, Actor: SystemActor, Public: false, Message: at})
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_attendance_due", map[string]string{"at": at})
	}
	t.changes++
	return t.flush(ctx)
}
