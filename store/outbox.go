package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EnqueueOutbox inserts m unless a message with m.Key exists; inserted reports which.
// The store sets ID, a zero CreatedAt (now), an empty Status ("pending") and
// a zero NextAttemptAt (CreatedAt: due at once).
func (s *Store) EnqueueOutbox(ctx context.Context, m OutboxMessage) (inserted bool, err error) {
	return enqueueOutbox(s.db.WithContext(ctx), m)
}

// enqueueOutbox is EnqueueOutbox on db, which may be a transaction that
// writes the message together with what it announces.
func enqueueOutbox(db *gorm.DB, m OutboxMessage) (bool, error) {
	m.ID = 0
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.CreatedAt = utc(m.CreatedAt)
	m.SentAt = utcPtr(m.SentAt)
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	m.NextAttemptAt = utc(m.NextAttemptAt)
	if m.Status == "" {
		m.Status = OutboxPending
	}
	res := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoNothing: true,
	}).Create(&m)
	if res.Error != nil {
		return false, fmt.Errorf("store: enqueue outbox %s: %w", m.Template, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Outbox lists a ticket's messages by ID (tests and the audit view).
func (s *Store) Outbox(ctx context.Context, ticketNumber string) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	err := s.rdb.WithContext(ctx).Where("ticket_number = ?", ticketNumber).Order("id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("store: outbox of %s: %w", ticketNumber, err)
	}
	normalizeOutbox(ms)
	return ms, nil
}

func normalizeOutbox(ms []OutboxMessage) {
	for i := range ms {
		ms[i].CreatedAt = utc(ms[i].CreatedAt)
		ms[i].NextAttemptAt = utc(ms[i].NextAttemptAt)
		ms[i].SentAt = utcPtr(ms[i].SentAt)
	}
}

// OutboxClaim asks ClaimOutbox for due messages.
type OutboxClaim struct {
	// Channels are the channels the caller can deliver; required.
	Channels []string
	Now      time.Time
	Limit    int // 1..maxPageSize
	// Lease is how long the claimed messages are the caller's: they are due
	// again when it runs out, so a caller that dies mid-send loses them to
	// the next claim rather than for ever.
	Lease time.Duration
}

// ClaimOutbox takes up to c.Limit pending messages due at c.Now on
// c.Channels, oldest due first: each one's Attempts goes up by one and its
// NextAttemptAt moves to the end of the lease, in one statement. On
// PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED, so workers
// claiming at once each get different rows and none waits for another; on
// SQLite the single writer serializes claims. The claimed rows come back
// with their new Attempts, which the caller hands back to RetryOutbox.
func (s *Store) ClaimOutbox(ctx context.Context, c OutboxClaim) ([]OutboxMessage, error) {
	if len(c.Channels) == 0 || c.Limit < 1 || c.Lease <= 0 {
		return nil, errors.New("store: claim outbox: channels, a positive limit and a lease are required")
	}
	limit := min(c.Limit, maxPageSize)
	at := utc(c.Now)
	lock := ""
	if s.dialect == DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?
WHERE id IN (SELECT id FROM outbox WHERE status = ? AND channel IN ? AND next_attempt_at <= ?
  ORDER BY next_attempt_at, id LIMIT ?` + lock + `)
RETURNING *`
	var ms []OutboxMessage
	err := s.db.WithContext(ctx).Raw(q, at.Add(c.Lease), OutboxPending, c.Channels, at, limit).Scan(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	normalizeOutbox(ms)
	// RETURNING follows no ORDER BY; the caller sends oldest first.
	slices.SortFunc(ms, func(a, b OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return ms, nil
}

// MarkOutboxSent records the delivery of message id. A message a slower
// worker already marked final stays as it is.
func (s *Store) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxPending).
		Updates(map[string]any{"status": OutboxSent, "sent_at": utc(at), "last_error": ""}).Error
	if err != nil {
		return fmt.Errorf("store: mark outbox %d sent: %w", id, err)
	}
	return nil
}

// RetryOutbox puts message id back in the queue, due at next, after its
// attempt-th delivery failed with lastErr. It changes nothing when the
// message was claimed again since (its lease ran out) or is final.
func (s *Store) RetryOutbox(ctx context.Context, id int64, attempt int, next time.Time, lastErr string) error {
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND status = ? AND attempts = ?", id, OutboxPending, attempt).
		Updates(map[string]any{"next_attempt_at": utc(next), "last_error": lastErr}).Error
	if err != nil {
		return fmt.Errorf("store: reschedule outbox %d: %w", id, err)
	}
	return nil
}

// FinishOutbox gives message id a final status other than sent (OutboxFailed
// or OutboxSkipped) with the reason; a message already final keeps its own.
func (s *Store) FinishOutbox(ctx context.Context, id int64, status, reason string) error {
	if status != OutboxFailed && status != OutboxSkipped {
		return fmt.Errorf("store: finish outbox %d: status %q is not failed or skipped", id, status)
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxPending).
		Updates(map[string]any{"status": status, "last_error": reason}).Error
	if err != nil {
		return fmt.Errorf("store: mark outbox %d %s: %w", id, status, err)
	}
	return nil
}

// OutboxFilter selects a page of the outbox; zero values mean any.
type OutboxFilter struct {
	TicketNumber string
	Status       string
	Cursor       string // from OutboxPage.NextCursor
	Limit        int    // 1..200, default 50
}

// OutboxPage is one page of the outbox, newest first.
type OutboxPage struct {
	Messages   []OutboxMessage
	NextCursor string // "" on the last page
}

// ListOutbox pages through the outbox, newest first. The cursor is the ID
// of the last message of the previous page.
func (s *Store) ListOutbox(ctx context.Context, f OutboxFilter) (OutboxPage, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = defaultPageSize
	case limit > maxPageSize:
		limit = maxPageSize
	}
	q := s.rdb.WithContext(ctx).Model(&OutboxMessage{})
	if f.Cursor != "" {
		before, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || before < 1 {
			return OutboxPage{}, ErrBadCursor
		}
		q = q.Where("id < ?", before)
	}
	if f.TicketNumber != "" {
		q = q.Where("ticket_number = ?", f.TicketNumber)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var ms []OutboxMessage
	// One row more than the page tells whether another page exists.
	if err := q.Order("id DESC").Limit(limit + 1).Find(&ms).Error; err != nil {
		return OutboxPage{}, fmt.Errorf("store: list outbox: %w", err)
	}
	var page OutboxPage
	if len(ms) > limit {
		ms = ms[:limit]
		page.NextCursor = strconv.FormatInt(ms[limit-1].ID, 10)
	}
	normalizeOutbox(ms)
	page.Messages = ms
	return page, nil
}
