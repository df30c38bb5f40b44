package store

import (
	"context"
	"testing"
	"time"
)

// FindAudit filters by actor, action, a literal subject prefix and a time
// range, newest first, and pages by id without losing or repeating a row.
func TestFindAudit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		add := func(minutes int, actor, action, subject string) AuditEntry {
			return mustAppendAudit(t, s, AuditEntry{At: baseTime.Add(time.Duration(minutes) * time.Minute),
				ActorID: actor, ActorRole: "auditor", Action: action, Subject: subject})
		}
		a1 := add(0, "account:sara", "history.read", "ticket/2026-000001")
		a2 := add(1, "account:omar", "login", "account/omar")
		a3 := add(2, "account:sara", "history.read", "ticket/2026-000002")
		a4 := add(3, "account:sara", "login", "account/sara")
		a5 := add(4, "account:omar", "history.read", "ticket_x/1") // "_" is not a wildcard
		ids := func(f AuditFilter) []int64 {
			t.Helper()
			if f.Limit == 0 {
				f.Limit = 100
			}
			rows, err := s.FindAudit(ctx, f)
			if err != nil {
				t.Fatalf("FindAudit(%+v): %v", f, err)
			}
			out := []int64{}
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		mustEqual(t, "all, newest first", ids(AuditFilter{}), []int64{a5.ID, a4.ID, a3.ID, a2.ID, a1.ID})
		mustEqual(t, "by actor", ids(AuditFilter{ActorID: "account:sara"}), []int64{a4.ID, a3.ID, a1.ID})
		mustEqual(t, "by action", ids(AuditFilter{Action: "login"}), []int64{a4.ID, a2.ID})
		mustEqual(t, "by subject prefix", ids(AuditFilter{SubjectPrefix: "ticket/"}), []int64{a3.ID, a1.ID})
		mustEqual(t, "by subject prefix with a wildcard in it", ids(AuditFilter{SubjectPrefix: "ticket_"}), []int64{a5.ID})
		mustEqual(t, "from inclusive, to exclusive",
			ids(AuditFilter{From: baseTime.Add(time.Minute), To: baseTime.Add(3 * time.Minute)}), []int64{a3.ID, a2.ID})
		mustEqual(t, "all filters together",
			ids(AuditFilter{ActorID: "account:sara", Action: "history.read", SubjectPrefix: "ticket/", From: baseTime.Add(time.Minute)}),
			[]int64{a3.ID})

		var paged []int64
		f := AuditFilter{Limit: 2}
		for {
			page := ids(f)
			paged = append(paged, page...)
			if len(page) < f.Limit {
				break
			}
			f.Before = page[len(page)-1]
		}
		mustEqual(t, "paged two at a time", paged, []int64{a5.ID, a4.ID, a3.ID, a2.ID, a1.ID})

		if _, err := s.FindAudit(ctx, AuditFilter{Limit: 1001}); err == nil {
			t.Error("a limit above 1000 was accepted")
		}
	})
}
