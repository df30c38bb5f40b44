package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Action is one update to a ticket's workflow, as its use case names it.
type action struct {
	update string // workflows.Update*
	actor  string // who acts, part of the update's id
	arg    any    // the update's request
}

// act sends one action to the ticket's workflow, first finishing its start if
// intake never confirmed it. key is the client's Idempotency-Key, bound to
// the request so a retry is the same update and another request under the
// same key is refused (updateID); "" makes it a fresh update.
func (s *Service) act(ctx context.Context, t store.Ticket, key string, a action) (workflows.TicketState, error) {
	var state workflows.TicketState
	id, err := s.updateID(ctx, t, key, a)
	if err != nil {
		return state, err
	}
	if !t.WorkflowStarted {
		if err := s.start(ctx, t, nil, filerOf(t)); err != nil {
			return state, refusal.Because(refusal.Busy, refusal.CodeTemporalUnavailable,
				fmt.Errorf("start %s before %s: %w", t.Number, a.update, err))
		}
	}
	uctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	h, err := s.temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		UpdateID:     id,
		WorkflowID:   workflows.TicketWorkflowID(t.Number),
		UpdateName:   a.update,
		Args:         []any{a.arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(uctx, &state)
	}
	if err == nil {
		return state, nil
	}
	return state, s.updateError(ctx, t.Number, a.update, err, uctx.Err() != nil)
}

// refusals are the workflow's stable refusal types and whose move each is.
var refusals = map[string]refusal.Kind{
	workflows.ErrTicketClosed:          refusal.Conflict,
	workflows.ErrNotAwaitingResponse:   refusal.Conflict,
	workflows.ErrNothingToObject:       refusal.Conflict,
	workflows.ErrObjectionWindowClosed: refusal.Conflict,
	workflows.ErrAlreadyObjected:       refusal.Conflict,
	// Front ends check messages first; a refusal here is still the input's.
	workflows.ErrInvalidMessage:    refusal.Invalid,
	workflows.ErrNotResponsible:    refusal.Forbidden,
	workflows.ErrNotAwaitingInfo:   refusal.Conflict,
	workflows.ErrSameEntity:        refusal.Conflict,
	workflows.ErrNotRateable:       refusal.Conflict,
	workflows.ErrNoFollowUp:        refusal.Conflict,
	workflows.ErrNotMeetingRequest: refusal.Conflict,
	workflows.ErrNoMeetingOffer:    refusal.Conflict,
	workflows.ErrMeetingNotBooked:  refusal.Conflict,
	workflows.ErrMeetingNotYet:     refusal.Conflict,
	workflows.ErrMeetingTooSoon:    refusal.Invalid,
	workflows.ErrBusy:              refusal.Busy,
}

func (s *Service) updateError(ctx context.Context, number, name string, err error, timedOut bool) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if kind, ok := refusals[appErr.Type()]; ok {
			return refusal.New(kind, appErr.Type())
		}
		s.log.Warn("update refused with an unknown type", "number", number, "update", name, "type", appErr.Type())
		return refusal.New(refusal.Conflict, refusal.CodeActionRefused)
	}
	// The row exists (callers loaded it), so a missing execution has finished.
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return refusal.New(refusal.Conflict, s.finishedCode(ctx, number, name))
	}
	var canceled *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if timedOut || errors.As(err, &canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The server may still hold the update and apply it once a worker
		// polls: say so, and let a retry with the same key learn the outcome.
		s.log.Warn("update not confirmed in time", "number", number, "update", name, "error", err)
		return refusal.Because(refusal.Busy, refusal.CodeActionNotConfirmed, err)
	}
	s.log.Error("update failed", "number", number, "update", name, "error", err)
	return refusal.Because(refusal.Busy, refusal.CodeTemporalUnavailable, err)
}

// finishedCode explains an action on a ticket whose workflow has completed:
// an objection to a closed ticket came after its window (or after the one
// objection already allowed); anything else meets a closed ticket.
func (s *Service) finishedCode(ctx context.Context, number, name string) string {
	switch name {
	case workflows.UpdateRate:
		return workflows.ErrNotRateable // the survey (and its follow-up) ended with the workflow
	case workflows.UpdateCloseFollowUp:
		return workflows.ErrNoFollowUp
	case workflows.UpdateConfirmMeeting:
		return workflows.ErrNoMeetingOffer
	case workflows.UpdateObject:
	default:
		return workflows.ErrTicketClosed
	}
	t, err := s.store.GetTicket(context.WithoutCancel(ctx), number)
	switch {
	case err != nil:
		return workflows.ErrTicketClosed
	case t.Round > 0:
		return workflows.ErrAlreadyObjected
	case t.Status == domain.StatusClosed:
		return workflows.ErrObjectionWindowClosed
	}
	return workflows.ErrTicketClosed
}

// RefusalCodes are every code the service refuses with, so each front end
// can hold a text for each (sorted, for stable tests).
func RefusalCodes() []string {
	codes := []string{
		refusal.CodeValidation, refusal.CodeForbidden, refusal.CodeNotFound, refusal.CodeNoPolicy,
		refusal.CodeIdempotencyReused, refusal.CodeTemporalUnavailable, refusal.CodeActionNotConfirmed,
		refusal.CodeActionRefused,
	}
	for code := range refusals {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return codes
}
