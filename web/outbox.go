package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/web/views"
)

// outboxPage is the outbox monitor: every message the system queued, newest
// first, as GET /api/v1/outbox shows it (notify.AsStaffSee), by status, a
// page at a time, refreshing by itself.
func (w *Web) outboxPage(c *gin.Context) error {
	o, err := w.outboxData(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(o.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, views.OutboxPage(w.page(c, "outbox.title", "admin"), o.Outbox))
}

// outboxList is the list alone, for the page's poll: 204 when unchanged
// since the version the page shows (as the inbox's list).
func (w *Web) outboxList(c *gin.Context) error {
	o, err := w.outboxData(c)
	if err != nil {
		return err
	}
	if len(o.Errors) > 0 || (c.Query("v") != "" && c.Query("v") == o.version) {
		c.Status(http.StatusNoContent)
		return nil
	}
	return render(c, http.StatusOK, views.OutboxList(w.page(c, "outbox.title", "admin"), o.Outbox))
}

type outboxData struct {
	views.Outbox
	version string
}

// outboxData reads one page of the outbox with the filter asked for.
func (w *Web) outboxData(c *gin.Context) (outboxData, error) {
	l := langOf(c)
	actor, _ := actorOf(c)
	o := outboxData{Outbox: views.Outbox{Status: c.Query("status"), Errors: views.FieldErrors{}, PollEvery: w.pollSpec()}}
	o.Statuses = []views.Option{{Value: "", Label: l.T("outbox.any")}}
	for _, s := range notify.OutboxStatuses {
		o.Statuses = append(o.Statuses, views.Option{Value: s, Label: l.T("outbox." + s)})
	}
	if o.Status != "" && !slices.Contains(notify.OutboxStatuses, o.Status) {
		o.Errors["status"] = fieldText(l, refusal.FieldInvalidValue)
		return o, nil
	}
	cursor := c.Query("cursor")
	page, err := w.store.ListOutbox(c.Request.Context(), store.OutboxFilter{Status: o.Status, Cursor: cursor})
	if errors.Is(err, store.ErrBadCursor) {
		return o, refusal.Fields(refusal.Field{Name: "cursor", Code: refusal.FieldInvalidValue})
	} else if err != nil {
		return o, err
	}
	h := sha256.New()
	for _, m := range page.Messages {
		m, hidden := notify.AsStaffSee(m, actor.Role, w.outboxInFull)
		o.Messages = append(o.Messages, views.OutboxMessage{
			ID: strconv.FormatInt(m.ID, 10), At: m.CreatedAt, Ticket: m.TicketNumber, Channel: m.Channel,
			Recipient: m.Recipient, Template: m.Template, Subject: m.Subject, Body: m.Body, BodyHidden: hidden,
			Status: m.Status, StatusWord: l.T("outbox." + m.Status), Attempts: l.Num(m.Attempts), LastError: m.LastError,
		})
		h.Write([]byte(strconv.FormatInt(m.ID, 10) + m.Status + strconv.Itoa(m.Attempts) + m.LastError))
		h.Write([]byte{0})
	}
	o.version = hex.EncodeToString(h.Sum(nil)[:12])
	if page.NextCursor != "" {
		o.Next = "/admin/outbox?" + url.Values{"status": {o.Status}, "cursor": {page.NextCursor}}.Encode()
	}
	if cursor == "" {
		o.Poll = "/admin/outbox/list?" + url.Values{"status": {o.Status}, "v": {o.version}}.Encode()
	}
	return o, nil
}
