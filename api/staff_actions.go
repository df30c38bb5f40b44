package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

// The staff's actions on one ticket: each decodes and checks its body, asks
// the authorization policy, and hands the action to the application core
// (tickets), whose workflow decides whether it is possible now.

// staffTarget is the start of every staff action on one ticket: the ticket
// visible to the caller, the action allowed (authz), the actor with the
// credential it came with (a session, named for the timeline, or a token,
// which its name already tells), and the key that makes a retried request
// the same action.
func (a *API) staffTarget(c *gin.Context, act authz.Action) (store.Ticket, workflows.Actor, string, error) {
	t, actor, err := a.visibleTicket(c)
	if err != nil {
		return t, actor, "", err
	}
	if err := a.tickets.Authorize(c.Request.Context(), tickets.SubjectOf(actor), act, t); err != nil {
		return t, actor, "", err
	}
	actor.Via = workflows.Credential{Kind: workflows.ViaToken}
	if sid, ok := sessionOf(c); ok {
		actor.Via = workflows.Credential{Kind: workflows.ViaSession, Caller: "session:" + strconv.FormatInt(sid, 10)}
	}
	key, err := actionKey(c)
	return t, actor, key, err
}

// actionKey names an action so a retried request is the same action: the
// client's Idempotency-Key, bound to its request by the core (tickets), or ""
// (a fresh action, no dedupe). X-Request-ID is not a key: it names a request
// for the logs, and clients and proxies reuse or set it without meaning a retry.
func actionKey(c *gin.Context) (string, error) {
	return idempotencyKey(c.Request.Header)
}

// answered writes the ticket's state after a staff action, or returns the
// action's error: answered(c)(a.tickets.Respond(...)).
func answered(c *gin.Context) func(workflows.TicketState, error) error {
	return func(state workflows.TicketState, err error) error {
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, state)
	}
}

// staffText decodes the body of a staff action that carries a single
// required text field, checked and normalized.
func staffText(c *gin.Context, field string) (string, error) {
	text, err := staffField(c, field)
	if err != nil {
		return "", err
	}
	text = normalize.Text(text)
	var errs []fieldErr
	checkText(&errs, field, text, maxMessage, true)
	if len(errs) > 0 {
		return "", invalid(errs...)
	}
	return text, nil
}

// staffField decodes the body of a staff action that carries a single text
// field, as sent: the core checks and normalizes it.
func staffField(c *gin.Context, field string) (string, error) {
	var body map[string]any
	if err := decodeJSON(c, &body, false); err != nil {
		return "", err
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
	if len(errs) > 0 {
		return "", invalid(errs...)
	}
	return text, nil
}

type messageIn struct {
	Message string `json:"message"`
}

// respond answers the ticket.
func (a *API) respond(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.Respond)
	if err != nil {
		return err
	}
	var in messageIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	return answered(c)(a.tickets.Answer(c.Request.Context(), t, key, actor, in.Message))
}

// addNote: an internal note between staff, never shown to the beneficiary.
func (a *API) addNote(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.Note)
	if err != nil {
		return err
	}
	msg, err := staffField(c, "message")
	if err != nil {
		return err
	}
	return answered(c)(a.tickets.AddNote(c.Request.Context(), t, key, actor, msg))
}

// requestInfo asks the beneficiary a question; the SLA clock stands still
// until the answer (POST /tickets/{n}/info by the beneficiary).
func (a *API) requestInfo(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.RequestInfo)
	if err != nil {
		return err
	}
	q, err := staffField(c, "question")
	if err != nil {
		return err
	}
	return answered(c)(a.tickets.Ask(c.Request.Context(), t, key, actor, q))
}

// closeFollowUp: the care-center manager closes the quality follow-up a low
// rating opened, saying what was done.
func (a *API) closeFollowUp(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.CloseFollowUp)
	if err != nil {
		return err
	}
	note, err := staffText(c, "note")
	if err != nil {
		return err
	}
	return answered(c)(a.tickets.CloseFollowUp(c.Request.Context(), t, key, workflows.CloseFollowUpRequest{Actor: actor, Note: note}))
}

type transferIn struct {
	Entity string `json:"entity"`
	Reason string `json:"reason"`
}

// transfer hands the ticket to another entity, with a reason; the policy
// says whether its deadline restarts.
func (a *API) transfer(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.Transfer)
	if err != nil {
		return err
	}
	var in transferIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	return answered(c)(a.tickets.TransferTo(c.Request.Context(), t, key, actor, in.Entity, in.Reason))
}

// claim: a coordinator of the entity holding the ticket takes it.
func (a *API) claim(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.Claim)
	if err != nil {
		return err
	}
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		return err
	}
	return answered(c)(a.tickets.Claim(c.Request.Context(), t, key, actor))
}

type assignIn struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note"`
}

// assign: the care-center manager (or an admin) hands the ticket to an
// active coordinator of the entity holding it.
func (a *API) assign(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.Assign)
	if err != nil {
		return err
	}
	var in assignIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	return answered(c)(a.tickets.AssignTo(c.Request.Context(), t, key, actor, in.Assignee, in.Note))
}

// Requests to meet the minister: the minister's office offers a slot or
// declines the request, and records whether the meeting was held (the
// beneficiary's answer is in beneficiary_actions.go). The core checks what it
// can before asking (tickets.OfferSlot and its siblings); the workflow decides.

type meetingOfferIn struct {
	At    string `json:"at"`
	Place string `json:"place"`
	Note  string `json:"note"`
}

// offerMeeting offers a slot (date, time, place), or a new one replacing the
// slot offered or booked. The API's time is an RFC 3339 instant.
func (a *API) offerMeeting(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.ScheduleMeeting)
	if err != nil {
		return err
	}
	var in meetingOfferIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	o := tickets.SlotOffer{Place: in.Place, Note: in.Note}
	if raw := strings.TrimSpace(in.At); raw != "" {
		o.At, err = time.Parse(time.RFC3339, raw)
		o.Unreadable = err != nil
	}
	return answered(c)(a.tickets.OfferSlot(c.Request.Context(), t, key, actor, o))
}

// declineMeeting declines the request with a reason; it answers the ticket.
func (a *API) declineMeeting(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.ScheduleMeeting)
	if err != nil {
		return err
	}
	reason, err := staffField(c, "reason")
	if err != nil {
		return err
	}
	return answered(c)(a.tickets.DeclineToMeet(c.Request.Context(), t, key, actor, reason))
}

type attendanceIn struct {
	Attended *bool  `json:"attended"`
	Note     string `json:"note"`
}

// recordAttendance records whether the booked meeting was held; it closes
// the ticket (and the survey follows).
func (a *API) recordAttendance(c *gin.Context) error {
	t, actor, key, err := a.staffTarget(c, authz.ScheduleMeeting)
	if err != nil {
		return err
	}
	var in attendanceIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	return answered(c)(a.tickets.RecordMeeting(c.Request.Context(), t, key, actor, in.Attended, in.Note))
}
