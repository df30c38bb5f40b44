// Package notifications is the officials' notification screen as a use
// case, for every front end (the JSON API's /notifications, the web pages'
// bell and list): whose in-app messages a caller reads, in which language
// they read them, and their own read marks. The rows and marks live in the
// store (store/notifications.go); the recipients are notify's.
package notifications

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// MaxMarkIDs bounds one request's list of IDs to mark read, a page's worth.
const MaxMarkIDs = 200

// integrationPrefix starts the actor ID of an integration token.
const integrationPrefix = "token:"

// Service reads and marks one caller's notifications.
type Service struct {
	store    *store.Store
	entities *entities.Cache
	now      func() time.Time
}

// New builds the service over the read model and the entity hierarchy (the
// ministry root, where ministry-wide roles read); now nil is time.Now.
func New(st *store.Store, es *entities.Cache, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, entities: es, now: now}
}

// Person refuses an integration token: a connector has no one to read a
// screen, and read marks under its name would only hide messages from
// nobody. Accounts and configured tokens are people.
func Person(actor workflows.Actor) error {
	if actor.ID == "" || strings.HasPrefix(actor.ID, integrationPrefix) {
		return refusal.New(refusal.Forbidden, refusal.CodeForbidden)
	}
	return nil
}

// reader is the caller as a reader: their own recipient (under which their
// read marks are kept) and every recipient they read.
func (s *Service) reader(ctx context.Context, actor workflows.Actor) (string, []string, error) {
	if err := Person(actor); err != nil {
		return "", nil, err
	}
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("notifications: hierarchy: %w", err)
	}
	return notify.UserRecipient(actor.ID), notify.InboxRecipients(actor.ID, actor.Role, actor.Entity, tree.Root()), nil
}

// Query asks for one page of a caller's notifications.
type Query struct {
	Unread bool   // only those not marked read
	Cursor string // Page.NextCursor of the page before
	Limit  int    // 1..200, 0 for the store's default
	// Lang is the language to write them in (notify.Arabic, notify.English).
	Lang string
}

// Notification is one notification as its reader sees it: Text in their
// language (the stored Arabic-then-English body when the row has no
// parameters to render it again).
type Notification struct {
	store.Notification
	Text string
}

// Page is one page, newest first.
type Page struct {
	Notifications []Notification
	NextCursor    string // "" on the last page
}

// List pages through actor's notifications, newest first (keyset on the
// outbox ID). A cursor no page handed out is Invalid with CodeBadCursor.
func (s *Service) List(ctx context.Context, actor workflows.Actor, q Query) (Page, error) {
	reader, recipients, err := s.reader(ctx, actor)
	if err != nil {
		return Page{}, err
	}
	page, err := s.store.Notifications(ctx, store.NotificationFilter{
		Reader: reader, Recipients: recipients, Unread: q.Unread, Cursor: q.Cursor, Limit: q.Limit,
	})
	if errors.Is(err, store.ErrBadCursor) {
		return Page{}, refusal.Because(refusal.Invalid, refusal.CodeBadCursor, err)
	} else if err != nil {
		return Page{}, fmt.Errorf("list notifications: %w", err)
	}
	out := Page{NextCursor: page.NextCursor, Notifications: make([]Notification, 0, len(page.Notifications))}
	for _, n := range page.Notifications {
		out.Notifications = append(out.Notifications, Notification{
			Notification: n, Text: notify.Localize(n.Template, n.Params, n.Body, q.Lang),
		})
	}
	return out, nil
}

// Unread counts actor's unread notifications (the badge).
func (s *Service) Unread(ctx context.Context, actor workflows.Actor) (int64, error) {
	reader, recipients, err := s.reader(ctx, actor)
	if err != nil {
		return 0, err
	}
	n, err := s.store.UnreadNotifications(ctx, reader, recipients)
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// Mark names what to mark read: the notifications IDs, or All of them.
type Mark struct {
	IDs []int64
	All bool
}

// MarkRead marks actor's notifications read, for actor only, and answers
// how many were unread and how many remain. A notification that is not the
// caller's does not exist for them: marking it changes nothing, so the
// answer never tells which IDs exist. Bad input is Invalid naming "ids".
func (s *Service) MarkRead(ctx context.Context, actor workflows.Actor, m Mark) (marked, unread int64, err error) {
	var bad []refusal.Field
	switch {
	case m.All && m.IDs != nil:
		// One or the other: "all" with a list is ambiguous.
		bad = append(bad, refusal.Field{Name: "ids", Code: refusal.FieldInvalidValue})
	case !m.All && len(m.IDs) == 0:
		bad = append(bad, refusal.Field{Name: "ids", Code: refusal.FieldRequired})
	case len(m.IDs) > MaxMarkIDs:
		bad = append(bad, refusal.Field{Name: "ids", Code: refusal.FieldOutOfRange})
	}
	for i, id := range m.IDs {
		if id < 1 {
			bad = append(bad, refusal.Field{Name: "ids[" + strconv.Itoa(i) + "]", Code: refusal.FieldInvalidValue})
		}
	}
	if len(bad) > 0 {
		return 0, 0, refusal.Fields(bad...)
	}
	reader, recipients, err := s.reader(ctx, actor)
	if err != nil {
		return 0, 0, err
	}
	ids := m.IDs
	if m.All {
		ids = nil
	}
	marked, err = s.store.MarkNotificationsRead(ctx, reader, recipients, ids, s.now())
	if err != nil {
		return 0, 0, fmt.Errorf("mark notifications read: %w", err)
	}
	unread, err = s.store.UnreadNotifications(ctx, reader, recipients)
	if err != nil {
		return 0, 0, fmt.Errorf("count notifications: %w", err)
	}
	return marked, unread, nil
}
