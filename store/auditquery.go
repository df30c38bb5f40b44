package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditFilter chooses audit entries for a reader of the log; zero fields
// choose everything.
type AuditFilter struct {
	ActorID string // exactly this actor ("account:sara")
	Action  string // exactly this action ("history.read")
	// SubjectPrefix: subjects starting with it, taken literally ("ticket/"
	// matches every ticket; % and _ are not wildcards).
	SubjectPrefix string
	// From (inclusive) and To (exclusive) bound the entries' time.
	From, To time.Time
	// Before is the keyset cursor: only entries with ids below it (0: from
	// the newest).
	Before int64
	// Limit is how many entries at most, 1..1000.
	Limit int
}

// FindAudit returns the entries f chooses, newest first (by id, which is the
// order they were appended in). The next page is the same filter with Before
// set to the last entry's id.
func (s *Store) FindAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, fmt.Errorf("store: find audit: limit %d out of 1..1000", f.Limit)
	}
	q := s.rdb.WithContext(ctx).Model(&AuditEntry{})
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.SubjectPrefix != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.SubjectPrefix)
		q = q.Where(`subject LIKE ? ESCAPE '\'`, esc+"%")
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", utc(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", utc(f.To))
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	rows := []AuditEntry{}
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: find audit: %w", err)
	}
	for i := range rows {
		rows[i].At = utc(rows[i].At)
	}
	return rows, nil
}
