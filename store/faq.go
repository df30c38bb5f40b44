package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FAQEntry is one question and its answer in the FAQ bank. Arabic is
// required, English optional; ReviewedOn is a calendar day, YYYY-MM-DD.
type FAQEntry struct {
	ID           int64  `gorm:"primaryKey"`
	QuestionAR   string `gorm:"not null"`
	AnswerAR     string `gorm:"not null"`
	QuestionEN   string `gorm:"not null"`
	AnswerEN     string `gorm:"not null"`
	Category     string `gorm:"size:32;not null"`
	Reference    string `gorm:"not null"` // the regulation or circular the answer rests on
	ReviewedOn   string `gorm:"size:10;not null"`
	Active       bool   `gorm:"not null"`
	HelpfulCount int64  `gorm:"not null"` // times a reader said the entry answered their question
	CreatedBy    string `gorm:"not null"` // actor IDs
	UpdatedBy    string `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (FAQEntry) TableName() string { return "faq_entries" }

// FAQContent is what an administrator writes of an entry.
type FAQContent struct {
	QuestionAR, AnswerAR string
	QuestionEN, AnswerEN string
	Category, Reference  string
	ReviewedOn           string
	Active               bool
}

// FAQFilter selects a page of the bank for its administrators.
type FAQFilter struct {
	Category string // "" = every category
	Active   *bool  // nil = active and inactive
	AfterID  int64  // keyset: entries with a larger id
	Limit    int    // 1..200; 0 = 50
}

// FAQPage is one page of ListFAQ; Next is the AfterID of the next page, 0 on the last.
type FAQPage struct {
	Entries []FAQEntry
	Next    int64
}

// lockFAQSeed is the advisory lock class (see migrate.go) that serializes
// seeding the bank; numbered apart from that list so branches adding classes
// there do not collide with it.
const lockFAQSeed = 7280

var (
	dayPattern      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	categoryPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// ValidFAQCategory reports whether s can be a category code: 1 to 32 of
// a-z, 0-9, _ and -, starting with a letter or digit. Codes, not names, so
// the portal can show each in the reader's language.
func ValidFAQCategory(s string) bool { return categoryPattern.MatchString(s) }

func (c FAQContent) check() error {
	switch {
	case c.QuestionAR == "" || c.AnswerAR == "":
		return errors.New("the Arabic question and answer are required")
	case !ValidFAQCategory(c.Category):
		return fmt.Errorf("category %q is not a code of a-z, 0-9, _ and -", c.Category)
	case !dayPattern.MatchString(c.ReviewedOn):
		return fmt.Errorf("reviewed_on %q is not a day YYYY-MM-DD", c.ReviewedOn)
	}
	return nil
}

// newEntry is c as a new row written by by at at.
func (c FAQContent) newEntry(by string, at time.Time) FAQEntry {
	return FAQEntry{
		QuestionAR: c.QuestionAR, AnswerAR: c.AnswerAR, QuestionEN: c.QuestionEN, AnswerEN: c.AnswerEN,
		Category: c.Category, Reference: c.Reference, ReviewedOn: c.ReviewedOn, Active: c.Active,
		CreatedBy: by, UpdatedBy: by, CreatedAt: utc(at), UpdatedAt: utc(at),
	}
}

func normalizeFAQ(e *FAQEntry) {
	e.CreatedAt, e.UpdatedAt = utc(e.CreatedAt), utc(e.UpdatedAt)
}

// bumpFAQRevision marks inside tx that the bank changed, for the search
// indexes of every process (FAQRevision).
func bumpFAQRevision(tx *gorm.DB) error {
	if err := tx.Exec(`UPDATE faq_revision SET revision = revision + 1 WHERE id = 1`).Error; err != nil {
		return fmt.Errorf("bump FAQ revision: %w", err)
	}
	return nil
}

// CreateFAQ adds an entry written by the actor by at at. Under WithAudit the
// entry's audit record (subject faq/<id>) commits with it.
func (s *Store) CreateFAQ(ctx context.Context, c FAQContent, by string, at time.Time) (FAQEntry, error) {
	if err := c.check(); err != nil {
		return FAQEntry{}, fmt.Errorf("store: create FAQ entry: %w", err)
	}
	e := c.newEntry(by, at)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		setAuditSubject(ctx, fmt.Sprintf("faq/%d", e.ID))
		return bumpFAQRevision(tx)
	})
	if err != nil {
		return FAQEntry{}, fmt.Errorf("store: create FAQ entry: %w", err)
	}
	return e, nil
}

// UpdateFAQ replaces the content of entry id; its helpful count and creation
// stay. ErrNotFound for an unknown id.
func (s *Store) UpdateFAQ(ctx context.Context, id int64, c FAQContent, by string, at time.Time) (FAQEntry, error) {
	if err := c.check(); err != nil {
		return FAQEntry{}, fmt.Errorf("store: update FAQ entry %d: %w", id, err)
	}
	var e FAQEntry
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&FAQEntry{}).Where("id = ?", id).Updates(map[string]any{
			"question_ar": c.QuestionAR, "answer_ar": c.AnswerAR, "question_en": c.QuestionEN, "answer_en": c.AnswerEN,
			"category": c.Category, "reference": c.Reference, "reviewed_on": c.ReviewedOn, "active": c.Active,
			"updated_by": by, "updated_at": utc(at),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Where("id = ?", id).Take(&e).Error; err != nil {
			return err
		}
		return bumpFAQRevision(tx)
	})
	if err != nil {
		return FAQEntry{}, fmt.Errorf("store: update FAQ entry %d: %w", id, err)
	}
	normalizeFAQ(&e)
	return e, nil
}

// DeleteFAQ removes entry id and its helpful marks. ErrNotFound for an unknown id.
func (s *Store) DeleteFAQ(ctx context.Context, id int64) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// The marks go explicitly: ON DELETE CASCADE would do it, but only
		// while SQLite's foreign_keys pragma is on.
		if err := tx.Exec(`DELETE FROM faq_helpful_marks WHERE entry_id = ?`, id).Error; err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM faq_entries WHERE id = ?`, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return bumpFAQRevision(tx)
	})
	if err != nil {
		return fmt.Errorf("store: delete FAQ entry %d: %w", id, err)
	}
	return nil
}

// GetFAQ reads entry id, active or not. ErrNotFound for an unknown id.
func (s *Store) GetFAQ(ctx context.Context, id int64) (FAQEntry, error) {
	var e FAQEntry
	err := s.rdb.WithContext(ctx).Where("id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return FAQEntry{}, fmt.Errorf("store: FAQ entry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return FAQEntry{}, fmt.Errorf("store: FAQ entry %d: %w", id, err)
	}
	normalizeFAQ(&e)
	return e, nil
}

// ListFAQ lists the bank by id, a page at a time.
func (s *Store) ListFAQ(ctx context.Context, f FAQFilter) (FAQPage, error) {
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return FAQPage{}, fmt.Errorf("store: list FAQ: limit %d out of 1..200", limit)
	}
	q := s.rdb.WithContext(ctx).Where("id > ?", f.AfterID)
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	var es []FAQEntry
	if err := q.Order("id").Limit(limit + 1).Find(&es).Error; err != nil {
		return FAQPage{}, fmt.Errorf("store: list FAQ: %w", err)
	}
	page := FAQPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = es[limit-1].ID
	}
	for i := range page.Entries {
		normalizeFAQ(&page.Entries[i])
	}
	return page, nil
}

// FAQRevision is the bank's change counter: it differs from a value read
// earlier exactly when an entry was created, edited or deleted since.
func (s *Store) FAQRevision(ctx context.Context) (int64, error) {
	var rev []int64
	if err := s.rdb.WithContext(ctx).Raw(`SELECT revision FROM faq_revision WHERE id = 1`).Scan(&rev).Error; err != nil {
		return 0, fmt.Errorf("store: FAQ revision: %w", err)
	}
	if len(rev) == 0 {
		return 0, errors.New("store: FAQ revision: the faq_revision row is missing")
	}
	return rev[0], nil
}

// ActiveFAQ returns every active entry and the revision they are at least as
// new as. The revision is read first: a change committed between the two
// reads makes the next FAQRevision differ, so a poller catches up on it
// rather than believing it has it.
func (s *Store) ActiveFAQ(ctx context.Context) ([]FAQEntry, int64, error) {
	rev, err := s.FAQRevision(ctx)
	if err != nil {
		return nil, 0, err
	}
	var es []FAQEntry
	if err := s.rdb.WithContext(ctx).Where("active = ?", true).Order("id").Find(&es).Error; err != nil {
		return nil, 0, fmt.Errorf("store: active FAQ entries: %w", err)
	}
	for i := range es {
		normalizeFAQ(&es[i])
	}
	return es, rev, nil
}

// errAlreadyMarked rolls back a helpful count already given today.
var errAlreadyMarked = errors.New("already marked")

// MarkFAQHelpful counts once that entry id answered voter's question on day
// (YYYY-MM-DD): the count and the mark that stops a second count that day
// commit together. counted is false when voter already marked it that day.
// ErrNotFound when the entry is missing or inactive.
func (s *Store) MarkFAQHelpful(ctx context.Context, id int64, voter, day string) (counted bool, err error) {
	if len(voter) != 64 || !dayPattern.MatchString(day) {
		return false, errors.New("store: mark FAQ entry helpful: voter must be a 64-digit hash and day YYYY-MM-DD")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE faq_entries SET helpful_count = helpful_count + 1 WHERE id = ? AND active = ?`, id, true)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		mark := tx.Clauses(clause.OnConflict{DoNothing: true}).Table("faq_helpful_marks").
			Create(map[string]any{"entry_id": id, "voter": voter, "day": day})
		if mark.Error != nil {
			return mark.Error
		}
		if mark.RowsAffected == 0 {
			return errAlreadyMarked
		}
		return nil
	})
	switch {
	case errors.Is(err, errAlreadyMarked):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: mark FAQ entry %d helpful: %w", id, err)
	}
	return true, nil
}

// PurgeFAQMarks deletes the helpful marks of days before day (YYYY-MM-DD):
// once a day is over they stop nothing.
func (s *Store) PurgeFAQMarks(ctx context.Context, day string) (int64, error) {
	if !dayPattern.MatchString(day) {
		return 0, fmt.Errorf("store: purge FAQ marks: day %q is not YYYY-MM-DD", day)
	}
	res := s.db.WithContext(ctx).Exec(`DELETE FROM faq_helpful_marks WHERE day < ?`, day)
	if res.Error != nil {
		return 0, fmt.Errorf("store: purge FAQ marks: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// SeedFAQ loads entries into an empty bank, written by by at at, and reports
// how many it added: none when the bank has any entry, so an administrator's
// bank (deletions included) is never topped up with the demo's again.
func (s *Store) SeedFAQ(ctx context.Context, entries []FAQContent, by string, at time.Time) (int, error) {
	for i, c := range entries {
		if err := c.check(); err != nil {
			return 0, fmt.Errorf("store: seed FAQ entry %d: %w", i+1, err)
		}
	}
	added := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Two processes seeding one empty bank would otherwise both see it empty.
		if err := s.xactLock(tx, lockFAQSeed); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&FAQEntry{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 || len(entries) == 0 {
			return nil
		}
		rows := make([]FAQEntry, len(entries))
		for i, c := range entries {
			rows[i] = c.newEntry(by, at)
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		added = len(rows)
		return bumpFAQRevision(tx)
	})
	if err != nil {
		return 0, fmt.Errorf("store: seed FAQ: %w", err)
	}
	return added, nil
}
