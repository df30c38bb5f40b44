package store

import (
	"context"
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

		v2, err := s.SavePolicy(ctx, samplePolicy(7), "admin-1")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.CreatedBy != "admin-1" || v2.CreatedAt.Before(v1.CreatedAt) {
			t.Fatalf("SavePolicy = v%d by %q at %v", v2.Version, v2.CreatedBy, v2.CreatedAt)
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
