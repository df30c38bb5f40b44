package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const trackingHeader = "X-Tracking-Code"

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

// track is the tracking page: a ticket by its number and tracking code.
func (a *API) track(c *gin.Context) error {
	t, err := a.trackedTicket(c)
	if err != nil {
		return err
	}
	return a.writePublicView(c, t, beneficiarySubject(t.BeneficiaryMobile, true))
}

// trackedTicket authenticates the beneficiary by the path's number and the
// tracking code header; an unknown number and a wrong code are one 404.
func (a *API) trackedTicket(c *gin.Context) (store.Ticket, error) {
	code := c.GetHeader(trackingHeader)
	if strings.TrimSpace(code) == "" {
		return store.Ticket{}, problem(http.StatusBadRequest, codeTrackingCodeRequired)
	}
	return a.tickets.Tracked(c.Request.Context(), c.Param("number"), code)
}

// writePublicView answers the beneficiary's view of t: the tracking page, and
// a signed-in beneficiary's own ticket. Public timeline events only, and the
// attachments s may download.
func (a *API) writePublicView(c *gin.Context, t store.Ticket, s authz.Subject) error {
	ctx := c.Request.Context()
	events, err := a.store.Timeline(ctx, t.Number, true)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	atts, err := a.tickets.Attachments(ctx, s, t)
	if err != nil {
		return err
	}
	ref, err := a.entityRefOf(ctx, t.Entity)
	if err != nil {
		return err
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
	return writeJSON(c, http.StatusOK, out)
}

// entityRefOf names an entity in both languages; an entity since removed
// from the hierarchy keeps its code alone.
func (a *API) entityRefOf(ctx context.Context, code string) (entityRef, error) {
	ref := entityRef{Code: code}
	e, err := a.entities.Find(ctx, code)
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
