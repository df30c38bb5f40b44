package tickets

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// SearchKind is what a search's text was taken for, by its shape.
type SearchKind string

const (
	SearchNumber     SearchKind = "number"      // a ticket number: 2026-000123
	SearchNationalID SearchKind = "national_id" // 10 digits starting with 1 or 2
	SearchMobile     SearchKind = "mobile"      // a Saudi mobile in any form intake takes
	SearchWords      SearchKind = "words"       // anything else: words of the subject or description
)

// Limits of a search's text.
const (
	// MaxSearchText is the longest text searched, in runes (a subject line).
	MaxSearchText = MaxSubject
	// maxSearchWords bounds the LIKEs of one query; the longest words, the
	// most selective, are kept.
	maxSearchWords = 8
	// minSearchWord is the shortest word searched: one letter matches
	// nearly every ticket, and no trigram.
	minSearchWord = 2
)

// AuditTicketsSearched is the audit action of a search by national ID or
// mobile: a lookup of a person.
const AuditTicketsSearched = "tickets.searched"

// SearchQuery is a staff search as sent: the text typed, the cursor of the
// page before (from SearchPage.NextCursor) and the page size (1..200,
// default 50).
type SearchQuery struct {
	Text, Cursor string
	Limit        int
}

// SearchPage is one page of what a search found, newest first.
type SearchPage struct {
	Kind       SearchKind
	Tickets    []store.Ticket
	NextCursor string // "" on the last page
}

// Search finds the tickets actor may read (authz.ReadScope) matching
// q.Text, taken by its shape for a ticket number, a national ID, a mobile or
// words (see SearchKind). A search by national ID or mobile looks a person
// up: it is written to the audit log (who, and a keyed hash of whom) before
// anything is searched, and without that record nothing is returned. Bad
// text is an Invalid refusal on field q; a cursor that cannot be read wraps
// store.ErrBadCursor.
func (s *Service) Search(ctx context.Context, actor workflows.Actor, q SearchQuery) (SearchPage, error) {
	f, kind, err := parseSearch(q.Text)
	if err != nil {
		return SearchPage{}, err
	}
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return SearchPage{}, fmt.Errorf("load hierarchy: %w", err)
	}
	f.Scope = authz.ReadScope(authz.Subject{ID: actor.ID, Role: actor.Role, Entity: actor.Entity}, tree, tree.Codes())
	f.Cursor, f.Limit = q.Cursor, q.Limit
	switch kind {
	case SearchNationalID:
		err = s.auditLookup(ctx, actor, kind, f.NationalID, normalize.MaskID(f.NationalID))
	case SearchMobile:
		err = s.auditLookup(ctx, actor, kind, f.Mobile, normalize.MaskPhone(f.Mobile))
	}
	if err != nil {
		return SearchPage{}, err
	}
	page, err := s.store.SearchTickets(ctx, f)
	if err != nil {
		return SearchPage{}, fmt.Errorf("search tickets by %s: %w", kind, err)
	}
	return SearchPage{Kind: kind, Tickets: page.Tickets, NextCursor: page.NextCursor}, nil
}

// parseSearch checks text and tells what it looks for, by its shape.
func parseSearch(text string) (store.SearchFilter, SearchKind, error) {
	bad := func(code string) (store.SearchFilter, SearchKind, error) {
		return store.SearchFilter{}, "", refusal.Fields(refusal.Field{Name: "q", Code: code})
	}
	if !normalize.ValidUTF8(text) || strings.ContainsFunc(text, normalize.Control) {
		return bad(refusal.FieldInvalidValue)
	}
	text = normalize.Text(text)
	switch {
	case text == "":
		return bad(refusal.FieldRequired)
	case utf8.RuneCountInString(text) > MaxSearchText:
		return bad(refusal.FieldTooLong)
	}
	if n := normalize.Digits(text); ValidNumber(n) {
		return store.SearchFilter{Number: n}, SearchNumber, nil
	}
	// The ID's own checks run digits, length, prefix, then the check digit:
	// failing only the last, the text has an ID's shape and a typo in it.
	id, err := normalize.NationalID(text)
	switch {
	case err == nil:
		return store.SearchFilter{NationalID: id}, SearchNationalID, nil
	case errors.Is(err, normalize.ErrIDChecksum):
		return bad(refusal.FieldInvalidNationalID)
	}
	if m, err := normalize.Mobile(text); err == nil {
		return store.SearchFilter{Mobile: m}, SearchMobile, nil
	}
	var words []string
	for _, w := range strings.Fields(normalize.Fold(text)) {
		if utf8.RuneCountInString(w) >= minSearchWord && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return bad(refusal.FieldTooFewLetters)
	}
	if len(words) > maxSearchWords {
		slices.SortStableFunc(words, func(a, b string) int {
			return cmp.Compare(utf8.RuneCountInString(b), utf8.RuneCountInString(a))
		})
		words = words[:maxSearchWords]
	}
	return store.SearchFilter{Words: words}, SearchWords, nil
}

// auditLookup records that actor looked up the person behind value. The
// value itself is never written: the subject is its keyed hash under the
// tracking secret (an auditor holding the secret can tell whether a given
// person was looked up; a reader of the log alone learns nothing), the
// detail its masked form for a human reader.
func (s *Service) auditLookup(ctx context.Context, actor workflows.Actor, kind SearchKind, value, masked string) error {
	detail, err := json.Marshal(map[string]string{"kind": string(kind), "masked": masked})
	if err != nil {
		return fmt.Errorf("audit %s: encode detail: %w", AuditTicketsSearched, err)
	}
	_, err = s.store.AppendAudit(ctx, store.AuditEntry{
		At: s.now(), ActorID: actor.ID, ActorRole: string(actor.Role), Action: AuditTicketsSearched,
		Subject: string(kind) + "/" + s.keys.Hash("tawasul searched person v1", string(kind), value),
		Detail:  string(detail),
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", AuditTicketsSearched, err)
	}
	return nil
}
