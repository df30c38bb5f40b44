package tickets

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// The actions on a ticket, one per workflow update. Each takes the ticket as
// loaded (and authorized) by the front end and key, which makes a retried
// request the same action (see act); the request's actor (or, for the
// beneficiary, its Via) carries the credential the front end saw. The workflow decides whether the action
// is possible now, and refuses with a code the front ends map once.

// Staff's actions.

// Respond answers the ticket.
func (s *Service) Respond(ctx context.Context, t store.Ticket, key string, r workflows.RespondRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateRespond, r.Actor.ID, r})
}

// Note adds an internal note between staff, never shown to the beneficiary.
func (s *Service) Note(ctx context.Context, t store.Ticket, key string, r workflows.NoteRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateNote, r.Actor.ID, r})
}

// RequestInfo asks the beneficiary a question; the SLA clock stands still
// until the answer.
func (s *Service) RequestInfo(ctx context.Context, t store.Ticket, key string, r workflows.RequestInfoRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateRequestInfo, r.Actor.ID, r})
}

// Transfer hands the ticket to another entity.
func (s *Service) Transfer(ctx context.Context, t store.Ticket, key string, r workflows.TransferRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateTransfer, r.Actor.ID, r})
}

// Claim: a coordinator of the entity holding the ticket takes it.
func (s *Service) Claim(ctx context.Context, t store.Ticket, key string, by workflows.Actor) (workflows.TicketState, error) {
	to := by
	to.Via = workflows.Credential{} // the assignee is not acting
	r := workflows.AssignRequest{Actor: by, To: to, Note: "claimed"}
	return s.act(ctx, t, key, action{workflows.UpdateAssign, by.ID, r})
}

// Assign hands the ticket to a coordinator of the entity holding it.
func (s *Service) Assign(ctx context.Context, t store.Ticket, key string, r workflows.AssignRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateAssign, r.Actor.ID, r})
}

// CloseFollowUp closes the quality follow-up a low rating opened.
func (s *Service) CloseFollowUp(ctx context.Context, t store.Ticket, key string, r workflows.CloseFollowUpRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateCloseFollowUp, r.Actor.ID, r})
}

// OfferMeeting offers a slot to meet the minister, or a new one.
func (s *Service) OfferMeeting(ctx context.Context, t store.Ticket, key string, r workflows.OfferMeetingRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateOfferMeeting, r.Actor.ID, r})
}

// DeclineMeeting declines a request to meet the minister; it answers the ticket.
func (s *Service) DeclineMeeting(ctx context.Context, t store.Ticket, key string, r workflows.DeclineMeetingRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateDeclineMeeting, r.Actor.ID, r})
}

// RecordAttendance records whether the booked meeting was held.
func (s *Service) RecordAttendance(ctx context.Context, t store.Ticket, key string, r workflows.RecordAttendanceRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateRecordAttendance, r.Actor.ID, r})
}

// The beneficiary's actions.

// Object objects to the answer.
func (s *Service) Object(ctx context.Context, t store.Ticket, key string, r workflows.ObjectRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateObject, BeneficiaryActor.ID, r})
}

// Withdraw withdraws the ticket.
func (s *Service) Withdraw(ctx context.Context, t store.Ticket, key string, r workflows.WithdrawRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateWithdraw, BeneficiaryActor.ID, r})
}

// ProvideInfo answers the open question.
func (s *Service) ProvideInfo(ctx context.Context, t store.Ticket, key string, r workflows.ProvideInfoRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateProvideInfo, BeneficiaryActor.ID, r})
}

// Rate rates the service once the ticket is closed.
func (s *Service) Rate(ctx context.Context, t store.Ticket, key string, r workflows.RateRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateRate, BeneficiaryActor.ID, r})
}

// ConfirmMeeting accepts the offered slot, or turns it down.
func (s *Service) ConfirmMeeting(ctx context.Context, t store.Ticket, key string, r workflows.ConfirmMeetingRequest) (workflows.TicketState, error) {
	return s.act(ctx, t, key, action{workflows.UpdateConfirmMeeting, BeneficiaryActor.ID, r})
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
