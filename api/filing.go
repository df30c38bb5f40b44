package api

import (
	"net/http"
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

// createTicket files a ticket, from the public (self-service channels) or
// from staff (any channel, on the caller's behalf).
func (a *API) createTicket(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, isStaff := staffActor(c)
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
	in, err := a.tickets.Check(ctx, form, tickets.Filer{Actor: actor, Staff: isStaff})
	if err != nil {
		return err
	}
	suggestions := a.suggestAhead(c, in.Subject, in.Description)
	filed, err := a.tickets.File(ctx, tickets.Filing{Intake: in, By: tickets.Filer{Actor: actor, Staff: isStaff}, Key: key})
	if err != nil {
		return err
	}
	t := filed.Ticket
	loc := "/api/v1/track/" + t.Number
	if isStaff {
		loc = "/api/v1/tickets/" + t.Number
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
