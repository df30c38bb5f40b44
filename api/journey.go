package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// staffAction is the start of every staff action on one ticket: the ticket
// visible to the caller, the action allowed (authz), the Idempotency-Key
// well formed. On failure it has written the problem.
func (a *API) staffAction(c *gin.Context, act authz.Action) (store.Ticket, workflows.Actor, string, bool) {
	t, actor, ok := a.loadVisible(c)
	if !ok || !a.authorize(c, actor, act, t) {
		return t, actor, "", false
	}
	key, _, kerr := idempotencyKey(c.Request.Header)
	if kerr != nil {
		writeProblem(c, kerr)
		return t, actor, "", false
	}
	return t, actor, key, true
}

// staffText runs one staff action that carries a single text field: the
// ticket must be visible and the action allowed (authz), the text present
// and not too long; build makes the workflow request from the actor and text.
func (a *API) staffText(c *gin.Context, act authz.Action, update, field string, build func(workflows.Actor, string) any) {
	t, actor, key, ok := a.staffAction(c, act)
	if !ok {
		return
	}
	var body map[string]any
	if err := decodeJSON(c, &body, false); err != nil {
		writeProblem(c, err)
		return
	}
	var errs []fieldErr
	for k := range body {
		if k != field {
			errs = append(errs, fieldErr{field: k, code: fieldUnknown})
		}
	}
	text, isString := body[field].(string)
	if _, present := body[field]; present && !isString {
		errs = append(errs, fieldErr{field: field, code: fieldWrongType})
	}
	text = normalize.Text(text)
	checkText(&errs, field, text, maxMessage, true)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	if state, ok := a.act(c, t, update, actor.ID, key, build(actor, text)); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

// addNote: an internal note between staff, never shown to the beneficiary.
func (a *API) addNote(c *gin.Context) {
	a.staffText(c, authz.Note, workflows.UpdateNote, "message", func(actor workflows.Actor, text string) any {
		return workflows.NoteRequest{Actor: actor, Message: text}
	})
}

// requestInfo asks the beneficiary a question; the SLA clock stands still
// until the answer (POST /tickets/{n}/info by the beneficiary).
func (a *API) requestInfo(c *gin.Context) {
	a.staffText(c, authz.RequestInfo, workflows.UpdateRequestInfo, "question", func(actor workflows.Actor, text string) any {
		return workflows.RequestInfoRequest{Actor: actor, Question: text}
	})
}

// provideInfo is the beneficiary's answer to the open question.
func (a *API) provideInfo(c *gin.Context) {
	a.beneficiaryAction(c, workflows.UpdateProvideInfo, "answer", true, func(text string) any {
		return workflows.ProvideInfoRequest{Answer: text}
	})
}

type transferIn struct {
	Entity string `json:"entity"`
	Reason string `json:"reason"`
}

// transfer hands the ticket to another entity, with a reason; the policy
// says whether its deadline restarts.
func (a *API) transfer(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.Transfer)
	if !ok {
		return
	}
	var in transferIn
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	reason := normalize.Text(in.Reason)
	var errs []fieldErr
	checkText(&errs, "reason", reason, maxMessage, true)
	code := strings.TrimSpace(in.Entity)
	var to store.Entity
	if code == "" {
		errs = append(errs, fieldErr{field: "entity", code: fieldRequired})
	} else {
		e, err := a.entities.find(c.Request.Context(), code)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, fieldErr{field: "entity", code: fieldUnknownEntity})
		case err != nil:
			a.fail(c, fmt.Errorf("transfer: look up entity: %w", err))
			return
		}
		to = e
	}
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.TransferRequest{Actor: actor, Reason: reason,
		To: workflows.LevelHolder{Entity: to.Code, NameAR: to.NameAR, NameEN: to.NameEN}}
	if state, ok := a.act(c, t, workflows.UpdateTransfer, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

// closeFollowUp: the care-center manager closes the quality follow-up a low
// rating opened, saying what was done.
func (a *API) closeFollowUp(c *gin.Context) {
	a.staffText(c, authz.CloseFollowUp, workflows.UpdateCloseFollowUp, "note", func(actor workflows.Actor, text string) any {
		return workflows.CloseFollowUpRequest{Actor: actor, Note: text}
	})
}
