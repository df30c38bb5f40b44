package store

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
)

// searchWorld is three tickets: two of one mobile at KSU (one spelling its
// subject without hamza or taa marbuta), one at KAU with diacritics.
type searchWorld struct {
	s                   *Store
	ksuOld, kau, ksuNew Ticket
	all, ksu, kauOnly   authz.Scope
}

func newSearchWorld(t *testing.T, s *Store) searchWorld {
	t.Helper()
	mk := func(at time.Duration, entity, subject, description, id, mobile string) Ticket {
		tk := sampleTicket(baseTime.Add(72 * time.Hour))
		tk.CreatedAt = baseTime.Add(at)
		tk.Entity, tk.ResponsibleEntity = entity, entity
		tk.Subject, tk.Description = subject, description
		tk.BeneficiaryNationalID, tk.BeneficiaryMobile = id, mobile
		return mustCreate(t, s, tk)
	}
	w := searchWorld{s: s,
		all: authz.Scope{All: true}, ksu: authz.Scope{Entities: []string{"UNI-KSU"}},
		kauOnly: authz.Scope{Entities: []string{"UNI-KAU"}},
	}
	w.ksuOld = mk(0, "UNI-KSU", "تأخر صرف المكافأة الشهرية", "لم تصرف مكافأة شهر فبراير", "1000000008", "+966500000001")
	w.kau = mk(time.Hour, "UNI-KAU", "طلب معادلة شهادة", "أرفقت صورة الهُوِيَّة الوطنيّة - Noor", "2000000002", "+966500000002")
	w.ksuNew = mk(2*time.Hour, "UNI-KSU", "مكافاه متأخره", "ما زالت متأخرة", "1000000016", "+966500000001")
	return w
}

func (w searchWorld) search(t *testing.T, f SearchFilter) []string {
	t.Helper()
	p, err := w.s.SearchTickets(context.Background(), f)
	if err != nil {
		t.Fatalf("SearchTickets(%+v): %v", f, err)
	}
	if p.NextCursor != "" {
		t.Fatalf("SearchTickets(%+v): a next page %q, want none", f, p.NextCursor)
	}
	return numbersOf(p.Tickets)
}

func words(qs ...string) []string {
	var out []string
	for _, q := range qs {
		out = append(out, normalize.Fold(q))
	}
	return out
}

func TestSearchTickets(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		w := newSearchWorld(t, s)
		old, kau, recent := w.ksuOld.Number, w.kau.Number, w.ksuNew.Number
		for _, c := range []struct {
			name string
			f    SearchFilter
			want []string
		}{
			{"number", SearchFilter{Scope: w.all, Number: kau}, []string{kau}},
			{"unknown number", SearchFilter{Scope: w.all, Number: "2026-999999"}, []string{}},
			{"national ID", SearchFilter{Scope: w.all, NationalID: "1000000008"}, []string{old}},
			{"mobile, newest first", SearchFilter{Scope: w.all, Mobile: "+966500000001"}, []string{recent, old}},
			{"a word in either spelling", SearchFilter{Scope: w.all, Words: words("مكافأة")}, []string{recent, old}},
			{"the other spelling", SearchFilter{Scope: w.all, Words: words("متأخرة")}, []string{recent}},
			{"diacritics stored, none asked", SearchFilter{Scope: w.all, Words: words("الهوية", "الوطنية")}, []string{kau}},
			{"Latin, case folded", SearchFilter{Scope: w.all, Words: words("NOOR")}, []string{kau}},
			{"every word must match", SearchFilter{Scope: w.all, Words: words("مكافأة", "الشهرية")}, []string{old}},
			{"a word in the description", SearchFilter{Scope: w.all, Words: words("فبراير")}, []string{old}},
			{"no such word", SearchFilter{Scope: w.all, Words: words("تقاعد")}, []string{}},
			{"another entity's coordinator: number", SearchFilter{Scope: w.kauOnly, Number: old}, []string{}},
			{"another entity's coordinator: national ID", SearchFilter{Scope: w.kauOnly, NationalID: "1000000008"}, []string{}},
			{"another entity's coordinator: mobile", SearchFilter{Scope: w.kauOnly, Mobile: "+966500000001"}, []string{}},
			{"another entity's coordinator: words", SearchFilter{Scope: w.kauOnly, Words: words("مكافأة")}, []string{}},
			{"own entity's coordinator", SearchFilter{Scope: w.ksu, Words: words("مكافأة")}, []string{recent, old}},
			{"a filer sees what they filed", SearchFilter{Scope: authz.Scope{FiledBy: "user:nobody"}, Mobile: "+966500000001"}, []string{}},
			{"the zero scope finds nothing", SearchFilter{Number: old}, []string{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				mustEqual(t, "numbers", w.search(t, c.f), c.want)
			})
		}
	})
}

func TestSearchTicketsPages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		w := newSearchWorld(t, s)
		ctx := context.Background()
		f := SearchFilter{Scope: w.all, Words: words("مكافأة"), Limit: 1}
		var got []string
		for range 3 {
			p, err := s.SearchTickets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, numbersOf(p.Tickets)...)
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		mustEqual(t, "pages", got, []string{w.ksuNew.Number, w.ksuOld.Number})
	})
}

func TestSearchTicketsRefuses(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		all := authz.Scope{All: true}
		for _, c := range []struct {
			name string
			f    SearchFilter
			want error
		}{
			{"nothing to look for", SearchFilter{Scope: all}, ErrBadSearch},
			{"two things", SearchFilter{Scope: all, Number: "2026-000001", Mobile: "+966500000001"}, ErrBadSearch},
			{"a word not folded", SearchFilter{Scope: all, Words: []string{"المكافأة"}}, ErrBadSearch},
			{"two words as one", SearchFilter{Scope: all, Words: []string{"صرف المكافاه"}}, ErrBadSearch},
			{"a wildcard", SearchFilter{Scope: all, Words: []string{"%"}}, ErrBadSearch},
			{"an empty word", SearchFilter{Scope: all, Words: []string{""}}, ErrBadSearch},
			{"a bad cursor", SearchFilter{Scope: all, Number: "2026-000001", Cursor: "!"}, ErrBadCursor},
		} {
			if _, err := s.SearchTickets(ctx, c.f); !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
		}
	})
}

// Migration 0025's Go step folds the tickets that were there before it.
func TestBackfillTicketSearch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		w := newSearchWorld(t, s)
		if err := s.db.Exec(`UPDATE tickets SET search_text = ''`).Error; err != nil {
			t.Fatal(err)
		}
		if got := w.search(t, SearchFilter{Scope: w.all, Words: words("مكافأة")}); len(got) != 0 {
			t.Fatalf("found %v with the column emptied", got)
		}
		if err := s.db.Transaction(func(tx *gorm.DB) error { return backfillTicketSearch(tx) }); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []Ticket{w.ksuOld, w.kau, w.ksuNew} {
			got, err := s.GetTicket(context.Background(), tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "search text of "+tk.Number, got.SearchText, searchText(tk.Subject, tk.Description))
		}
	})
}

// A backfill keyed by a name no migration has would never run.
func TestBackfillsNameMigrations(t *testing.T) {
	for _, dialect := range dialects {
		ms, err := loadMigrations(dialect)
		if err != nil {
			t.Fatal(err)
		}
		for name := range backfills {
			if !slices.ContainsFunc(ms, func(m migration) bool { return m.name == name }) {
				t.Errorf("backfill %q: no %s migration has that name", name, dialect)
			}
		}
	}
}

// Where pg_trgm is available, migration 0025 indexes the search column with
// it, and a word search can use the index.
func TestSearchTrigramIndex(t *testing.T) {
	s := newTestStore(t, DialectPostgres)
	var available bool
	if err := s.db.Raw(`SELECT count(*) > 0 FROM pg_available_extensions WHERE name = 'pg_trgm'`).Scan(&available).Error; err != nil {
		t.Fatal(err)
	}
	if !available {
		// CI's PostgreSQL (Debian's) ships pg_trgm: there, its absence is a failure.
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_trgm is required in CI (Debian's postgresql package ships it)")
		}
		t.Skip("machine lacks pg_trgm: 0025 leaves word search to scans")
	}
	var plan []string
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL enable_seqscan = off`).Error; err != nil {
			return err
		}
		return tx.Raw(`EXPLAIN SELECT number FROM tickets WHERE search_text LIKE ?`, "%مكافاه%").Scan(&plan).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(plan, func(l string) bool { return strings.Contains(l, "ix_tickets_search_trgm") }) {
		t.Fatalf("the word search does not use ix_tickets_search_trgm:\n%s", strings.Join(plan, "\n"))
	}
}
