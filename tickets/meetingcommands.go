package tickets

import (
	"context"
	"time"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Requests to meet the minister as the front ends receive them: the minister's
// office offers a slot or declines the request, and records whether the
// meeting was held. The checks that need no workflow are here, once; the
// workflow decides the rest (the slot's notice under the ticket's policy,
// whether a slot is booked, whether its time has come).

// MaxPlace bounds a meeting's place, in runes after normalization.
const MaxPlace = 300

// SlotOffer is a slot as a front end read it. Each front end reads the time
// in its own format (the API an RFC 3339 instant, a page a date and time in
// Riyadh); what the time must be is checked here.
type SlotOffer struct {
	// At is the slot; zero when none was given.
	At time.Time
	// Unreadable: a time was given but was not one in the front end's format.
	Unreadable bool
	// Place and Note as typed.
	Place, Note string
}

// OfferSlot offers a slot (date, time, place), or a new one replacing the
// slot offered or booked.
func (s *Service) OfferSlot(ctx context.Context, t store.Ticket, key string, by workflows.Actor, o SlotOffer) (workflows.TicketState, error) {
	var errs []refusal.Field
	switch {
	case o.Unreadable:
		errs = append(errs, refusal.Field{Name: "at", Code: refusal.FieldInvalidValue})
	case o.At.IsZero():
		errs = append(errs, refusal.Field{Name: "at", Code: refusal.FieldRequired})
	case !o.At.After(s.now()):
		// How much notice a slot needs is the ticket's policy's, which the
		// workflow holds (meeting_too_soon); the past is never a slot.
		errs = append(errs, refusal.Field{Name: "at", Code: refusal.FieldOutOfRange})
	}
	place, note := normalize.Text(o.Place), normalize.Text(o.Note)
	CheckText(&errs, "place", place, MaxPlace, true)
	CheckText(&errs, "note", note, MaxMessage, false)
	if len(errs) > 0 {
		return workflows.TicketState{}, refusal.Fields(errs...)
	}
	return s.OfferMeeting(ctx, t, key, workflows.OfferMeetingRequest{Actor: by, At: o.At.UTC(), Place: place, Note: note})
}

// DeclineToMeet declines the request to meet, for reason as typed; it
// answers the ticket.
func (s *Service) DeclineToMeet(ctx context.Context, t store.Ticket, key string, by workflows.Actor, reason string) (workflows.TicketState, error) {
	r, err := requiredText("reason", reason)
	if err != nil {
		return workflows.TicketState{}, err
	}
	return s.DeclineMeeting(ctx, t, key, workflows.DeclineMeetingRequest{Actor: by, Reason: r})
}

// RecordMeeting records whether the booked meeting was held (attended nil:
// not said), with an optional note as typed; it closes the ticket.
func (s *Service) RecordMeeting(ctx context.Context, t store.Ticket, key string, by workflows.Actor, attended *bool, note string) (workflows.TicketState, error) {
	note = normalize.Text(note)
	var errs []refusal.Field
	if attended == nil {
		errs = append(errs, refusal.Field{Name: "attended", Code: refusal.FieldRequired})
	}
	CheckText(&errs, "note", note, MaxMessage, false)
	if len(errs) > 0 {
		return workflows.TicketState{}, refusal.Fields(errs...)
	}
	return s.RecordAttendance(ctx, t, key, workflows.RecordAttendanceRequest{Actor: by, Attended: *attended, Note: note})
}
