package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/notifications"
)

// The officials' notification screen over HTTP: the rules — whose in-app
// messages a caller reads, in which language, their own read marks, who is
// a person — are the core's (package notifications), shared with the web
// pages' bell. Integration tokens are refused (403); beneficiaries are no
// staff (401).
//
// A notification that is not the caller's does not exist for them: marking
// it read changes nothing and answers like a missing one, so the answer
// never tells which IDs exist.

type notificationJSON struct {
	ID           int64      `json:"id"`
	TicketNumber string     `json:"ticket_number,omitempty"`
	Template     string     `json:"template"`
	Body         string     `json:"body"`
	CreatedAt    time.Time  `json:"created_at"`
	Read         bool       `json:"read"`
	ReadAt       *time.Time `json:"read_at,omitempty"`
	// Link is the API path of the ticket it is about.
	Link string `json:"link,omitempty"`
}

// requirePerson refuses integration tokens (after requireAuth) before any
// input is read: the routes behind it are for people (notifications.Person).
func (a *API) requirePerson() gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, _ := staffActor(c)
		if err := notifications.Person(actor); err != nil {
			a.fail(c, err)
			return
		}
		c.Next()
	}
}

// listNotifications pages through the caller's notifications, newest first.
func (a *API) listNotifications(c *gin.Context) error {
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "unread", "cursor", "limit"); len(errs) > 0 {
		return invalid(errs...)
	}
	limit, errs := limitParam(q)
	var unread bool
	switch q.Get("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		errs = append(errs, fieldErr{field: "unread", code: fieldInvalidValue})
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	actor, _ := staffActor(c)
	l := negotiate(c.GetHeader("Accept-Language"))
	page, err := a.notifications.List(c.Request.Context(), actor, notifications.Query{
		Unread: unread, Cursor: q.Get("cursor"), Limit: limit, Lang: l.String(),
	})
	if err != nil {
		return err
	}
	items := make([]notificationJSON, 0, len(page.Notifications))
	for _, n := range page.Notifications {
		item := notificationJSON{
			ID: n.ID, TicketNumber: n.TicketNumber, Template: n.Template, Body: n.Text,
			CreatedAt: n.CreatedAt, Read: n.ReadAt != nil, ReadAt: n.ReadAt,
		}
		if n.TicketNumber != "" {
			item.Link = "/api/v1/tickets/" + n.TicketNumber
		}
		items = append(items, item)
	}
	c.Header("Content-Language", l.String())
	c.Header("Vary", "Accept-Language")
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}

// unreadNotifications counts the caller's unread notifications (the badge).
func (a *API) unreadNotifications(c *gin.Context) error {
	if errs := onlyParams(c.Request.URL.Query()); len(errs) > 0 {
		return invalid(errs...)
	}
	actor, _ := staffActor(c)
	n, err := a.notifications.Unread(c.Request.Context(), actor)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, gin.H{"unread": n})
}

type markReadRequest struct {
	IDs []int64 `json:"ids"`
	All *bool   `json:"all"`
}

// markNotificationsRead marks the caller's notifications read, for the
// caller only: {"ids": [...]} or {"all": true}. It answers how many were
// unread and how many remain.
func (a *API) markNotificationsRead(c *gin.Context) error {
	var in markReadRequest
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	if in.All != nil && !*in.All {
		// "all": false says nothing the absent field does not.
		return invalid(fieldErr{field: "all", code: fieldInvalidValue})
	}
	actor, _ := staffActor(c)
	marked, left, err := a.notifications.MarkRead(c.Request.Context(), actor, notifications.Mark{IDs: in.IDs, All: in.All != nil})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, gin.H{"marked": marked, "unread": left})
}
