package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
)

// SearchFilter is one staff search of the tickets: exactly one of Number,
// NationalID, Mobile and Words says what is looked for.
type SearchFilter struct {
	// Scope is what the searcher may read (authz.ReadScope); the zero Scope
	// matches nothing, as in TicketFilter.
	Scope authz.Scope
	// Number, NationalID and Mobile match exactly, as intake stores them
	// ("2026-000123", 10 digits, E.164).
	Number     string
	NationalID string
	Mobile     string
	// Words are folded by normalize.Fold, each one word (no space); a ticket
	// matches when its subject or description holds every one of them, as
	// a word or inside one.
	Words  []string
	Cursor string // opaque, from Page.NextCursor
	Limit  int    // 1..200, default 50
}

// ErrBadSearch: a SearchFilter that does not say one thing to look for, or
// a word that is not folded.
var ErrBadSearch = errors.New("store: bad search")

// searchText is what the search column keeps of a ticket's text.
func searchText(subject, description string) string {
	return normalize.Fold(subject + "\n" + description)
}

// SearchTickets returns one keyset page of the tickets in f.Scope matching
// f, newest first (created_at, number descending). The exact lookups run on
// indexes (the primary key, 0007's mobile index, 0025's national ID index);
// words run on 0025's trigram index on PostgreSQL and scan on SQLite.
func (s *Store) SearchTickets(ctx context.Context, f SearchFilter) (Page, error) {
	q, err := searchClause(s.rdb.WithContext(ctx), f)
	if err != nil {
		return Page{}, err
	}
	limit := clampLimit(f.Limit)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		q = q.Where("(created_at, number) < (?, ?)", c.At, c.Number)
	}
	q, ok := scopeClause(q, f.Scope)
	if !ok {
		return Page{}, nil
	}
	var ts []Ticket
	if err := q.Order("created_at DESC, number DESC").Limit(limit + 1).Find(&ts).Error; err != nil {
		return Page{}, fmt.Errorf("store: search tickets: %w", err)
	}
	return pageOf(ts, limit, func(t Ticket) time.Time { return t.CreatedAt }), nil
}

// searchClause is f's condition on what is looked for.
func searchClause(q *gorm.DB, f SearchFilter) (*gorm.DB, error) {
	given := 0
	for _, set := range []bool{f.Number != "", f.NationalID != "", f.Mobile != "", len(f.Words) > 0} {
		if set {
			given++
		}
	}
	if given != 1 {
		return nil, fmt.Errorf("%w: %d things to look for, want one", ErrBadSearch, given)
	}
	switch {
	case f.Number != "":
		return q.Where("number = ?", f.Number), nil
	case f.NationalID != "":
		return q.Where("beneficiary_national_id = ?", f.NationalID), nil
	case f.Mobile != "":
		return q.Where("beneficiary_mobile = ?", f.Mobile), nil
	}
	for _, w := range f.Words {
		// A folded word has no space, and so none of LIKE's wildcards
		// either (Fold turns them into separators): no escaping needed.
		if w == "" || normalize.Fold(w) != w || strings.Contains(w, " ") {
			return nil, fmt.Errorf("%w: %q is not one folded word", ErrBadSearch, w)
		}
		q = q.Where("search_text LIKE ?", "%"+w+"%")
	}
	return q, nil
}

// backfillTicketSearch folds the text of the tickets migration 0025 finds
// (its Go step, see backfills), a page at a time in number order.
func backfillTicketSearch(tx *gorm.DB) error {
	type row struct{ Number, Subject, Description string }
	after := ""
	for {
		var rows []row
		if err := tx.Raw(`SELECT number, subject, description FROM tickets WHERE number > ? ORDER BY number LIMIT 500`,
			after).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read tickets after %q: %w", after, err)
		}
		for _, r := range rows {
			if err := tx.Exec(`UPDATE tickets SET search_text = ? WHERE number = ?`,
				searchText(r.Subject, r.Description), r.Number).Error; err != nil {
				return fmt.Errorf("fold ticket %s: %w", r.Number, err)
			}
		}
		if len(rows) < 500 {
			return nil
		}
		after = rows[len(rows)-1].Number
	}
}
