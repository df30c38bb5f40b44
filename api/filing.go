package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/tickets"
)

// createdJSON is the answer to a filing. tracking_code is shown here only
// (and to a retry with the same Idempotency-Key).
type createdJSON struct {
	Number       string          `json:"number"`
	TrackingCode string          `json:"tracking_code,omitempty"`
	Status       domain.Status   `json:"status"`
	SLADueAt     time.Time       `json:"sla_due_at"`
	Entity       string          `json:"entity"`
	Kind         domain.Kind     `json:"kind"`
	Priority     domain.Priority `json:"priority"`
	Channel      domain.Channel  `json:"channel"`
	CreatedAt    time.Time       `json:"created_at"`
	// QueueNumber is the walk-in visitor's number for the day at the entity.
	QueueNumber string `json:"queue_number,omitempty"`
	// Suggestions are FAQ entries that may answer the ticket: the
	// beneficiary may find the answer before the entity replies, and an
	// agent filing on a call can read it out at once.
	Suggestions []faq.Hit `json:"suggestions,omitempty"`
}

// filerAuth admits whoever may file: anyone anonymous, staff (as
// optionalAuth does), and a beneficiary signed in with a one-time code (a
// beneficiary session token), who files for their own mobile.
func (a *API) filerAuth() gin.HandlerFunc {
	staff, beneficiary := a.optionalAuth(), a.requireBeneficiary()
	return func(c *gin.Context) {
		if token, _ := bearer(c.Request); strings.HasPrefix(token, beneficiaryTokenPrefix) {
			beneficiary(c)
			return
		}
		staff(c)
	}
}

// createTicket files a ticket, from the public (self-service channels,
// anonymous or signed in) or from staff (any channel, on the caller's
// behalf). An anonymous filing's mobile is unproven (tickets.ProveMobile).
func (a *API) createTicket(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, isStaff := staffActor(c)
	by := tickets.Filer{Actor: actor, Staff: isStaff, Mobile: beneficiaryFrom(c).mobile}
	// Staff traffic is not limited per IP: a whole call center sits behind one address.
	if !isStaff {
		if err := a.rateLimit(c, a.limits.intake); err != nil {
			return err
		}
	}
	key, err := idempotencyKey(c.Request.Header)
	if err != nil {
		return err
	}
	var form tickets.Form
	if err := decodeJSON(c, &form, false); err != nil {
		return err
	}
	in, err := a.tickets.Check(ctx, form, by)
	if err != nil {
		return err
	}
	suggestions := a.suggestAhead(c, in.Subject, in.Description)
	filed, err := a.tickets.File(ctx, tickets.Filing{Intake: in, By: by, Key: key})
	if err != nil {
		return err
	}
	t := filed.Ticket
	loc := "/api/v1/track/" + t.Number
	switch {
	case isStaff:
		loc = "/api/v1/tickets/" + t.Number
	case by.Mobile != "":
		loc = "/api/v1/beneficiary/tickets/" + t.Number
	}
	c.Header("Location", loc)
	if filed.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	return writeJSON(c, http.StatusCreated, createdJSON{
		Number: t.Number, TrackingCode: filed.TrackingCode, Status: t.Status, SLADueAt: t.SLADueAt.UTC(),
		Entity: t.Entity, Kind: t.Kind, Priority: t.Priority, Channel: t.Channel, CreatedAt: t.CreatedAt.UTC(),
		QueueNumber: t.QueueNumber,
		Suggestions: suggestions(),
	})
}

// verifyOwnTicket proves the mobile of a ticket filed anonymously: the
// caller, signed in with a one-time code to that mobile, presents the
// ticket's tracking code (X-Tracking-Code), so whoever filed it holds the
// mobile. The ticket then joins the caller's list, takes their uploads and
// its messages go to the mobile. A wrong code, and a ticket of another
// mobile, answer the 404 of a missing ticket.
func (a *API) verifyOwnTicket(c *gin.Context) error {
	b := beneficiaryFrom(c)
	t, err := a.trackedTicket(c)
	if err != nil {
		return err
	}
	wasProven := t.MobileProvenAt != nil
	t, err = a.tickets.ProveMobile(c.Request.Context(), t, b.mobile)
	if err != nil {
		return err
	}
	if !wasProven {
		a.log.InfoContext(c.Request.Context(), "ticket mobile proven", "number", t.Number, "session_id", b.sessionID,
			"request_id", c.GetString(requestIDKey))
	}
	return a.writePublicView(c, t, beneficiarySubject(b.mobile, false))
}
