package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/tickets"
)

type searchAnswer struct {
	Kind string `json:"kind"`
	listAnswer
}

func (f *fixture) search(token, q, more string) searchAnswer {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/tickets/search?q=" + url.QueryEscape(q) + more, token: token})
	r.expect(http.StatusOK)
	var a searchAnswer
	r.json(&a)
	return a
}

func (f *fixture) auditCount() int {
	f.t.Helper()
	es, err := f.store.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(es)
}

func TestSearchTickets(t *testing.T) {
	f := newFixture(t)
	ksu := f.file("").Number
	uqu := f.file("", func(m map[string]any) {
		m["entity"], m["subject"] = "UQU", "طلب معادلة شهادة"
		benef(m)["national_id"], benef(m)["mobile"] = validID("112233445"), "0559876543"
	}).Number
	both := []string{ksu, uqu}
	slices.Sort(both)

	for _, c := range []struct {
		who, q, kind string
		want         []string
		audited      bool
	}{
		{"coord-ksu", ksu, "number", []string{ksu}, false},
		{"coord-ksu", "+966 50 123 4567", "mobile", []string{ksu}, true},
		{"coord-ksu", validID("108765432"), "national_id", []string{ksu}, true},
		// Another entity's coordinator finds nothing of KSU's, by any key.
		{"coord-elsewher", ksu, "number", nil, false},
		{"coord-elsewher", "0501234567", "mobile", nil, true},
		{"coord-elsewher", "المكافاة", "words", nil, false},
		{"coord-elsewher", "معادله", "words", []string{uqu}, false},
		{"supervisor", "شهادة", "words", []string{uqu}, false},
		{"supervisor", "تاخر صرف", "words", []string{ksu}, false},
		{"sector-uni", "0559876543", "mobile", []string{uqu}, true},
	} {
		before := f.auditCount()
		a := f.search(testTokens[c.who], c.q, "")
		if got := numbersOf(a.listAnswer); a.Kind != c.kind || !slices.Equal(got, c.want) {
			t.Errorf("%s searching %q: %s %v, want %s %v", c.who, c.q, a.Kind, got, c.kind, c.want)
		}
		if got := f.auditCount() - before; got != map[bool]int{false: 0, true: 1}[c.audited] {
			t.Errorf("%s searching %q: %d audit rows, want audited=%v", c.who, c.q, got, c.audited)
		}
	}
	es, err := f.store.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action != tickets.AuditTicketsSearched {
			continue
		}
		for _, clear := range []string{"501234567", "559876543", validID("108765432")} {
			if strings.Contains(e.Subject+e.Detail, clear) {
				t.Errorf("audit entry %d holds %q in clear: %+v", e.ID, clear, e)
			}
		}
	}

	// Pages, newest first.
	first := f.search(testTokens["supervisor"], "عليكم"+" "+"فبراير", "&limit=1")
	if len(first.Items) != 0 {
		t.Fatalf("words in no ticket found %v", numbersOf(first.listAnswer))
	}
	page1 := f.search(testTokens["supervisor"], "فبراير", "&limit=1")
	if len(page1.Items) != 1 || page1.Items[0].Number != uqu || page1.NextCursor == "" {
		t.Fatalf("page 1: %+v", page1)
	}
	page2 := f.search(testTokens["supervisor"], "فبراير", "&limit=1&cursor="+page1.NextCursor)
	if len(page2.Items) != 1 || page2.Items[0].Number != ksu || page2.NextCursor != "" {
		t.Fatalf("page 2: %+v", page2)
	}
}

func TestSearchTicketsRefuses(t *testing.T) {
	f := newFixture(t)
	get := func(token, query string) resp {
		return f.do(req{method: "GET", path: "/api/v1/tickets/search" + query, token: token})
	}
	coord := testTokens["coord-ksu"]
	get("", "?q=abc").expectProblem(http.StatusUnauthorized, codeUnauthorized)
	get(testTokens["survey"], "?q=abc").expectProblem(http.StatusForbidden, codeForbidden)
	for _, c := range []struct{ query, field, code string }{
		{"?q=", "q", fieldRequired},
		{"", "q", fieldRequired},
		{"?q=" + url.QueryEscape("م و"), "q", fieldTooFewLetters},
		{"?q=ab%01", "q", fieldInvalidValue},
		{"?q=1000000001", "q", fieldInvalidNationalID},
		{"?q=" + strings.Repeat("a", 201), "q", fieldTooLong},
		{"?q=abc&limit=0", "limit", fieldOutOfRange},
		{"?q=abc&sort=new", "sort", fieldUnknown},
	} {
		r := f.do(req{method: "GET", path: "/api/v1/tickets/search" + c.query, token: coord}.outsideContract())
		p := r.expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if got := fieldCodes(p); len(got) != 1 || got[c.field] != c.code {
			t.Errorf("%s: fields %v, want %s: %s", c.query, got, c.field, c.code)
		}
	}
	get(coord, "?q=abc&cursor=!").expectProblem(http.StatusBadRequest, codeBadCursor)
}

// A lookup of a person that the audit log does not take returns nothing.
func TestSearchTicketsAuditRefused(t *testing.T) {
	f := newFixture(t)
	f.file("")
	f.search(testTokens["coord-ksu"], "0501234567", "") // a keyed row to chain onto
	f.store.SetAuditKey(nil)
	r := f.do(req{method: "GET", path: "/api/v1/tickets/search?q=0501234567", token: testTokens["coord-ksu"]})
	r.expectProblem(http.StatusInternalServerError, codeInternal)
	if strings.Contains(r.Body.String(), "items") {
		t.Fatalf("the refused lookup answered tickets: %s", r.Body.String())
	}
	// Words look nobody up.
	if a := f.search(testTokens["coord-ksu"], "المكافأة", ""); len(a.Items) != 1 {
		t.Fatalf("word search with the audit refused: %+v", a)
	}
}
