package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// The outbox as staff see it: every message the system queued, whether and
// when it went out, and why not. Administrators and the supervisor read it,
// masked as notify.AsStaffSee says; dev mode (Options.OutboxInFull) shows
// everything, so a developer without an SMS gateway can read the code.

type outboxMessageJSON struct {
	ID           int64  `json:"id"`
	Key          string `json:"key"`
	TicketNumber string `json:"ticket_number,omitempty"`
	Channel      string `json:"channel"`
	Recipient    string `json:"recipient"`
	Template     string `json:"template"`
	Subject      string `json:"subject,omitempty"`
	Body         string `json:"body"`
	// BodyHidden: Body is withheld (a sign-in code).
	BodyHidden bool   `json:"body_hidden,omitempty"`
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	// NextAttemptAt is when a pending message is due (or its claim ends).
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// listOutbox pages through the outbox, newest first (admin, supervisor).
func (a *API) listOutbox(c *gin.Context) error {
	actor, _ := staffActor(c)
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "ticket", "status", "cursor", "limit"); len(errs) > 0 {
		return invalid(errs...)
	}
	f := store.OutboxFilter{TicketNumber: strings.TrimSpace(q.Get("ticket")), Status: q.Get("status"), Cursor: q.Get("cursor")}
	limit, errs := limitParam(q)
	f.Limit = limit
	if f.TicketNumber != "" && !tickets.ValidNumber(f.TicketNumber) {
		errs = append(errs, fieldErr{field: "ticket", code: fieldInvalidValue})
	}
	if f.Status != "" && !slices.Contains(notify.OutboxStatuses, f.Status) {
		errs = append(errs, fieldErr{field: "status", code: fieldInvalidValue})
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	page, err := a.store.ListOutbox(c.Request.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("list outbox: %w", err)
	}
	items := make([]outboxMessageJSON, 0, len(page.Messages))
	for _, m := range page.Messages {
		m, hidden := notify.AsStaffSee(m, actor.Role, a.outboxInFull)
		o := outboxMessageJSON{
			ID: m.ID, Key: m.Key, TicketNumber: m.TicketNumber, Channel: m.Channel, Recipient: m.Recipient,
			Template: m.Template, Subject: m.Subject, Body: m.Body, BodyHidden: hidden, Status: m.Status, Attempts: m.Attempts,
			LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt,
		}
		if m.Status == store.OutboxPending {
			o.NextAttemptAt = &m.NextAttemptAt
		}
		items = append(items, o)
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}
