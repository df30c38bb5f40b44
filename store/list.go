package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// cursor is the last row of a page: the next page starts strictly after it in
// the list's order, (sla_due_at, number) for the inbox and (created_at,
// number) backwards for a beneficiary's own list; At is that order's instant.
// The JSON inside base64url is an implementation detail clients must not rely on.
type cursor struct {
	At     time.Time `json:"d"`
	Number string    `json:"n"`
}

func encodeCursor(at time.Time, number string) string {
	b, _ := json.Marshal(cursor{At: utc(at), Number: number})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Number == "" || c.At.IsZero() {
		return cursor{}, ErrBadCursor
	}
	c.At = utc(c.At)
	return c, nil
}

// clampLimit keeps a page size in 1..200 (<= 0 means 50).
func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return defaultPageSize
	case limit > maxPageSize:
		return maxPageSize
	}
	return limit
}

// pageOf turns the limit+1 rows of a keyset query into a page: the extra row
// only says that another page exists, and the cursor is the last row kept,
// positioned by key (the instant the list is ordered by).
func pageOf(ts []Ticket, limit int, key func(Ticket) time.Time) Page {
	for i := range ts {
		normalizeTicket(&ts[i])
	}
	var p Page
	if len(ts) > limit {
		ts = ts[:limit]
		last := ts[limit-1]
		p.NextCursor = encodeCursor(key(last), last.Number)
	}
	p.Tickets = ts
	return p
}

// ListTickets returns one keyset page ordered by (SLADueAt, Number).
// Limit outside 1..200 is clamped (<= 0 means 50). Overdue with a zero Now
// uses the current time.
func (s *Store) ListTickets(ctx context.Context, f TicketFilter) (Page, error) {
	limit := clampLimit(f.Limit)
	q := s.rdb.WithContext(ctx)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		// A row-value comparison, which both PostgreSQL and SQLite (3.15+)
		// turn into a range scan of the (…, sla_due_at, number) indexes.
		q = q.Where("(sla_due_at, number) > (?, ?)", c.At, c.Number)
	}
	if f.Entities != nil {
		if len(f.Entities) == 0 {
			return Page{}, nil
		}
		q = q.Where("responsible_entity IN ?", f.Entities)
	}
	if f.Entity != "" {
		q = q.Where("responsible_entity = ?", f.Entity)
	}
	if len(f.Status) > 0 {
		st := make([]string, len(f.Status))
		for i, v := range f.Status {
			st[i] = string(v)
		}
		q = q.Where("status IN ?", st)
	}
	if f.Overdue {
		at := f.Now
		if at.IsZero() {
			at = now()
		}
		q = q.Where("sla_due_at < ? AND status IN ?", utc(at), pendingStatuses())
	}
	var ts []Ticket
	// One row more than the page tells whether another page exists.
	if err := q.Order("sla_due_at, number").Limit(limit + 1).Find(&ts).Error; err != nil {
		return Page{}, fmt.Errorf("store: list tickets: %w", err)
	}
	return pageOf(ts, limit, func(t Ticket) time.Time { return t.SLADueAt }), nil
}

// OpenTicketNumbers lists, in number order after `after`, the tickets a policy
// roll-out must reach: those still waiting (open, reopened) or inside their
// objection window (answered).
func (s *Store) OpenTicketNumbers(ctx context.Context, after string, limit int) ([]string, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []string
	err := s.rdb.WithContext(ctx).Model(&Ticket{}).
		Where("status IN ? AND number > ?", []string{"open", "reopened", "answered"}, after).
		Order("number").Limit(limit).Pluck("number", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list open ticket numbers: %w", err)
	}
	return out, nil
}
