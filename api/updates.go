package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// updateID names an update so a retried request is the same update: the
// client's Idempotency-Key, else its own X-Request-ID, else a fresh id (no
// dedupe). The name and actor are part of it so one key reused for another
// action, or by another person, is not mistaken for a retry.
func updateID(c *gin.Context, key, name, actorID string) string {
	switch {
	case key != "":
	case printableToken(c.Request.Header.Get(requestIDHeader), 128):
		key = c.Request.Header.Get(requestIDHeader)
	default:
		key = randomID()
	}
	return name + "/" + actorID + "/" + key
}

// act sends one action to the ticket's workflow, first finishing its start if
// intake never confirmed it; on failure it has written the problem and ok is false.
func (a *API) act(c *gin.Context, t store.Ticket, name, actorID, key string, arg any) (state workflows.TicketState, ok bool) {
	ctx := c.Request.Context()
	if !t.WorkflowStarted {
		if err := a.startTicket(ctx, t, nil, filerOf(t)); err != nil {
			a.log.Warn("workflow start before an action failed", "number", t.Number, "update", name, "error", err)
			writeProblem(c, problem(http.StatusServiceUnavailable, codeTemporalUnavailable))
			return state, false
		}
	}
	if err := a.update(ctx, t.Number, name, updateID(c, key, name, actorID), arg, &state); err != nil {
		a.fail(c, err)
		return state, false
	}
	return state, true
}

// update runs a Temporal update on the ticket's workflow and waits for its
// result, bounded by UpdateTimeout: without a worker the update never
// completes, and the caller gets a 503 rather than a hung request.
func (a *API) update(ctx context.Context, number, name, id string, arg, out any) error {
	uctx, cancel := context.WithTimeout(ctx, a.updateTO)
	defer cancel()
	h, err := a.temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		UpdateID:     id,
		WorkflowID:   workflows.TicketWorkflowID(number),
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(uctx, out)
	}
	if err == nil {
		return nil
	}
	return a.updateError(number, name, err, uctx.Err() != nil)
}

// refusals maps the workflow's stable refusal types to HTTP answers.
var refusals = map[string]int{
	workflows.ErrTicketClosed:          http.StatusConflict,
	workflows.ErrNotAwaitingResponse:   http.StatusConflict,
	workflows.ErrNothingToObject:       http.StatusConflict,
	workflows.ErrObjectionWindowClosed: http.StatusConflict,
	workflows.ErrAlreadyObjected:       http.StatusConflict,
	// The API checks messages first; a refusal here is still the client's input.
	workflows.ErrInvalidMessage:    http.StatusUnprocessableEntity,
	workflows.ErrNotResponsible:    http.StatusForbidden,
	workflows.ErrNotAwaitingInfo:   http.StatusConflict,
	workflows.ErrSameEntity:        http.StatusConflict,
	workflows.ErrNotRateable:       http.StatusConflict,
	workflows.ErrNoFollowUp:        http.StatusConflict,
	workflows.ErrNotMeetingRequest: http.StatusConflict,
	workflows.ErrNoMeetingOffer:    http.StatusConflict,
	workflows.ErrMeetingNotBooked:  http.StatusConflict,
	workflows.ErrMeetingNotYet:     http.StatusConflict,
	workflows.ErrMeetingTooSoon:    http.StatusUnprocessableEntity,
	workflows.ErrBusy:              http.StatusServiceUnavailable,
}

func (a *API) updateError(number, name string, err error, timedOut bool) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if status, ok := refusals[appErr.Type()]; ok {
			return problem(status, appErr.Type())
		}
		a.log.Warn("update refused with an unknown type", "number", number, "update", name, "type", appErr.Type())
		return problem(http.StatusConflict, codeActionRefused)
	}
	// The row exists (callers checked), so a missing execution has finished.
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return problem(http.StatusConflict, a.finishedCode(number, name))
	}
	var canceled *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if timedOut || errors.As(err, &canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The server may still hold the update and apply it once a worker polls:
		// say so, and let a retry with the same key learn the outcome.
		a.log.Warn("update not confirmed in time", "number", number, "update", name, "error", err)
		return problem(http.StatusServiceUnavailable, codeActionNotConfirmed)
	}
	a.log.Error("update failed", "number", number, "update", name, "error", err)
	return problem(http.StatusServiceUnavailable, codeTemporalUnavailable)
}

// finishedCode explains an action on a ticket whose workflow has completed:
// an objection to a closed ticket came after its window (or after the one
// objection already allowed); anything else meets a closed ticket.
func (a *API) finishedCode(number, name string) string {
	switch name {
	case workflows.UpdateRate:
		return codeNotRateable // the survey (and its follow-up) ended with the workflow
	case workflows.UpdateCloseFollowUp:
		return codeNoFollowUp
	case workflows.UpdateConfirmMeeting:
		return codeNoMeetingOffer
	case workflows.UpdateObject:
	default:
		return codeTicketClosed
	}
	t, err := a.store.GetTicket(context.Background(), number)
	switch {
	case err != nil:
		return codeTicketClosed
	case t.Round > 0:
		return workflows.ErrAlreadyObjected
	case t.Status == domain.StatusClosed:
		return workflows.ErrObjectionWindowClosed
	}
	return codeTicketClosed
}
