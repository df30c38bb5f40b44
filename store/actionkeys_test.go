package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An action key binds its first request: the same request finds the claim,
// another is refused, and a purge forgets only claims older than the cut.
func TestClaimActionKey(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime.Add(72*time.Hour)))
		first := ActionKey{KeyHash: "k1", RequestHash: "r1", TicketNumber: tk.Number, CreatedAt: baseTime}
		got, err := s.ClaimActionKey(ctx, first)
		if err != nil || got != first {
			t.Fatalf("first claim = %+v, %v", got, err)
		}
		// A retry (later, same request) finds the first claim, unchanged.
		retry := first
		retry.CreatedAt = baseTime.Add(time.Minute)
		if got, err := s.ClaimActionKey(ctx, retry); err != nil || got != first {
			t.Fatalf("retry = %+v, %v; want the first claim", got, err)
		}
		other := first
		other.RequestHash = "r2"
		if got, err := s.ClaimActionKey(ctx, other); !errors.Is(err, ErrIdempotencyMismatch) || got != first {
			t.Fatalf("another request = %+v, %v; want the mismatch and the first claim", got, err)
		}
		if _, err := s.ClaimActionKey(ctx, ActionKey{KeyHash: "k3", TicketNumber: tk.Number}); err == nil {
			t.Error("a claim without its request hash was taken")
		}
		young := ActionKey{KeyHash: "k2", RequestHash: "r1", TicketNumber: tk.Number, CreatedAt: baseTime.Add(48 * time.Hour)}
		if _, err := s.ClaimActionKey(ctx, young); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeActionKeys(ctx, baseTime.Add(24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("purge = %d, %v; want the one old claim", n, err)
		}
		if got, err := s.ClaimActionKey(ctx, other); err != nil || got.RequestHash != "r2" {
			t.Fatalf("after the purge the key is free again: %+v, %v", got, err)
		}
		if got, err := s.ClaimActionKey(ctx, young); err != nil || got != young {
			t.Fatalf("the young claim survived the purge: %+v, %v", got, err)
		}
	})
}
