package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/faqbank"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// The FAQ bank: searched by the public portal before a ticket is filed and by
// agents on a call, written by administrators.

const (
	// suggestionCount is how many entries a filing suggests.
	suggestionCount = 3
	// faqZone is the ministry's day for review dates and helpful marks.
	faqZone = faqbank.Zone
)

// faqJSON is an entry. The fields after HelpfulCount are for administrators
// only: who wrote an entry is staff business.
type faqJSON struct {
	ID           int64      `json:"id"`
	QuestionAR   string     `json:"question_ar"`
	AnswerAR     string     `json:"answer_ar"`
	QuestionEN   string     `json:"question_en,omitempty"`
	AnswerEN     string     `json:"answer_en,omitempty"`
	Category     string     `json:"category"`
	Reference    string     `json:"reference"`
	ReviewedOn   string     `json:"reviewed_on"`
	HelpfulCount int64      `json:"helpful_count"`
	Active       *bool      `json:"active,omitempty"`
	CreatedBy    string     `json:"created_by,omitempty"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

func viewFAQ(e store.FAQEntry, admin bool) faqJSON {
	v := faqJSON{ID: e.ID, QuestionAR: e.QuestionAR, AnswerAR: e.AnswerAR, QuestionEN: e.QuestionEN, AnswerEN: e.AnswerEN,
		Category: e.Category, Reference: e.Reference, ReviewedOn: e.ReviewedOn, HelpfulCount: e.HelpfulCount}
	if admin {
		created, updated := e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		v.Active, v.CreatedBy, v.UpdatedBy, v.CreatedAt, v.UpdatedAt = &e.Active, e.CreatedBy, e.UpdatedBy, &created, &updated
	}
	return v
}

func isAdmin(c *gin.Context) bool {
	actor, ok := staffActor(c)
	return ok && actor.Role == domain.RoleAdmin
}

// limitAnonymous applies the per-address limit to callers without a staff
// token: a whole call center sits behind one address, and its agents search
// the bank all day.
func (a *API) limitAnonymous(l *ipLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, staff := staffActor(c); !staff {
			if err := a.rateLimit(c, l); err != nil {
				a.fail(c, err)
				return
			}
		}
		c.Next()
	}
}

// faqLang reads ?lang=: "", "ar" or "en".
func faqLang(v string) (string, []fieldErr) {
	switch v {
	case "", faq.LangArabic, faq.LangEnglish:
		return v, nil
	}
	return "", []fieldErr{{field: "lang", code: fieldNotInList}}
}

// searchFAQ: GET /faq/search?q=&lang=&limit= — the bank's active entries
// matching q, best first.
func (a *API) searchFAQ(c *gin.Context) error {
	q := c.Request.URL.Query()
	errs := onlyParams(q, "q", "lang", "limit")
	text := normalize.Text(q.Get("q"))
	switch {
	case text == "":
		errs = append(errs, fieldErr{field: "q", code: fieldRequired})
	case utf8.RuneCountInString(text) > faq.MaxQueryRunes:
		errs = append(errs, fieldErr{field: "q", code: fieldTooLong})
	}
	lang, lerrs := faqLang(q.Get("lang"))
	errs = append(errs, lerrs...)
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > faq.MaxLimit {
			errs = append(errs, fieldErr{field: "limit", code: fieldOutOfRange})
		}
		limit = n
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	hits, err := a.faq.Search(c.Request.Context(), faq.Query{Text: text, Lang: lang, Limit: limit})
	if err != nil {
		return fmt.Errorf("search the FAQ: %w", err)
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": hits})
}

// suggestFAQ: GET /faq/suggest?subject=&description= — what the portal
// shows while a ticket is being written: entries that may already answer it.
func (a *API) suggestFAQ(c *gin.Context) error {
	q := c.Request.URL.Query()
	errs := onlyParams(q, "subject", "description")
	subject, description := normalize.Text(q.Get("subject")), normalize.Text(q.Get("description"))
	checkText(&errs, "subject", subject, maxSubject, false)
	checkText(&errs, "description", description, maxDescription, false)
	if subject == "" && description == "" {
		errs = append(errs, fieldErr{field: "subject", code: fieldRequired})
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	hits, err := a.faq.Suggest(c.Request.Context(), subject, description, suggestionCount)
	if err != nil {
		return fmt.Errorf("suggest from the FAQ: %w", err)
	}
	if hits == nil {
		hits = []faq.Hit{}
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": hits})
}

// suggestFor is what a filing's answer suggests; a failure only costs the
// suggestions, never the filing.
func (a *API) suggestFor(ctx context.Context, requestID, subject, description string) []faq.Hit {
	hits, err := a.faq.Suggest(ctx, subject, description, suggestionCount)
	if err != nil {
		a.log.Warn("FAQ suggestions for a filing", "error", err, "request_id", requestID)
		return nil
	}
	return hits
}

// suggestAhead starts looking for a filing's suggestions while the ticket is
// written and its workflow started, so the search costs the filing no time
// of its own; the returned function waits for them.
func (a *API) suggestAhead(c *gin.Context, subject, description string) func() []faq.Hit {
	ctx, requestID := c.Request.Context(), c.GetString(requestIDKey)
	done := make(chan []faq.Hit, 1)
	go func() { done <- a.suggestFor(ctx, requestID, subject, description) }()
	return func() []faq.Hit { return <-done }
}

// faqID reads :id; anything but a positive number is a 404, as for a missing entry.
func faqID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, problem(http.StatusNotFound, codeNotFound)
	}
	return id, nil
}

// loadFAQ reads entry :id; an inactive one exists for administrators only.
func (a *API) loadFAQ(c *gin.Context) (store.FAQEntry, error) {
	id, err := faqID(c)
	if err != nil {
		return store.FAQEntry{}, err
	}
	e, err := a.store.GetFAQ(c.Request.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound), err == nil && !e.Active && !isAdmin(c):
		return store.FAQEntry{}, problem(http.StatusNotFound, codeNotFound)
	case err != nil:
		return store.FAQEntry{}, fmt.Errorf("load FAQ entry %d: %w", id, err)
	}
	return e, nil
}

// getFAQ: GET /faq/{id} — one entry, whole.
func (a *API) getFAQ(c *gin.Context) error {
	e, err := a.loadFAQ(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, viewFAQ(e, isAdmin(c)))
}

// markFAQHelpful: POST /faq/{id}/helpful — the entry answered the caller's
// question. Open to the public (the portal asks "did this answer you?") but
// counted once per caller, entry and day: a staff member by their identity,
// anyone else by their address, each as a keyed hash.
func (a *API) markFAQHelpful(c *gin.Context) error {
	id, err := faqID(c)
	if err != nil {
		return err
	}
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		return err
	}
	voter := a.keys.Hash("tawasul faq helpful v1", "address", c.ClientIP())
	if actor, staff := staffActor(c); staff {
		voter = a.keys.Hash("tawasul faq helpful v1", "staff", actor.ID)
	}
	day := a.now().In(sla.Zone(faqZone)).Format(time.DateOnly)
	counted, err := a.store.MarkFAQHelpful(c.Request.Context(), id, voter, day)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem(http.StatusNotFound, codeNotFound)
	case err != nil:
		return fmt.Errorf("mark FAQ entry %d helpful: %w", id, err)
	}
	return writeJSON(c, http.StatusOK, gin.H{"id": id, "counted": counted})
}

// listFAQ: GET /faq — the whole bank, inactive entries included, by id (admins).
func (a *API) listFAQ(c *gin.Context) error {
	q := c.Request.URL.Query()
	errs := onlyParams(q, "category", "active", "cursor", "limit")
	f := store.FAQFilter{Category: q.Get("category")}
	if f.Category != "" && !store.ValidFAQCategory(f.Category) {
		errs = append(errs, fieldErr{field: "category", code: fieldInvalidValue, text: &faqbank.TextCategory})
	}
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fieldErr{field: "active", code: fieldWrongType})
		}
		f.Active = &b
	}
	limit, lerrs := limitParam(q)
	f.Limit = limit
	errs = append(errs, lerrs...)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return problem(http.StatusBadRequest, codeBadCursor)
		}
		f.AfterID = n
	}
	page, err := a.store.ListFAQ(c.Request.Context(), f)
	if err != nil {
		return fmt.Errorf("list FAQ: %w", err)
	}
	items := make([]faqJSON, 0, len(page.Entries))
	for _, e := range page.Entries {
		items = append(items, viewFAQ(e, true))
	}
	next := ""
	if page.Next > 0 {
		next = strconv.FormatInt(page.Next, 10)
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// faqIn is an entry as an administrator writes it (POST creates, PUT
// replaces). reviewed_on defaults to today: writing an entry is reviewing it.
type faqIn struct {
	QuestionAR string `json:"question_ar"`
	AnswerAR   string `json:"answer_ar"`
	QuestionEN string `json:"question_en"`
	AnswerEN   string `json:"answer_en"`
	Category   string `json:"category"`
	Reference  string `json:"reference"`
	ReviewedOn string `json:"reviewed_on"`
	Active     *bool  `json:"active"`
}

// faqEntry decodes an entry as written (faqbank validates it).
func faqEntry(c *gin.Context) (faqbank.Entry, error) {
	var in faqIn
	if err := decodeJSON(c, &in, false); err != nil {
		return faqbank.Entry{}, err
	}
	return faqbank.Entry{QuestionAR: in.QuestionAR, AnswerAR: in.AnswerAR, QuestionEN: in.QuestionEN,
		AnswerEN: in.AnswerEN, Category: in.Category, Reference: in.Reference, ReviewedOn: in.ReviewedOn,
		Active: in.Active}, nil
}

// createFAQ: POST /faq (admins), audited as faq.created (faqbank.Create).
func (a *API) createFAQ(c *gin.Context) error {
	in, err := faqEntry(c)
	if err != nil {
		return err
	}
	actor, _ := staffActor(c)
	e, err := a.faqBank.Create(c.Request.Context(), actor, in)
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/faq/%d", e.ID))
	return writeJSON(c, http.StatusCreated, viewFAQ(e, true))
}

// updateFAQ: PUT /faq/{id} (admins) replaces the entry's content, audited as
// faq.updated with the fields that changed (faqbank.Update).
func (a *API) updateFAQ(c *gin.Context) error {
	old, err := a.loadFAQ(c)
	if err != nil {
		return err
	}
	in, err := faqEntry(c)
	if err != nil {
		return err
	}
	actor, _ := staffActor(c)
	e, err := a.faqBank.Update(c.Request.Context(), actor, old, in)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, viewFAQ(e, true))
}

// deleteFAQ: DELETE /faq/{id} (admins), audited as faq.deleted with the
// question, so the log says what went. Deactivating (PUT active=false)
// keeps an entry and its count instead.
func (a *API) deleteFAQ(c *gin.Context) error {
	old, err := a.loadFAQ(c)
	if err != nil {
		return err
	}
	actor, _ := staffActor(c)
	if err := a.faqBank.Delete(c.Request.Context(), actor, old); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
