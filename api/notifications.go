package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
)

// The officials' notification screen: the in-app messages (outbox rows of
// channel inbox) addressed to the caller's role where it sits or to the
// caller in person (notify.InboxRecipients), in the caller's language, each
// with the caller's own read mark.
//
// Every staff member with an identity reads theirs: accounts (password or
// single sign-on) and configured tokens. Integration tokens are refused:
// a connector has no one to read a screen, and read marks under its name
// would only hide messages from nobody. Beneficiaries are no staff (401).
//
// A notification that is not the caller's does not exist for them: marking
// it read changes nothing and answers like a missing one, so the answer
// never tells which IDs exist.

// maxMarkIDs bounds one request's list of IDs, a page's worth.
const maxMarkIDs = 200

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

// requirePerson refuses integration tokens (after requireAuth): the
// routes behind it are for people.
func (a *API) requirePerson() gin.HandlerFunc {
	return func(c *gin.Context) {
		if actor, _ := staffActor(c); strings.HasPrefix(actor.ID, apiTokenActorPrefix) {
			a.fail(c, problem(http.StatusForbidden, codeForbidden))
			return
		}
		c.Next()
	}
}

// notificationReader is the caller as a reader: their own recipient (under
// which their read marks are kept) and every recipient they read.
func (a *API) notificationReader(c *gin.Context) (reader string, recipients []string, err error) {
	actor, _ := staffActor(c)
	tree, err := a.entities.Tree(c.Request.Context())
	if err != nil {
		return "", nil, fmt.Errorf("notifications: hierarchy: %w", err)
	}
	return notify.UserRecipient(actor.ID), notify.InboxRecipients(actor.ID, actor.Role, actor.Entity, tree.Root()), nil
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
	reader, recipients, err := a.notificationReader(c)
	if err != nil {
		return err
	}
	page, err := a.store.Notifications(c.Request.Context(), store.NotificationFilter{
		Reader: reader, Recipients: recipients, Unread: unread, Cursor: q.Get("cursor"), Limit: limit,
	})
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("list notifications: %w", err)
	}
	l := negotiate(c.GetHeader("Accept-Language"))
	items := make([]notificationJSON, 0, len(page.Notifications))
	for _, n := range page.Notifications {
		item := notificationJSON{
			ID: n.ID, TicketNumber: n.TicketNumber, Template: n.Template,
			Body:      notify.Localize(n.Template, n.Params, n.Body, l.String()),
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
	reader, recipients, err := a.notificationReader(c)
	if err != nil {
		return err
	}
	n, err := a.store.UnreadNotifications(c.Request.Context(), reader, recipients)
	if err != nil {
		return fmt.Errorf("count notifications: %w", err)
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
	var errs []fieldErr
	all := in.All != nil && *in.All
	switch {
	case in.All != nil && !*in.All:
		errs = append(errs, fieldErr{field: "all", code: fieldInvalidValue})
	case all && in.IDs != nil:
		// One or the other: "all" with a list is ambiguous.
		errs = append(errs, fieldErr{field: "ids", code: fieldInvalidValue})
	case !all && len(in.IDs) == 0:
		errs = append(errs, fieldErr{field: "ids", code: fieldRequired})
	case len(in.IDs) > maxMarkIDs:
		errs = append(errs, fieldErr{field: "ids", code: fieldOutOfRange})
	}
	for i, id := range in.IDs {
		if id < 1 {
			errs = append(errs, fieldErr{field: "ids[" + strconv.Itoa(i) + "]", code: fieldInvalidValue})
		}
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	reader, recipients, err := a.notificationReader(c)
	if err != nil {
		return err
	}
	ids := in.IDs
	if all {
		ids = nil
	}
	ctx := c.Request.Context()
	marked, err := a.store.MarkNotificationsRead(ctx, reader, recipients, ids, a.now())
	if err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	left, err := a.store.UnreadNotifications(ctx, reader, recipients)
	if err != nil {
		return fmt.Errorf("count notifications: %w", err)
	}
	return writeJSON(c, http.StatusOK, gin.H{"marked": marked, "unread": left})
}
