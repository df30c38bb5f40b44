package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Officials' in-app notifications are outbox rows of channel 'inbox'
// (migration 0017). A person reads the rows addressed to any of their
// recipients (notify.InboxRecipients) and keeps their own read marks in
// notification_reads, under their own recipient ("user:…"), so officials
// sharing a role at one entity each have their own unread state.

// NotificationRead records that one person read one in-app notification.
type NotificationRead struct {
	Reader   string    `gorm:"primaryKey;size:254"`
	OutboxID int64     `gorm:"primaryKey;autoIncrement:false"`
	ReadAt   time.Time `gorm:"not null"`
}

func (NotificationRead) TableName() string { return "notification_reads" }

// Notification is one in-app notification as its reader sees it.
type Notification struct {
	ID           int64
	TicketNumber string
	Template     string
	// Body is the stored text (Arabic then English); Params, when not
	// empty, the template's parameters as JSON to render it in one language.
	Body      string
	Params    string
	CreatedAt time.Time
	// ReadAt is when the reader marked it read; nil while unread.
	ReadAt *time.Time
}

// NotificationFilter selects a page of one person's notifications.
type NotificationFilter struct {
	// Reader is the person's own recipient, under which their read marks
	// are kept; Recipients are all the recipients whose rows they read (their
	// own among them). Both required: no recipient matches nothing.
	Reader     string
	Recipients []string
	Unread     bool   // only those Reader has not marked read
	Cursor     string // NotificationPage.NextCursor
	Limit      int    // 1..200, default 50
}

// NotificationPage is one page of notifications, newest first.
type NotificationPage struct {
	Notifications []Notification
	NextCursor    string // "" on the last page
}

// inboxWhere restricts outbox rows (alias o) to in-app ones. The channel is
// a literal, never a parameter, so both planners can use the partial index
// ix_outbox_inbox.
const inboxWhere = `o.channel = 'inbox'`

// unreadBy keeps the rows the reader (the next parameter) has not marked.
const unreadBy = `NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.reader = ? AND r.outbox_id = o.id)`

func checkReader(reader string, recipients []string) error {
	if reader == "" || len(recipients) == 0 || slices.Contains(recipients, "") {
		return errors.New("a reader and non-empty recipients are required")
	}
	return nil
}

// Notifications pages through the in-app notifications addressed to any of
// f.Recipients, newest first (keyset on the outbox ID), each with f.Reader's
// read mark.
//
// Each recipient is read on its own, newest first through ix_outbox_inbox
// and stopping after a page, and the pages are merged: one IN list ordered
// by ID would make the database sort every row of the recipients first.
func (s *Store) Notifications(ctx context.Context, f NotificationFilter) (NotificationPage, error) {
	if err := checkReader(f.Reader, f.Recipients); err != nil {
		return NotificationPage{}, fmt.Errorf("store: notifications: %w", err)
	}
	limit := clampLimit(f.Limit)
	before := int64(math.MaxInt64)
	if f.Cursor != "" {
		v, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || v < 1 {
			return NotificationPage{}, ErrBadCursor
		}
		before = v
	}
	recipients := slices.Compact(slices.Sorted(slices.Values(f.Recipients)))
	parts := make([]string, 0, len(recipients))
	var args []any
	for i, r := range recipients {
		cond := ""
		if f.Unread {
			cond = " AND r.outbox_id IS NULL"
		}
		parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT o.id AS id, o.ticket_number AS ticket_number,
  o.template AS template, o.body AS body, o.params AS params, o.created_at AS created_at, r.read_at AS read_at
FROM outbox o LEFT JOIN notification_reads r ON r.reader = ? AND r.outbox_id = o.id
WHERE %s AND o.recipient = ? AND o.id < ?%s
ORDER BY o.id DESC LIMIT ?) q%d`, inboxWhere, cond, i))
		args = append(args, f.Reader, r, before, limit+1)
	}
	q := strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY id DESC LIMIT ?"
	args = append(args, limit+1)
	var ns []Notification
	if err := s.rdb.WithContext(ctx).Raw(q, args...).Scan(&ns).Error; err != nil {
		return NotificationPage{}, fmt.Errorf("store: notifications of %s: %w", f.Reader, err)
	}
	var page NotificationPage
	// One row more than the page tells whether another page exists.
	if len(ns) > limit {
		ns = ns[:limit]
		page.NextCursor = strconv.FormatInt(ns[limit-1].ID, 10)
	}
	for i := range ns {
		ns[i].CreatedAt = utc(ns[i].CreatedAt)
		ns[i].ReadAt = utcPtr(ns[i].ReadAt)
	}
	page.Notifications = ns
	return page, nil
}

// UnreadNotifications counts the notifications addressed to any of
// recipients that reader has not marked read: it walks ix_outbox_inbox for
// those recipients only and probes reader's marks by primary key (or, on
// PostgreSQL, hashes them), so its cost follows the reader's own rows, never
// the outbox's size.
func (s *Store) UnreadNotifications(ctx context.Context, reader string, recipients []string) (int64, error) {
	if err := checkReader(reader, recipients); err != nil {
		return 0, fmt.Errorf("store: unread notifications: %w", err)
	}
	var n int64
	q := `SELECT count(*) FROM outbox o WHERE ` + inboxWhere + ` AND o.recipient IN ? AND ` + unreadBy
	if err := s.rdb.WithContext(ctx).Raw(q, recipients, reader).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: unread notifications of %s: %w", reader, err)
	}
	return n, nil
}

// MarkNotificationsRead marks read, for reader only, the notifications
// among ids addressed to any of recipients, or all of them when ids is nil;
// it reports how many were unread. An ID that is not the reader's (another
// recipient's, not in-app, or missing) is ignored like a missing one, and
// one already read keeps its first mark, so a retried request changes
// nothing.
func (s *Store) MarkNotificationsRead(ctx context.Context, reader string, recipients []string, ids []int64, at time.Time) (int64, error) {
	if err := checkReader(reader, recipients); err != nil {
		return 0, fmt.Errorf("store: mark notifications read: %w", err)
	}
	if ids != nil && len(ids) == 0 {
		return 0, nil
	}
	q := `INSERT INTO notification_reads (reader, outbox_id, read_at)
SELECT ?, o.id, ? FROM outbox o WHERE ` + inboxWhere + ` AND o.recipient IN ? AND ` + unreadBy
	args := []any{reader, utc(at), recipients, reader}
	if ids != nil {
		q += ` AND o.id IN ?`
		args = append(args, ids)
	}
	// Two requests of one reader at once may pick the same rows; the
	// second's inserts meet the first's and are skipped.
	q += ` ON CONFLICT (reader, outbox_id) DO NOTHING`
	res := s.db.WithContext(ctx).Exec(q, args...)
	if res.Error != nil {
		return 0, fmt.Errorf("store: mark notifications of %s read: %w", reader, res.Error)
	}
	return res.RowsAffected, nil
}
