package store

import (
	"context"
	"testing"
	"time"
)

// Presence: a page seen again moves its time; others are listed, oneself
// not; someone not seen since the cut is gone; rows an hour old go.
func TestPresence(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SeePresence(ctx, "2026-000001", "user:noura", "نورة", t0))
		must(s.SeePresence(ctx, "2026-000001", "user:fahad", "فهد", t0.Add(10*time.Second)))
		must(s.SeePresence(ctx, "2026-000002", "user:sara", "سارة", t0))
		got, err := s.PresentOthers(ctx, "2026-000001", "user:noura", t0)
		must(err)
		if len(got) != 1 || got[0].Name != "فهد" {
			t.Fatalf("others on 000001 = %+v", got)
		}
		got, err = s.PresentOthers(ctx, "2026-000001", "user:fahad", t0.Add(5*time.Second))
		must(err)
		if len(got) != 0 {
			t.Fatalf("noura, not seen since the cut, still present: %+v", got)
		}
		must(s.SeePresence(ctx, "2026-000001", "user:noura", "نورة", t0.Add(20*time.Second)))
		got, err = s.PresentOthers(ctx, "2026-000001", "user:fahad", t0.Add(5*time.Second))
		must(err)
		if len(got) != 1 || got[0].Name != "نورة" {
			t.Fatalf("noura seen again: %+v", got)
		}
		must(s.SeePresence(ctx, "2026-000001", "user:noura", "نورة", t0.Add(2*time.Hour)))
		var rows int64
		must(s.rdb.Model(&Presence{}).Where("ticket_number = ?", "2026-000001").Count(&rows).Error)
		if rows != 1 {
			t.Fatalf("rows an hour old kept: %d on the ticket", rows)
		}
	})
}
