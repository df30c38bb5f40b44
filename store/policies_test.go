package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

func samplePolicy(objectionDays int) sla.Policy {
	return sla.Policy{
		Calendar: sla.Calendar{TimeZone: "Asia/Riyadh", WorkDays: []time.Weekday{0, 1, 2, 3, 4},
			OpensAt: "08:00", ClosesAt: "15:00", Holidays: []sla.Holiday{{From: "2026-03-19", To: "2026-03-23", Name: "عيد الفطر"}}},
		Responses: []sla.ResponseRule{{Kind: domain.KindComplaint, Priority: domain.PriorityNormal,
			Allowance: sla.Allowance{Days: 2}, Clock: sla.ClockBusiness}},
		Ladder:          []sla.Level{{Role: domain.RoleCareCenterManager, Allowance: sla.Allowance{Duration: 4 * time.Hour}}},
		ObjectionWindow: sla.Allowance{Days: objectionDays},
		ObjectionReview: sla.Allowance{Days: 1, Duration: 4 * time.Hour},
	}
}

func TestPolicyVersions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.CurrentPolicy(ctx); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CurrentPolicy on an empty store = %v, want ErrNotFound", err)
		}

		seed := samplePolicy(5)
		seed.CreatedBy = "seed"
		v1, err := s.EnsurePolicy(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v1.CreatedBy != "seed" || v1.CreatedAt.IsZero() {
			t.Fatalf("EnsurePolicy on an empty store = v%d by %q at %v", v1.Version, v1.CreatedBy, v1.CreatedAt)
		}
		want := seed
		want.Version, want.CreatedAt = 1, v1.CreatedAt
		mustEqual(t, "policy v1", v1, want)

		// A second first start keeps what is there.
		again, err := s.EnsurePolicy(ctx, samplePolicy(9))
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "EnsurePolicy on a store with a policy", again, v1)

		withReason := samplePolicy(7)
		withReason.Reason = "تمديد مهلة الاعتراض إلى سبعة أيام"
		v2, err := s.SavePolicy(ctx, withReason, "admin-1")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.CreatedBy != "admin-1" || v2.CreatedAt.Before(v1.CreatedAt) || v2.Reason != withReason.Reason {
			t.Fatalf("SavePolicy = v%d by %q at %v for %q", v2.Version, v2.CreatedBy, v2.CreatedAt, v2.Reason)
		}
		cur, err := s.CurrentPolicy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "current policy", cur, v2)
		if cur.ObjectionWindow.Days != 7 {
			t.Fatalf("current policy body: objection window %v", cur.ObjectionWindow)
		}
		got1, err := s.GetPolicy(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "policy v1 read back", got1, v1)
		if _, err := s.GetPolicy(ctx, 99); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetPolicy(99) = %v, want ErrNotFound", err)
		}

		// Concurrent saves get distinct consecutive versions.
		const n = 6
		vs := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p, err := s.SavePolicy(ctx, samplePolicy(i), "admin-2")
				vs[i], errs[i] = p.Version, err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent SavePolicy: %v", err)
			}
		}
		slices.Sort(vs)
		mustEqual(t, "versions of concurrent saves", vs, []int{3, 4, 5, 6, 7, 8})
		if cur, err := s.CurrentPolicy(ctx); err != nil || cur.Version != 8 {
			t.Fatalf("CurrentPolicy after concurrent saves = v%d, %v", cur.Version, err)
		}
	})
}

// Several processes starting at once on an empty store keep one version 1.
func TestEnsurePolicyConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		const n = 5
		got := make([]sla.Policy, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = s.EnsurePolicy(context.Background(), samplePolicy(i+1)) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			mustEqual(t, "EnsurePolicy result", got[i], got[0])
		}
		if c := countRows(t, s, "policies"); c != 1 || got[0].Version != 1 {
			t.Fatalf("policies = %d, version %d; want one version 1", c, got[0].Version)
		}
	})
}

// Versions list newest first, a page at a time, with who made each and why;
// a version stored before the reason column existed lists with none.
func TestListPolicies(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if page, err := s.ListPolicies(ctx, 0, 0); err != nil || len(page.Versions) != 0 || page.Next != 0 {
			t.Fatalf("ListPolicies on an empty store = %+v, %v", page, err)
		}
		if _, err := s.EnsurePolicy(ctx, samplePolicy(5)); err != nil {
			t.Fatal(err)
		}
		reasons := []string{"", "عيد الأضحى 1447", "Shorter urgent allowances", "سلم أقصر"}
		for i, r := range reasons[1:] {
			p := samplePolicy(6 + i)
			p.Reason = r
			if _, err := s.SavePolicy(ctx, p, "admin-1"); err != nil {
				t.Fatal(err)
			}
		}
		// The reason is read from its column, whatever the body says.
		if err := s.db.Exec(`UPDATE policies SET body = ? WHERE version = 2`, `{"reason":"stale"}`).Error; err != nil {
			t.Fatal(err)
		}

		var got []PolicySummary
		var pages []int
		before := 0
		for {
			page, err := s.ListPolicies(ctx, before, 3)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Versions...)
			pages = append(pages, len(page.Versions))
			if page.Next == 0 {
				break
			}
			before = page.Next
		}
		mustEqual(t, "page sizes", pages, []int{3, 1})
		for i, v := range got {
			want := len(reasons) - i
			if v.Version != want || v.Reason != reasons[want-1] || v.CreatedAt.IsZero() || v.CreatedAt.Location() != time.UTC {
				t.Errorf("entry %d = %+v; want v%d with reason %q at a UTC instant", i, v, want, reasons[want-1])
			}
			if (want == 1) != (v.CreatedBy == "") {
				t.Errorf("entry %d created by %q", i, v.CreatedBy)
			}
		}
		if p, err := s.GetPolicy(ctx, 2); err != nil || p.Reason != reasons[1] {
			t.Fatalf("GetPolicy(2) reason %q, %v", p.Reason, err)
		}
		if page, err := s.ListPolicies(ctx, 1, 10); err != nil || len(page.Versions) != 0 {
			t.Fatalf("below the oldest = %+v, %v", page, err)
		}
	})
}

// Versions stored before migration 0006 keep their bodies and read with no reason.
func TestPolicyReasonMigration(t *testing.T) {
	forEachDialectDSN(t, func(t *testing.T, dsn string) {
		s := openTestStore(t, dsn)
		ctx := context.Background()
		ms, err := loadMigrations(s.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.Exec(schemaMigrationsDDL[s.Dialect()]).Error; err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.version >= 6 {
				break
			}
			if err := s.db.Exec(m.sql).Error; err != nil {
				t.Fatalf("migration %d: %v", m.version, err)
			}
			if err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, now()).Error; err != nil {
				t.Fatal(err)
			}
		}
		old := samplePolicy(5)
		old.Version, old.CreatedBy, old.CreatedAt = 1, "admin-0", baseTime
		body, err := json.Marshal(old)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.Exec(`INSERT INTO policies (version, body, created_by, created_at) VALUES (1, ?, ?, ?)`,
			string(body), old.CreatedBy, baseTime).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetPolicy(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "policy stored before 0006", got, old)
	})
}
