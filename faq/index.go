// Package faq searches the FAQ bank: an in-memory bleve index of the active
// entries, built from the read model, Arabic-aware (see analysis.go) for the
// Arabic fields and English for the English ones.
//
// Lifecycle. Each API process holds its own index. It is built from the store
// at the first use (the app builds it at start), brought up to date at once
// by the process's own writes (Apply, Remove), and rebuilt whole when the
// bank's revision counter (store.FAQRevision, bumped in every writing
// transaction) differs from the one it was built at; Run polls it. So with
// several API replicas an administrator's change shows on the replica that
// took it at once and on the others within one poll interval; no replica
// needs to reach another, and one that cannot read the store keeps answering
// from the index it has. A bank is hundreds of entries, so a rebuild is a few
// milliseconds and simpler to trust than shipping deltas between replicas.
package faq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/tawasul/tawasul/store"
)

const (
	// MaxQueryRunes bounds a search text: longer ones are refused, so one
	// request cannot make the index match thousands of terms.
	MaxQueryRunes = 200
	// DefaultLimit and MaxLimit bound the hits of one search.
	DefaultLimit = 5
	MaxLimit     = 20
	// PollEvery is how often Run checks for changes by other processes.
	PollEvery = 30 * time.Second

	// suggestRunes is how much of a ticket's description a suggestion reads:
	// its start says what it is about, and the work stays bounded.
	suggestRunes = 600
	// excerptRunes is the length of an answer's excerpt in a hit.
	excerptRunes = 160
	// questionBoost makes a match in a question count more than one in an answer.
	questionBoost = 3.0
)

// Languages of a search.
const (
	LangArabic  = "ar"
	LangEnglish = "en"
)

var (
	// ErrEmptyQuery: the search text has nothing to search for.
	ErrEmptyQuery = errors.New("faq: empty query")
	// ErrQueryTooLong: the search text is longer than MaxQueryRunes.
	ErrQueryTooLong = errors.New("faq: query too long")
)

// Source is where the index reads the bank (a *store.Store).
type Source interface {
	ActiveFAQ(ctx context.Context) ([]store.FAQEntry, int64, error)
	FAQRevision(ctx context.Context) (int64, error)
}

// Query is one search.
type Query struct {
	Text string
	// Lang is the language searched and answered in; "" takes the script
	// Text is written in (Arabic if it has any Arabic letter).
	Lang  string
	Limit int // 1..MaxLimit; 0 = DefaultLimit
}

// Hit is one entry found, in the language asked for (Lang says which: an
// entry without English answers in Arabic).
type Hit struct {
	ID       int64   `json:"id"`
	Lang     string  `json:"lang"`
	Question string  `json:"question"`
	Excerpt  string  `json:"excerpt"`
	Category string  `json:"category"`
	Score    float64 `json:"score"`
}

// Index is the searchable bank of one process. The zero value is not usable:
// call New.
type Index struct {
	src Source
	log *slog.Logger

	// writeMu serializes everything that changes the index (loads, rebuilds,
	// Apply, Remove), so a write applied while a rebuild reads the store is
	// applied to the index that rebuild installs, not to the one it replaces.
	writeMu sync.Mutex
	// mu guards gen: searches read under it, a swap or an edit takes it.
	mu  sync.RWMutex
	gen *generation // nil until the first load
}

// generation is one built index and the entries it holds.
type generation struct {
	idx      bleve.Index
	entries  map[int64]store.FAQEntry
	revision int64 // the bank's revision it was built at
}

// New returns an index over src; it loads at its first use (or Refresh).
func New(src Source, log *slog.Logger) *Index {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Index{src: src, log: log}
}

// Refresh rebuilds the index from the store, whatever its revision.
func (x *Index) Refresh(ctx context.Context) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	return x.rebuild(ctx)
}

// Sync rebuilds the index when the bank changed since it was built (or it
// never was), and reports whether it did.
func (x *Index) Sync(ctx context.Context) (bool, error) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	rev, err := x.src.FAQRevision(ctx)
	if err != nil {
		return false, fmt.Errorf("faq: sync: %w", err)
	}
	x.mu.RLock()
	current := x.gen != nil && x.gen.revision == rev
	x.mu.RUnlock()
	if current {
		return false, nil
	}
	return true, x.rebuild(ctx)
}

// Run keeps the index in step with changes made by other processes, checking
// every interval (PollEvery when 0) until ctx ends. A failed check is logged
// and the index in hand keeps answering.
func (x *Index) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = PollEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := x.Sync(ctx); err != nil && ctx.Err() == nil {
				x.log.Warn("refreshing the FAQ index", "error", err)
			} else if changed {
				x.log.Info("FAQ index rebuilt after a change elsewhere")
			}
		}
	}
}

// rebuild builds a new generation from the store and swaps it in; the caller
// holds writeMu.
func (x *Index) rebuild(ctx context.Context) error {
	entries, rev, err := x.src.ActiveFAQ(ctx)
	if err != nil {
		return fmt.Errorf("faq: load the bank: %w", err)
	}
	gen, err := build(entries, rev)
	if err != nil {
		return err
	}
	x.mu.Lock()
	old := x.gen
	x.gen = gen
	x.mu.Unlock()
	// No search holds old any more: each runs under mu.RLock.
	if old != nil {
		if err := old.idx.Close(); err != nil {
			x.log.Warn("closing the replaced FAQ index", "error", err)
		}
	}
	return nil
}

func build(entries []store.FAQEntry, rev int64) (*generation, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return nil, fmt.Errorf("faq: new index: %w", err)
	}
	gen := &generation{idx: idx, entries: make(map[int64]store.FAQEntry, len(entries)), revision: rev}
	b := idx.NewBatch()
	for _, e := range entries {
		if !e.Active {
			continue
		}
		if err := b.Index(docID(e.ID), document(e)); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("faq: index entry %d: %w", e.ID, err)
		}
		gen.entries[e.ID] = e
	}
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("faq: build the index: %w", err)
	}
	return gen, nil
}

func docID(id int64) string { return strconv.FormatInt(id, 10) }

func document(e store.FAQEntry) map[string]any {
	return map[string]any{
		fieldQuestionAR: e.QuestionAR, fieldAnswerAR: e.AnswerAR,
		fieldQuestionEN: e.QuestionEN, fieldAnswerEN: e.AnswerEN,
	}
}

// edit runs fn on the current generation with every other use of the index
// held off; before the first load there is nothing to edit (that load reads
// the store, which already has the change).
func (x *Index) edit(fn func(g *generation) error) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.gen == nil {
		return nil
	}
	return fn(x.gen)
}

// Apply brings the index up to date with an entry this process just wrote
// (an inactive one leaves it).
func (x *Index) Apply(e store.FAQEntry) error {
	return x.edit(func(g *generation) error {
		if !e.Active {
			return g.remove(e.ID)
		}
		if err := g.idx.Index(docID(e.ID), document(e)); err != nil {
			return fmt.Errorf("faq: index entry %d: %w", e.ID, err)
		}
		g.entries[e.ID] = e
		return nil
	})
}

// Remove drops entry id from the index (this process deleted it).
func (x *Index) Remove(id int64) error {
	return x.edit(func(g *generation) error { return g.remove(id) })
}

func (g *generation) remove(id int64) error {
	if err := g.idx.Delete(docID(id)); err != nil {
		return fmt.Errorf("faq: remove entry %d: %w", id, err)
	}
	delete(g.entries, id)
	return nil
}

// Close releases the index; a later use loads it again.
func (x *Index) Close() error {
	err := x.edit(func(g *generation) error {
		x.gen = nil
		return g.idx.Close()
	})
	if err != nil {
		return fmt.Errorf("faq: close: %w", err)
	}
	return nil
}

// Size is the number of entries the index holds (0 before the first load).
func (x *Index) Size() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.gen == nil {
		return 0
	}
	return len(x.gen.entries)
}

// Search finds the active entries matching q, best first.
func (x *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	text := strings.TrimSpace(q.Text)
	switch {
	case text == "":
		return nil, ErrEmptyQuery
	case utf8.RuneCountInString(text) > MaxQueryRunes:
		return nil, ErrQueryTooLong
	case q.Lang != "" && q.Lang != LangArabic && q.Lang != LangEnglish:
		return nil, fmt.Errorf("faq: unknown language %q", q.Lang)
	case q.Limit < 0 || q.Limit > MaxLimit:
		return nil, fmt.Errorf("faq: limit %d out of 1..%d", q.Limit, MaxLimit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	return x.search(ctx, text, q.Lang, limit)
}

// Suggest finds up to n active entries that may answer a ticket being
// filed, from its subject and the start of its description.
func (x *Index) Suggest(ctx context.Context, subject, description string, n int) ([]Hit, error) {
	text := strings.TrimSpace(subject + "\n" + firstRunes(description, suggestRunes))
	if text == "" || n <= 0 {
		return nil, nil
	}
	return x.search(ctx, text, "", min(n, MaxLimit))
}

func (x *Index) search(ctx context.Context, text, lang string, limit int) ([]Hit, error) {
	if err := x.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	// Without a language, the script of the text says which fields can
	// match it at all: Arabic words never match the English fields' terms,
	// nor Latin words the Arabic answers'. Half the fields, half the work.
	if lang == "" {
		lang = LangEnglish
		if hasArabic(text) {
			lang = LangArabic
		}
	}
	var fields []query.Query
	match := func(field string, boost float64) {
		// Each match query analyzes the text with its field's analyzer.
		m := bleve.NewMatchQuery(text)
		m.SetField(field)
		m.SetBoost(boost)
		fields = append(fields, m)
	}
	if lang == LangArabic {
		match(fieldQuestionAR, questionBoost)
		match(fieldAnswerAR, 1)
	} else {
		match(fieldQuestionEN, questionBoost)
		match(fieldAnswerEN, 1)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(fields...), limit, 0, false)

	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.gen == nil { // closed meanwhile
		return nil, errors.New("faq: index closed")
	}
	res, err := x.gen.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("faq: search: %w", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("faq: search: document id %q: %w", h.ID, err)
		}
		e, ok := x.gen.entries[id]
		if !ok {
			continue
		}
		hits = append(hits, present(e, lang, h.Score))
	}
	return hits, nil
}

// ensureLoaded builds the index at its first use.
func (x *Index) ensureLoaded(ctx context.Context) error {
	x.mu.RLock()
	loaded := x.gen != nil
	x.mu.RUnlock()
	if loaded {
		return nil
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	loaded = x.gen != nil
	x.mu.RUnlock()
	if loaded {
		return nil
	}
	return x.rebuild(ctx)
}

func present(e store.FAQEntry, lang string, score float64) Hit {
	h := Hit{ID: e.ID, Lang: LangArabic, Question: e.QuestionAR, Excerpt: Excerpt(e.AnswerAR), Category: e.Category, Score: score}
	if lang == LangEnglish && e.QuestionEN != "" && e.AnswerEN != "" {
		h.Lang, h.Question, h.Excerpt = LangEnglish, e.QuestionEN, Excerpt(e.AnswerEN)
	}
	return h
}

// hasArabic reports whether s has any letter of the Arabic script.
func hasArabic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) })
}

// Excerpt is the start of an answer on one line, cut at a word boundary
// with an ellipsis when longer than a hit shows.
func Excerpt(answer string) string {
	s := strings.Join(strings.Fields(answer), " ")
	if utf8.RuneCountInString(s) <= excerptRunes {
		return s
	}
	cut := firstRunes(s, excerptRunes)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ،,.؛;:") + "…"
}

// firstRunes is s cut to at most n runes.
func firstRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
