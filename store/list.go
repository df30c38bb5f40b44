package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
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
		if f.Meetings {
			q = q.Where("(meeting_at, number) > (?, ?)", c.At, c.Number)
		} else {
			q = q.Where("(sla_due_at, number) > (?, ?)", c.At, c.Number)
		}
	}
	q, ok := filtered(q, f)
	if !ok {
		return Page{}, nil
	}
	var ts []Ticket
	order, key := listOrder(f)
	// One row more than the page tells whether another page exists.
	if err := q.Order(order).Limit(limit + 1).Find(&ts).Error; err != nil {
		return Page{}, fmt.Errorf("store: list tickets: %w", err)
	}
	return pageOf(ts, limit, key), nil
}

// listOrder is the order of f's list, and the instant of a row its cursor
// is positioned by: most urgent deadline first, or soonest meeting first.
func listOrder(f TicketFilter) (string, func(Ticket) time.Time) {
	if f.Meetings {
		return "meeting_at, number", func(t Ticket) time.Time { return *t.MeetingAt }
	}
	return "sla_due_at, number", func(t Ticket) time.Time { return t.SLADueAt }
}

// CountTickets counts the tickets each filter selects (its Cursor and Limit
// ignored), up to limit each: a badge beside a view says "999+", and
// counting further would read every matching index entry of a large table.
// All the counts are one statement, one round trip. limit < 1 means 1000.
func (s *Store) CountTickets(ctx context.Context, fs []TicketFilter, limit int) ([]int, error) {
	if limit < 1 {
		limit = 1000
	}
	counts := make([]int, len(fs))
	var cols []string
	var args []any
	var at []int
	for i, f := range fs {
		q, ok := filtered(s.rdb.Model(&Ticket{}).Select("1"), f)
		if !ok {
			continue // a scope that matches nothing counts 0
		}
		// count(*) over a LIMITed subquery stops each scan at limit rows.
		// Ordered as the list is, so PostgreSQL walks the index the list
		// walks: unordered, it took a LIMIT for a licence to scan the table
		// in heap order, where a sector's pending tickets are the newest
		// rows (53 ms instead of 4 at 100,000 tickets).
		order, _ := listOrder(f)
		cols = append(cols, fmt.Sprintf("(SELECT count(*) FROM (?) AS c%d)", len(cols)))
		args = append(args, q.Order(order).Limit(limit))
		at = append(at, i)
	}
	if len(cols) == 0 {
		return counts, nil
	}
	ns := make([]int64, len(cols))
	dest := make([]any, len(cols))
	for i := range ns {
		dest[i] = &ns[i]
	}
	if err := s.rdb.WithContext(ctx).Raw("SELECT "+strings.Join(cols, ", "), args...).Row().Scan(dest...); err != nil {
		return nil, fmt.Errorf("store: count tickets: %w", err)
	}
	for j, i := range at {
		counts[i] = int(ns[j])
	}
	return counts, nil
}

// filtered narrows q to the tickets f selects (everything but its cursor,
// order and page size, which a count has no use for); ok=false when its
// scope matches nothing.
func filtered(q *gorm.DB, f TicketFilter) (*gorm.DB, bool) {
	q, ok := scopeClause(q, f.Scope)
	if !ok {
		return q, false
	}
	if f.Entity != "" {
		q = q.Where("responsible_entity = ?", f.Entity)
	}
	if f.AssignedTo != "" {
		q = q.Where("assigned_to = ?", f.AssignedTo)
	}
	if f.Unassigned {
		q = q.Where("assigned_to = ''")
	}
	if f.FollowUps {
		q = q.Where("follow_up_status IN ?", []string{"open", "overdue"})
		if f.FollowUpEntity != "" {
			q = q.Where("follow_up_entity = ?", f.FollowUpEntity)
		}
	}
	if f.Meetings {
		// Literals, as migration 0018's partial index states them.
		q = q.Where(meetingPredicate + " AND meeting_at IS NOT NULL")
	}
	if f.HeldByRole != "" {
		q = q.Where("escalation_level > 0 AND escalation_role = ? AND escalation_entity = ?", string(f.HeldByRole), f.HeldByEntity)
	}
	switch {
	case f.Overdue || isPendingSet(f.Status):
		// Overdue implies pending, and overdue with another status list
		// selects their intersection, as two separate conditions would.
		q = q.Where(pendingPredicate)
		if !isPendingSet(f.Status) && len(f.Status) > 0 {
			q = q.Where("status IN ?", statusStrings(f.Status))
		}
	case len(f.Status) > 0:
		q = q.Where("status IN ?", statusStrings(f.Status))
	}
	if f.Overdue {
		at := f.Now
		if at.IsZero() {
			at = now()
		}
		q = q.Where("sla_due_at < ?", utc(at))
	}
	return q, true
}

// meetingPredicate selects the tickets with a meeting slot offered or booked.
const meetingPredicate = "status IN ('meeting_offered', 'meeting_booked')"

// pendingPredicate selects the pending statuses, written out as literals
// exactly as the partial indexes of migration 0009 state it: PostgreSQL and
// SQLite use a partial index only when they can prove its predicate from the
// query's constants, which a bind parameter is not (always on SQLite, in a
// prepared statement's generic plan on PostgreSQL). TestPendingPredicate
// keeps it, pendingStatuses and the migrations in step.
const pendingPredicate = "status IN ('open', 'reopened')"

// isPendingSet reports whether sts is exactly the pending statuses, in any
// order and with repeats: the inbox's default list.
func isPendingSet(sts []domain.Status) bool {
	if len(sts) == 0 {
		return false
	}
	seen := map[domain.Status]bool{}
	for _, st := range sts {
		if !st.Pending() {
			return false
		}
		seen[st] = true
	}
	return len(seen) == len(pendingStatuses())
}

func statusStrings(sts []domain.Status) []string {
	out := make([]string, len(sts))
	for i, v := range sts {
		out[i] = string(v)
	}
	return out
}

// scopeClause restricts q to what sc may read; ok=false when sc matches
// nothing. It is authz.ReadScope's rule in SQL (TestScopeAgreesWithDecide).
func scopeClause(q *gorm.DB, sc authz.Scope) (*gorm.DB, bool) {
	if sc.All {
		return q, true
	}
	if sc.Empty() {
		return q, false
	}
	var conds []string
	var args []any
	if len(sc.Entities) > 0 {
		conds = append(conds, "entity IN ? OR responsible_entity IN ?")
		args = append(args, sc.Entities, sc.Entities)
	}
	if sc.FiledBy != "" {
		conds = append(conds, "filed_by_id = ?")
		args = append(args, sc.FiledBy)
	}
	if sc.Mobile != "" {
		// A mobile owns the tickets proven to be its own (authz's read rule).
		conds = append(conds, "(beneficiary_mobile = ? AND mobile_proven_at IS NOT NULL)")
		args = append(args, sc.Mobile)
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...), true
}

// OpenTicketNumbers lists, in number order after `after`, the tickets a policy
// roll-out must reach: those still waiting (open, reopened) or inside their
// objection window (answered).
func (s *Store) OpenTicketNumbers(ctx context.Context, after string, limit int) ([]string, error) {
	var out []string
	if err := s.openTickets(ctx, after, limit).Pluck("number", &out).Error; err != nil {
		return nil, fmt.Errorf("list open ticket numbers: %w", err)
	}
	return out, nil
}

// OpenTicketDeadlines pages, like OpenTicketNumbers, through the tickets a
// roll-out reaches, with what recomputing their running deadline needs. A
// caller walks all of them page by page (keyset on the number), never all at
// once.
func (s *Store) OpenTicketDeadlines(ctx context.Context, after string, limit int) ([]TicketDeadline, error) {
	var out []TicketDeadline
	if err := s.openTickets(ctx, after, limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: open ticket deadlines after %q: %w", after, err)
	}
	for i := range out {
		t := &out[i]
		t.SLADueAt = utc(t.SLADueAt)
		t.SLAStageStart = utcPtr(t.SLAStageStart)
		t.ObjectionUntil = utcPtr(t.ObjectionUntil)
		t.RespondedAt = utcPtr(t.RespondedAt)
		t.CreatedAt = utc(t.CreatedAt)
	}
	return out, nil
}

// Stage is where the ticket stands, for sla.Policy.Recompute. A row projected
// before migration 0005 has no stage start: in round 0 before any escalation
// the countdown ran from the filing, as the workflow's does; elsewhere the
// start is unknown and Recompute refuses it rather than guess.
func (t TicketDeadline) Stage() sla.Stage {
	s := sla.Stage{Kind: t.Kind, Priority: t.Priority, Status: t.Status, Round: t.Round,
		EscalationLevel: t.EscalationLevel, RespondedAt: t.RespondedAt,
		Paused: time.Duration(t.SLAPausedSeconds) * time.Second}
	switch {
	case t.SLAStageStart != nil:
		s.Start = *t.SLAStageStart
	case t.Round == 0 && t.EscalationLevel == 0:
		s.Start = t.CreatedAt
	}
	return s
}

// openTickets is one page of the tickets a roll-out reaches, in number order
// after `after`; limit outside 1..1000 means 1000.
func (s *Store) openTickets(ctx context.Context, after string, limit int) *gorm.DB {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	open := []string{string(domain.StatusOpen), string(domain.StatusReopened), string(domain.StatusAnswered),
		string(domain.StatusAwaitingInfo)}
	return s.rdb.WithContext(ctx).Model(&Ticket{}).
		Where("status IN ? AND number > ?", open, after).
		Order("number").Limit(limit)
}
