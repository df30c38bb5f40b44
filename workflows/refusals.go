package workflows

import "go.temporal.io/sdk/temporal"

// Stable error types carried by temporal.ApplicationError when a validator
// refuses an action; the API maps them to 409 problem codes.
const (
	ErrTicketClosed          = "ticket_closed"
	ErrNotAwaitingResponse   = "not_awaiting_response"
	ErrNothingToObject       = "nothing_to_object"
	ErrObjectionWindowClosed = "objection_window_closed"
	ErrAlreadyObjected       = "already_objected"
	ErrInvalidMessage        = "invalid_message"
	// ErrBusy: the ticket is being handed to a new run (continue-as-new); retry.
	ErrBusy = "ticket_busy"
	// ErrNotResponsible: the entity whose answer is under objection cannot
	// close the objection's review itself.
	ErrNotResponsible = "not_responsible"
	// ErrNotAwaitingInfo: nobody asked the beneficiary anything (or the
	// question was answered already).
	ErrNotAwaitingInfo = "not_awaiting_info"
	// ErrSameEntity: a transfer to the entity that already holds the ticket.
	ErrSameEntity = "same_entity"
	// ErrNotRateable: no survey is open (not closed yet, withdrawn, already
	// rated, or the window passed).
	ErrNotRateable = "not_rateable"
	// ErrNoFollowUp: no quality follow-up is open on the ticket.
	ErrNoFollowUp = "no_follow_up"
	// ErrNotMeetingRequest: a meeting action on a ticket of another kind.
	ErrNotMeetingRequest = "not_a_meeting_request"
	// ErrNoMeetingOffer: nothing to accept (no slot offered, or the offer
	// lapsed or was answered already).
	ErrNoMeetingOffer = "no_meeting_offer"
	// ErrMeetingNotBooked: attendance is recorded for a booked meeting only.
	ErrMeetingNotBooked = "meeting_not_booked"
	// ErrMeetingNotYet: attendance cannot be recorded before the meeting.
	ErrMeetingNotYet = "meeting_not_yet"
	// ErrMeetingTooSoon: a slot offered with less notice than the policy's.
	ErrMeetingTooSoon = "meeting_too_soon"
)

// ErrRefusedByDatabase is the type of a non-retryable activity failure: the
// database refused the write for good (store.Permanent: a data exception or
// a constraint violation). The workflow goes on without it (flush).
const ErrRefusedByDatabase = "refused_by_database"

func refuse(code, msg string) error {
	return temporal.NewApplicationError(msg, code)
}
