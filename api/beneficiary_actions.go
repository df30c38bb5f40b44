package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// The beneficiary's actions on one ticket: signed in with a one-time code (a
// tb_ bearer token, for their own tickets), or holding the ticket's tracking
// code. The application core (tickets) takes each to the workflow.

// beneficiaryCaller is the ticket a beneficiary acts on (their own, by a
// one-time-code session, or the one whose tracking code they hold) and who
// the caller is to the authorization policy.
func (a *API) beneficiaryCaller(c *gin.Context) (store.Ticket, authz.Subject, error) {
	if token, _ := bearer(c.Request); strings.HasPrefix(token, beneficiaryTokenPrefix) {
		b, err := a.beneficiaryOf(c)
		if err != nil {
			return store.Ticket{}, authz.Subject{}, err
		}
		c.Set(beneficiaryKey, b) // for the action's trace (beneficiaryVia)
		t, err := a.ownTicket(c, b)
		return t, beneficiarySubject(b.mobile, false), err
	}
	t, err := a.trackedTicket(c)
	return t, beneficiarySubject(t.BeneficiaryMobile, true), err
}

// beneficiaryAction is the start of a beneficiary action: the ticket they
// may act on, the key that makes a retry the same action, and the credential
// it came with, for the timeline.
type beneficiaryAction struct {
	t   store.Ticket
	key string
	via workflows.Credential
}

// beneficiaryTarget starts a beneficiary action, the body decoded into in
// (optional when empty is true).
func (a *API) beneficiaryTarget(c *gin.Context, in any, empty bool) (beneficiaryAction, error) {
	t, s, err := a.beneficiaryCaller(c)
	if err != nil {
		return beneficiaryAction{}, err
	}
	via, err := a.beneficiaryVia(c, s.CodeOnly)
	if err != nil {
		return beneficiaryAction{}, err
	}
	key, err := actionKey(c)
	if err != nil {
		return beneficiaryAction{}, err
	}
	if err := decodeJSON(c, in, empty); err != nil {
		return beneficiaryAction{}, err
	}
	return beneficiaryAction{t: t, key: key, via: via}, nil
}

// beneficiaryVia is the trace of a beneficiary action, recorded on its
// timeline line: the credential, who is behind it, and the client's address
// as clientRef (the access log carries the same value).
//
// A staff bearer token sent with a tracking code is authenticated and
// recorded as the caller, not refused: an agent may act for a beneficiary on
// the phone, and refusing would only teach staff to leave the token out. The
// rights stay the tracking code's. A token that matches nobody is refused
// (401), as on every route that takes one optionally, so a mistyped token is
// never recorded as an anonymous caller. Leaving the token out leaves the
// address, the one trace a code holder cannot drop.
func (a *API) beneficiaryVia(c *gin.Context, codeOnly bool) (workflows.Credential, error) {
	via := workflows.Credential{Kind: workflows.ViaTrackingCode, Client: a.clientRef(c)}
	if !codeOnly {
		via.Kind = workflows.ViaBeneficiarySession
		via.Caller = "session:" + strconv.FormatInt(beneficiaryFrom(c).sessionID, 10)
		return via, nil
	}
	actor, _, present, ok, err := a.authenticate(c.Request)
	if err := authRefusal(present, ok, err, false); err != nil {
		return via, err
	}
	if ok {
		via.Caller = actor.ID
	}
	return via, nil
}

// clientRef names the client's address without revealing it: a keyed hash
// (the tracking secret), equal for equal addresses, so the timeline line of a
// beneficiary action and the access log's lines of its requests can be
// matched, and an investigator holding the key can test an address.
func (a *API) clientRef(c *gin.Context) string {
	return a.keys.Hash("tawasul client address v1", c.ClientIP())[:16]
}

// answeredPublic writes the beneficiary's view of the state after an
// action, or returns the action's error.
func answeredPublic(c *gin.Context) func(workflows.TicketState, error) error {
	return func(state workflows.TicketState, err error) error {
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, publicState(state))
	}
}

type reasonIn struct {
	Reason string `json:"reason"`
}

// object: the beneficiary objects to the answer, with a reason; the ticket
// goes back up for review.
func (a *API) object(c *gin.Context) error {
	var in reasonIn
	b, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	reason, err := beneficiaryText("reason", in.Reason, true)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.Object(c.Request.Context(), b.t, b.key, workflows.ObjectRequest{Reason: reason, Via: b.via}))
}

// withdraw: the beneficiary withdraws the ticket, optionally saying why.
func (a *API) withdraw(c *gin.Context) error {
	var in reasonIn
	b, err := a.beneficiaryTarget(c, &in, true)
	if err != nil {
		return err
	}
	reason, err := beneficiaryText("reason", in.Reason, false)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.Withdraw(c.Request.Context(), b.t, b.key, workflows.WithdrawRequest{Reason: reason, Via: b.via}))
}

type answerIn struct {
	Answer string `json:"answer"`
}

// provideInfo is the beneficiary's answer to the open question.
func (a *API) provideInfo(c *gin.Context) error {
	var in answerIn
	b, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	answer, err := beneficiaryText("answer", in.Answer, true)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.ProvideInfo(c.Request.Context(), b.t, b.key, workflows.ProvideInfoRequest{Answer: answer, Via: b.via}))
}

// beneficiaryText normalizes and checks the one text of a beneficiary action.
func beneficiaryText(field, raw string, required bool) (string, error) {
	text := normalize.Text(raw)
	var errs []fieldErr
	checkText(&errs, field, text, maxMessage, required)
	if len(errs) > 0 {
		return "", invalid(errs...)
	}
	return text, nil
}

type ratingIn struct {
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// rate is the beneficiary's satisfaction rating (1–5) once the ticket is
// closed; 1 or 2 opens a quality follow-up for the care-center manager.
func (a *API) rate(c *gin.Context) error {
	var in ratingIn
	b, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	comment := normalize.Text(in.Comment)
	var errs []fieldErr
	switch {
	case in.Rating == nil:
		errs = append(errs, fieldErr{field: "rating", code: fieldRequired})
	case *in.Rating < 1 || *in.Rating > 5:
		errs = append(errs, fieldErr{field: "rating", code: fieldOutOfRange})
	}
	checkText(&errs, "comment", comment, maxMessage, false)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	return answeredPublic(c)(a.tickets.Rate(c.Request.Context(), b.t, b.key, workflows.RateRequest{Rating: *in.Rating, Comment: comment, Via: b.via}))
}

type meetingAnswerIn struct {
	Accept *bool  `json:"accept"`
	Reason string `json:"reason"`
}

// confirmMeeting is the beneficiary accepting the offered slot, or turning it
// down with a reason (the office then offers another).
func (a *API) confirmMeeting(c *gin.Context) error {
	var in meetingAnswerIn
	b, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	var errs []fieldErr
	if in.Accept == nil {
		errs = append(errs, fieldErr{field: "accept", code: fieldRequired})
	}
	reason := normalize.Text(in.Reason)
	checkText(&errs, "reason", reason, maxMessage, in.Accept != nil && !*in.Accept)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	req := workflows.ConfirmMeetingRequest{Accept: *in.Accept, Reason: reason, Via: b.via}
	return answeredPublic(c)(a.tickets.ConfirmMeeting(c.Request.Context(), b.t, b.key, req))
}
