package tickets

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Valid national IDs (their check digit holds) and a mobile.
const (
	searchID     = "1000000008"
	otherID      = "1087654321"
	searchMobile = "+966501234567"
)

func searchTicket(t *testing.T, st *store.Store, at time.Time, subject, id, mobile string) store.Ticket {
	t.Helper()
	tk, _, _, err := st.CreateTicket(context.Background(), store.NewTicket{
		Kind: domain.KindComplaint, Channel: domain.ChannelPortal, Priority: domain.PriorityNormal,
		Status: domain.StatusOpen, Subject: subject, Description: "وصف", Entity: "KSU", ResponsibleEntity: "KSU",
		BeneficiaryName: "سارة", BeneficiaryNationalID: id, BeneficiaryMobile: mobile,
		BeneficiaryType: domain.BeneficiaryStudent, TrackingHash: "h", PolicyVersion: 1,
		SLADueAt: at.Add(72 * time.Hour), CreatedAt: at,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

var (
	searchCoordinator = workflows.Actor{ID: "user:coord", Role: domain.RoleCoordinator, Entity: "KSU"}
	// A coordinator of the ministry's own entity: KSU's tickets are not theirs.
	otherCoordinator = workflows.Actor{ID: "user:moe", Role: domain.RoleCoordinator, Entity: "MOE"}
)

func auditRows(t *testing.T, st *store.Store) []store.AuditEntry {
	t.Helper()
	rows, err := st.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSearch(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	older := searchTicket(t, fx.store, at, "تأخر صرف المكافأة", searchID, searchMobile)
	newer := searchTicket(t, fx.store, at.Add(time.Hour), "مكافاه متأخره", otherID, searchMobile)
	for _, c := range []struct {
		text    string
		kind    SearchKind
		want    []string
		audited bool
	}{
		{" " + newer.Number + " ", SearchNumber, []string{newer.Number}, false},
		{"١٠٠٠٠٠٠٠٠٨", SearchNationalID, []string{older.Number}, true},
		{"050 123 4567", SearchMobile, []string{newer.Number, older.Number}, true},
		{"+966501234567", SearchMobile, []string{newer.Number, older.Number}, true},
		{"المُكافأة", SearchWords, []string{older.Number}, false},
		{"مكافأة", SearchWords, []string{newer.Number, older.Number}, false},
		{"مكافأة  الشهرية", SearchWords, []string{}, false},
		// One-letter words are left out, not refused, when another remains.
		{"و مكافأة", SearchWords, []string{newer.Number, older.Number}, false},
		// A mobile's shape but a landline: words, and none match.
		{"0112345678", SearchWords, []string{}, false},
	} {
		t.Run(c.text, func(t *testing.T) {
			before := len(auditRows(t, fx.store))
			p, err := fx.svc.Search(ctx, searchCoordinator, SearchQuery{Text: c.text})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tk := range p.Tickets {
				got = append(got, tk.Number)
			}
			if p.Kind != c.kind || strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("Search(%q) = %s %v, want %s %v", c.text, p.Kind, got, c.kind, c.want)
			}
			rows := auditRows(t, fx.store)
			if got := len(rows) - before; got != map[bool]int{false: 0, true: 1}[c.audited] {
				t.Fatalf("Search(%q) appended %d audit rows, want audited=%v", c.text, got, c.audited)
			}
			if !c.audited {
				return
			}
			e := rows[len(rows)-1]
			if e.Action != AuditTicketsSearched || e.ActorID != searchCoordinator.ID || e.ActorRole != string(domain.RoleCoordinator) ||
				!strings.HasPrefix(e.Subject, string(c.kind)+"/") || !strings.Contains(e.Detail, `"kind":"`+string(c.kind)+`"`) {
				t.Fatalf("audit entry %+v", e)
			}
			// Neither the value nor its telling part is written in clear.
			for _, clear := range []string{searchID, "501234567", "1234"} {
				if strings.Contains(e.Subject, clear) || strings.Contains(e.Detail, clear) {
					t.Fatalf("audit entry holds %q in clear: %+v", clear, e)
				}
			}
		})
	}

	// The same person searched twice is the same subject (an auditor can
	// find every lookup of them), and another person another.
	rows := auditRows(t, fx.store)
	if rows[1].Subject != rows[2].Subject || rows[0].Subject == rows[1].Subject {
		t.Fatalf("audit subjects %q, %q, %q: want the two mobile lookups alike, the ID apart",
			rows[0].Subject, rows[1].Subject, rows[2].Subject)
	}
}

// A search is bounded by the searcher's read scope, and still recorded.
func TestSearchScope(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	tk := searchTicket(t, fx.store, time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), "تأخر صرف المكافأة", searchID, searchMobile)
	for _, text := range []string{tk.Number, searchID, searchMobile, "المكافأة"} {
		p, err := fx.svc.Search(ctx, otherCoordinator, SearchQuery{Text: text})
		if err != nil || len(p.Tickets) != 0 {
			t.Fatalf("another entity's coordinator searching %q: %d tickets, %v", text, len(p.Tickets), err)
		}
	}
	if n := len(auditRows(t, fx.store)); n != 2 {
		t.Fatalf("%d audit rows, want the ID and mobile lookups", n)
	}
}

// Without its audit record a lookup returns nothing.
func TestSearchAuditRefused(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	searchTicket(t, fx.store, time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), "تأخر صرف المكافأة", searchID, searchMobile)
	// A keyed log that this process cannot chain onto (ErrAuditKeyRequired).
	fx.store.SetAuditKey([]byte("audit key"))
	if _, err := fx.store.AppendAudit(ctx, store.AuditEntry{Action: "test.keyed"}); err != nil {
		t.Fatal(err)
	}
	fx.store.SetAuditKey(nil)
	for _, text := range []string{searchID, searchMobile} {
		p, err := fx.svc.Search(ctx, searchCoordinator, SearchQuery{Text: text})
		if !errors.Is(err, store.ErrAuditKeyRequired) || len(p.Tickets) != 0 {
			t.Fatalf("Search(%q) with the audit refused = %d tickets, %v", text, len(p.Tickets), err)
		}
	}
	// Words look nobody up and need no record.
	if p, err := fx.svc.Search(ctx, searchCoordinator, SearchQuery{Text: "المكافأة"}); err != nil || len(p.Tickets) != 1 {
		t.Fatalf("word search with the audit refused: %d tickets, %v", len(p.Tickets), err)
	}
}

func TestSearchPages(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	var want []string
	for i := range 5 {
		want = append([]string{searchTicket(t, fx.store, at.Add(time.Duration(i)*time.Minute), "المكافأة", searchID, searchMobile).Number}, want...)
	}
	q := SearchQuery{Text: "المكافاة", Limit: 2}
	var got []string
	for range 5 {
		p, err := fx.svc.Search(ctx, searchCoordinator, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range p.Tickets {
			got = append(got, tk.Number)
		}
		if q.Cursor = p.NextCursor; q.Cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	if _, err := fx.svc.Search(ctx, searchCoordinator, SearchQuery{Text: "المكافاة", Cursor: "!"}); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestSearchRefusesBadText(t *testing.T) {
	fx := newFixture(t)
	for _, c := range []struct{ text, code string }{
		{"", refusal.FieldRequired},
		{" \u200F\t ", refusal.FieldRequired},
		{"م", refusal.FieldTooFewLetters},
		{"a - b", refusal.FieldTooFewLetters},
		{"!!", refusal.FieldTooFewLetters},
		{"abc\x00", refusal.FieldInvalidValue},
		{"abc\x1b[31m", refusal.FieldInvalidValue},
		{"a\xffb", refusal.FieldInvalidValue},
		{strings.Repeat("م", MaxSearchText+1), refusal.FieldTooLong},
		// An ID's shape with a typo in its check digit.
		{"1000000001", refusal.FieldInvalidNationalID},
	} {
		_, err := fx.svc.Search(context.Background(), searchCoordinator, SearchQuery{Text: c.text})
		r, ok := refusal.As(err)
		if !ok || r.Kind != refusal.Invalid || len(r.Fields) != 1 || r.Fields[0].Name != "q" || r.Fields[0].Code != c.code {
			t.Errorf("Search(%q) = %v, want Invalid q:%s", c.text, err, c.code)
		}
	}
	if n := len(auditRows(t, fx.store)); n != 0 {
		t.Fatalf("refused searches wrote %d audit rows", n)
	}
}

// Many words: the longest are searched.
func TestParseSearchKeepsLongestWords(t *testing.T) {
	f, kind, err := parseSearch("ab cd ef gh ij kl mn op qr المكافأة")
	if err != nil || kind != SearchWords || len(f.Words) != maxSearchWords || f.Words[0] != "المكافاه" {
		t.Fatalf("parseSearch = %v %s %v", f.Words, kind, err)
	}
}
