package api

import (
	"net/http"
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
		t, err := a.ownTicket(c, b)
		return t, beneficiarySubject(b.mobile, false), err
	}
	t, err := a.trackedTicket(c)
	return t, beneficiarySubject(t.BeneficiaryMobile, true), err
}

// beneficiaryTarget starts a beneficiary action: the ticket they may act on,
// the key that makes a retry the same action, the body decoded into in
// (optional when empty is true).
func (a *API) beneficiaryTarget(c *gin.Context, in any, empty bool) (store.Ticket, string, error) {
	t, _, err := a.beneficiaryCaller(c)
	if err != nil {
		return t, "", err
	}
	key, err := actionKey(c)
	if err != nil {
		return t, "", err
	}
	if err := decodeJSON(c, in, empty); err != nil {
		return t, "", err
	}
	return t, key, nil
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
	t, key, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	reason, err := beneficiaryText("reason", in.Reason, true)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.Object(c.Request.Context(), t, key, workflows.ObjectRequest{Reason: reason}))
}

// withdraw: the beneficiary withdraws the ticket, optionally saying why.
func (a *API) withdraw(c *gin.Context) error {
	var in reasonIn
	t, key, err := a.beneficiaryTarget(c, &in, true)
	if err != nil {
		return err
	}
	reason, err := beneficiaryText("reason", in.Reason, false)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.Withdraw(c.Request.Context(), t, key, workflows.WithdrawRequest{Reason: reason}))
}

type answerIn struct {
	Answer string `json:"answer"`
}

// provideInfo is the beneficiary's answer to the open question.
func (a *API) provideInfo(c *gin.Context) error {
	var in answerIn
	t, key, err := a.beneficiaryTarget(c, &in, false)
	if err != nil {
		return err
	}
	answer, err := beneficiaryText("answer", in.Answer, true)
	if err != nil {
		return err
	}
	return answeredPublic(c)(a.tickets.ProvideInfo(c.Request.Context(), t, key, workflows.ProvideInfoRequest{Answer: answer}))
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
	t, key, err := a.beneficiaryTarget(c, &in, false)
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
	return answeredPublic(c)(a.tickets.Rate(c.Request.Context(), t, key, workflows.RateRequest{Rating: *in.Rating, Comment: comment}))
}

type meetingAnswerIn struct {
	Accept *bool  `json:"accept"`
	Reason string `json:"reason"`
}

// confirmMeeting is the beneficiary accepting the offered slot, or turning it
// down with a reason (the office then offers another).
func (a *API) confirmMeeting(c *gin.Context) error {
	var in meetingAnswerIn
	t, key, err := a.beneficiaryTarget(c, &in, false)
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
	req := workflows.ConfirmMeetingRequest{Accept: *in.Accept, Reason: reason}
	return answeredPublic(c)(a.tickets.ConfirmMeeting(c.Request.Context(), t, key, req))
}
