// Package faqbank is the FAQ bank as its administrators write it, whichever
// front end they use (the JSON API, the web pages): what an entry must be,
// and creating, replacing and deleting one, audited in the write's
// transaction and then applied to this process's search index (package
// faq), so a canned search finds an entry the moment it is saved.
package faqbank

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/texts"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

const (
	// MaxQuestion, MaxAnswer and MaxReference bound an entry's texts, in
	// runes after normalization.
	MaxQuestion  = 300
	MaxAnswer    = 4000
	MaxReference = 300
	// Zone is the ministry's day for review dates and helpful marks.
	Zone = "Asia/Riyadh"
	// FieldInvalidDate: not a date written YYYY-MM-DD.
	FieldInvalidDate = "invalid_date"
)

// TextCategory is what invalid_value means for a category.
var TextCategory = texts.Text{AR: "رمز التصنيف من 1 إلى 32 حرفاً من a-z أو 0-9 أو _ أو -.",
	EN: "The category is a code of 1 to 32 of a-z, 0-9, _ and -."}

// Entry is an entry as an administrator writes it. ReviewedOn "" is today:
// writing an entry is reviewing it. Active nil is true.
type Entry struct {
	QuestionAR, AnswerAR string
	QuestionEN, AnswerEN string
	Category, Reference  string
	ReviewedOn           string
	Active               *bool
}

// Service writes the bank.
type Service struct {
	store *store.Store
	audit *auditlog.Writer
	index *faq.Index
	log   *slog.Logger
	now   func() time.Time
}

// New is the service over st, applying writes to index (nil: none); now
// defaults to time.Now.
func New(st *store.Store, audit *auditlog.Writer, index *faq.Index, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, audit: audit, index: index, log: log, now: now}
}

// Today is the ministry's date now.
func (s *Service) Today() string {
	return s.now().In(sla.Zone(Zone)).Format(time.DateOnly)
}

// Check validates an entry and returns it normalized; the fields at fault
// are an Invalid refusal.
func (s *Service) Check(in Entry) (store.FAQContent, error) {
	out := store.FAQContent{
		QuestionAR: normalize.Text(in.QuestionAR), AnswerAR: normalize.Text(in.AnswerAR),
		QuestionEN: normalize.Text(in.QuestionEN), AnswerEN: normalize.Text(in.AnswerEN),
		Category: in.Category, Reference: normalize.Text(in.Reference), ReviewedOn: in.ReviewedOn,
		Active: in.Active == nil || *in.Active,
	}
	var errs []refusal.Field
	tickets.CheckText(&errs, "question_ar", out.QuestionAR, MaxQuestion, true)
	tickets.CheckText(&errs, "answer_ar", out.AnswerAR, MaxAnswer, true)
	// English is optional, but a question without its answer is no entry.
	english := out.QuestionEN != "" || out.AnswerEN != ""
	tickets.CheckText(&errs, "question_en", out.QuestionEN, MaxQuestion, english)
	tickets.CheckText(&errs, "answer_en", out.AnswerEN, MaxAnswer, english)
	tickets.CheckText(&errs, "reference", out.Reference, MaxReference, false)
	switch {
	case out.Category == "":
		errs = append(errs, refusal.Field{Name: "category", Code: refusal.FieldRequired})
	case !store.ValidFAQCategory(out.Category):
		errs = append(errs, refusal.Field{Name: "category", Code: refusal.FieldInvalidValue, Text: &TextCategory})
	}
	today := s.Today()
	if out.ReviewedOn == "" {
		out.ReviewedOn = today
	} else if _, err := time.Parse(time.DateOnly, out.ReviewedOn); err != nil {
		errs = append(errs, refusal.Field{Name: "reviewed_on", Code: FieldInvalidDate})
	} else if out.ReviewedOn > today {
		errs = append(errs, refusal.Field{Name: "reviewed_on", Code: refusal.FieldOutOfRange})
	}
	if len(errs) > 0 {
		return store.FAQContent{}, refusal.Fields(errs...)
	}
	return out, nil
}

// indexed brings this process's index up to date with a write; should that
// fail, the next poll rebuilds it (the write moved the bank's revision).
func (s *Service) indexed(apply func(*faq.Index) error) {
	if s.index == nil {
		return
	}
	if err := apply(s.index); err != nil {
		s.log.Warn("FAQ index not updated; the next poll rebuilds it", "error", err)
	}
}

// Create adds an entry, audited as faq.created. Refusals: Invalid with fields.
func (s *Service) Create(ctx context.Context, admin workflows.Actor, in Entry) (store.FAQEntry, error) {
	c, err := s.Check(in)
	if err != nil {
		return store.FAQEntry{}, err
	}
	var e store.FAQEntry
	err = s.audit.Audited(ctx, admin, auditlog.FAQCreated, "faq/new",
		map[string]any{"category": c.Category, "question_ar": c.QuestionAR, "active": c.Active}, func(ctx context.Context) error {
			var err error
			e, err = s.store.CreateFAQ(ctx, c, admin.ID, s.now())
			return err
		})
	if err != nil {
		return store.FAQEntry{}, fmt.Errorf("create FAQ entry: %w", err)
	}
	s.indexed(func(x *faq.Index) error { return x.Apply(e) })
	return e, nil
}

// Update replaces old's content, audited as faq.updated with the fields that
// changed. Refusals: Invalid with fields, NotFound (deleted meanwhile).
func (s *Service) Update(ctx context.Context, admin workflows.Actor, old store.FAQEntry, in Entry) (store.FAQEntry, error) {
	c, err := s.Check(in)
	if err != nil {
		return store.FAQEntry{}, err
	}
	var e store.FAQEntry
	err = s.audit.Audited(ctx, admin, auditlog.FAQUpdated, fmt.Sprintf("faq/%d", old.ID),
		map[string]any{"changed": changes(old, c)}, func(ctx context.Context) error {
			var err error
			e, err = s.store.UpdateFAQ(ctx, old.ID, c, admin.ID, s.now())
			return err
		})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.FAQEntry{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	case err != nil:
		return store.FAQEntry{}, fmt.Errorf("update FAQ entry %d: %w", old.ID, err)
	}
	s.indexed(func(x *faq.Index) error { return x.Apply(e) })
	return e, nil
}

// changes names the fields an edit changes.
func changes(old store.FAQEntry, in store.FAQContent) []string {
	changed := []string{}
	for _, f := range []struct {
		name     string
		was, now any
	}{
		{"question_ar", old.QuestionAR, in.QuestionAR}, {"answer_ar", old.AnswerAR, in.AnswerAR},
		{"question_en", old.QuestionEN, in.QuestionEN}, {"answer_en", old.AnswerEN, in.AnswerEN},
		{"category", old.Category, in.Category}, {"reference", old.Reference, in.Reference},
		{"reviewed_on", old.ReviewedOn, in.ReviewedOn}, {"active", old.Active, in.Active},
	} {
		if f.was != f.now {
			changed = append(changed, f.name)
		}
	}
	return changed
}

// Delete removes old, audited as faq.deleted with its question, so the log
// says what went. (Deactivating keeps an entry and its count instead.)
// Refusals: NotFound.
func (s *Service) Delete(ctx context.Context, admin workflows.Actor, old store.FAQEntry) error {
	err := s.audit.Audited(ctx, admin, auditlog.FAQDeleted, fmt.Sprintf("faq/%d", old.ID),
		map[string]any{"category": old.Category, "question_ar": old.QuestionAR, "helpful_count": old.HelpfulCount},
		func(ctx context.Context) error { return s.store.DeleteFAQ(ctx, old.ID) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	case err != nil:
		return fmt.Errorf("delete FAQ entry %d: %w", old.ID, err)
	}
	s.indexed(func(x *faq.Index) error { return x.Remove(old.ID) })
	return nil
}
