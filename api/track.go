package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const trackingHeader = "X-Tracking-Code"

// decoyHash is compared against when the ticket does not exist, so a missing
// ticket costs the same comparison as a wrong code.
var decoyHash = sha256Hex("tawasul decoy tracking hash")

// trackingHash is what the store keeps of a tracking code: an HMAC under the
// server's tracking secret, so a stolen database alone cannot be searched for
// codes by brute force (they are only 60 bits). Without a secret (dev mode) it
// is a plain SHA-256. The secret must therefore stay stable once set.
func (a *API) trackingHash(code string) string {
	if len(a.secret) == 0 {
		return sha256Hex(code)
	}
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("tawasul tracking code v1\n" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// beneficiaryTicket authenticates the beneficiary by number + tracking code.
// An unknown number and a wrong code give the very same 404.
func (a *API) beneficiaryTicket(c *gin.Context) (store.Ticket, bool) {
	number := c.Param("number")
	code := canonicalTrackingCode(c.GetHeader(trackingHeader))
	if code == "" {
		writeProblem(c, problem(http.StatusBadRequest, codeTrackingCodeRequired))
		return store.Ticket{}, false
	}
	presented := []byte(a.trackingHash(code))

	var t store.Ticket
	want := decoyHash
	found := false
	if numberPattern.MatchString(number) {
		var err error
		t, err = a.store.GetTicket(c.Request.Context(), number)
		switch {
		case err == nil:
			want, found = t.TrackingHash, true
		case !errors.Is(err, store.ErrNotFound):
			a.fail(c, fmt.Errorf("get ticket: %w", err))
			return store.Ticket{}, false
		}
	}
	match := subtle.ConstantTimeCompare(presented, []byte(want)) == 1
	if !found || !match {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return store.Ticket{}, false
	}
	return t, true
}

type entityRef struct {
	Code   string `json:"code"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en"`
}

type publicResponse struct {
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

type publicEvent struct {
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Message string    `json:"message,omitempty"`
}

// trackJSON is what the beneficiary sees: no staff identities and no personal
// data (whoever holds the code may not be the beneficiary).
type trackJSON struct {
	Number         string           `json:"number"`
	Status         domain.Status    `json:"status"`
	Kind           domain.Kind      `json:"kind"`
	Entity         entityRef        `json:"entity"`
	CreatedAt      time.Time        `json:"created_at"`
	SLADueAt       time.Time        `json:"sla_due_at"`
	ObjectionUntil *time.Time       `json:"objection_until,omitempty"`
	Meeting        *meetingJSON     `json:"meeting,omitempty"`
	Responses      []publicResponse `json:"responses"`
	Timeline       []publicEvent    `json:"timeline"`
	// Attachments are those the caller may download.
	Attachments []publicAttachmentJSON `json:"attachments"`
}

func (a *API) track(c *gin.Context) {
	if t, ok := a.beneficiaryTicket(c); ok {
		a.writePublicView(c, t, beneficiarySubject(t.BeneficiaryMobile, true))
	}
}

// writePublicView answers the beneficiary's view of t: the tracking page, and
// a signed-in beneficiary's own ticket. Public timeline events only, and the
// attachments s may download.
func (a *API) writePublicView(c *gin.Context, t store.Ticket, s authz.Subject) {
	ctx := c.Request.Context()
	events, err := a.store.Timeline(ctx, t.Number, true)
	if err != nil {
		a.fail(c, fmt.Errorf("timeline: %w", err))
		return
	}
	atts, err := a.attachmentsFor(ctx, s, t)
	if err != nil {
		a.fail(c, err)
		return
	}
	ref, err := a.entityRefOf(ctx, t.Entity)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := trackJSON{
		Number: t.Number, Status: t.Status, Kind: t.Kind, Entity: ref,
		CreatedAt: t.CreatedAt.UTC(), SLADueAt: t.SLADueAt.UTC(), ObjectionUntil: utcPtr(t.ObjectionUntil),
		Meeting: meetingOf(t), Responses: []publicResponse{}, Timeline: make([]publicEvent, 0, len(events)),
		Attachments: publicAttachments(atts),
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, publicEvent{Type: e.Type, At: e.At.UTC(), Message: e.Message})
		if e.Type == workflows.EventResponded {
			out.Responses = append(out.Responses, publicResponse{Message: e.Message, At: e.At.UTC()})
		}
	}
	writeJSON(c, http.StatusOK, out)
}

// entityRefOf names an entity in both languages; an entity since removed
// from the hierarchy keeps its code alone.
func (a *API) entityRefOf(ctx context.Context, code string) (entityRef, error) {
	ref := entityRef{Code: code}
	e, err := a.entities.find(ctx, code)
	switch {
	case err == nil:
		ref.NameAR, ref.NameEN = e.NameAR, e.NameEN
	case !errors.Is(err, store.ErrNotFound):
		return entityRef{}, fmt.Errorf("entity %s: %w", code, err)
	}
	return ref, nil
}

// actionJSON is the beneficiary's view of the state after an action.
type actionJSON struct {
	Number         string           `json:"number"`
	Status         domain.Status    `json:"status"`
	SLADueAt       time.Time        `json:"sla_due_at"`
	ObjectionUntil *time.Time       `json:"objection_until,omitempty"`
	Meeting        *meetingJSON     `json:"meeting,omitempty"`
	Responses      []publicResponse `json:"responses"`
}

func publicState(s workflows.TicketState) actionJSON {
	out := actionJSON{Number: s.Number, Status: s.Status, SLADueAt: s.SLADueAt.UTC(),
		ObjectionUntil: utcPtr(s.ObjectionUntil), Responses: []publicResponse{}}
	if m := s.Meeting; m != nil {
		out.Meeting = &meetingJSON{Status: m.Status, At: s.MeetingAt(), Place: m.Place}
		if m.Status == workflows.MeetingOffered {
			by := m.ConfirmBy.UTC()
			out.Meeting.ConfirmBy = &by
		}
	}
	for _, r := range s.Responses {
		out.Responses = append(out.Responses, publicResponse{Message: r.Message, At: r.At.UTC()})
	}
	return out
}

// beneficiaryTarget is the ticket a beneficiary acts on: their own, by a
// one-time-code session, or the one whose tracking code they hold. On
// failure it has written the problem.
func (a *API) beneficiaryTarget(c *gin.Context) (store.Ticket, bool) {
	t, _, ok := a.beneficiaryCaller(c)
	return t, ok
}

// beneficiaryCaller is beneficiaryTarget with who the caller is to the
// authorization policy.
func (a *API) beneficiaryCaller(c *gin.Context) (store.Ticket, authz.Subject, bool) {
	if token, _ := bearer(c.Request); strings.HasPrefix(token, beneficiaryTokenPrefix) {
		b, ok := a.beneficiaryOf(c)
		if !ok {
			return store.Ticket{}, authz.Subject{}, false
		}
		t, ok := a.ownTicket(c, b)
		return t, beneficiarySubject(b.mobile, false), ok
	}
	t, ok := a.beneficiaryTicket(c)
	return t, beneficiarySubject(t.BeneficiaryMobile, true), ok
}

// beneficiaryBody starts a beneficiary action that carries a JSON body: the
// ticket they may act on, the Idempotency-Key well formed, the body decoded
// into in. On failure it has written the problem.
func (a *API) beneficiaryBody(c *gin.Context, in any) (store.Ticket, string, bool) {
	t, ok := a.beneficiaryTarget(c)
	if !ok {
		return t, "", false
	}
	key, _, kerr := idempotencyKey(c.Request.Header)
	if kerr != nil {
		writeProblem(c, kerr)
		return t, "", false
	}
	if err := decodeJSON(c, in, false); err != nil {
		writeProblem(c, err)
		return t, "", false
	}
	return t, key, true
}

type ratingIn struct {
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// rate is the beneficiary's satisfaction rating (1–5) once the ticket is
// closed; 1 or 2 opens a quality follow-up for the care-center manager.
func (a *API) rate(c *gin.Context) {
	var in ratingIn
	t, key, ok := a.beneficiaryBody(c, &in)
	if !ok {
		return
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
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.RateRequest{Rating: *in.Rating, Comment: comment}
	if state, ok := a.act(c, t, workflows.UpdateRate, beneficiaryActor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, publicState(state))
	}
}

type reasonIn struct {
	Reason string `json:"reason"`
}

type answerIn struct {
	Answer string `json:"answer"`
}

func (a *API) object(c *gin.Context) {
	a.beneficiaryAction(c, workflows.UpdateObject, "reason", true, func(reason string) any {
		return workflows.ObjectRequest{Reason: reason}
	})
}

func (a *API) withdraw(c *gin.Context) {
	a.beneficiaryAction(c, workflows.UpdateWithdraw, "reason", false, func(reason string) any {
		return workflows.WithdrawRequest{Reason: reason}
	})
}

// beneficiaryAction runs an update on behalf of the beneficiary: signed in
// with a one-time code (a tb_ bearer token, for their own tickets), or
// holding the ticket's tracking code.
func (a *API) beneficiaryAction(c *gin.Context, name, field string, required bool, arg func(string) any) {
	t, ok := a.beneficiaryTarget(c)
	if !ok {
		return
	}
	key, _, kerr := idempotencyKey(c.Request.Header)
	if kerr != nil {
		writeProblem(c, kerr)
		return
	}
	var text string
	var derr *apiError
	if field == "answer" {
		var in answerIn
		derr, text = decodeJSON(c, &in, !required), in.Answer
	} else {
		var in reasonIn
		derr, text = decodeJSON(c, &in, !required), in.Reason
	}
	if derr != nil {
		writeProblem(c, derr)
		return
	}
	reason := normalize.Text(text)
	var errs []fieldErr
	checkText(&errs, field, reason, maxMessage, required)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	if state, ok := a.act(c, t, name, beneficiaryActor.ID, key, arg(reason)); ok {
		writeJSON(c, http.StatusOK, publicState(state))
	}
}
