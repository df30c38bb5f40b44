package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func TestAPITokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// Given in another zone and with nanoseconds: stored as UTC microseconds.
		exp := baseTime.Add(30*24*time.Hour + 123456789).In(riyadh)
		tok, err := s.CreateAPIToken(ctx, NewAPIToken{Name: "telephony", TokenHash: hashOf("tw_secret"),
			Role: domain.RoleAgent, ExpiresAt: exp, CreatedBy: "admin"}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || !tok.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || tok.ExpiresAt.Location() != time.UTC {
			t.Fatalf("created %+v", tok)
		}
		if _, err := s.CreateAPIToken(ctx, NewAPIToken{Name: "telephony", TokenHash: hashOf("other"),
			Role: domain.RoleAgent, ExpiresAt: exp}, baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("same name: %v, want ErrExists", err)
		}
		if _, err := s.CreateAPIToken(ctx, NewAPIToken{Name: "other", TokenHash: hashOf("tw_secret"),
			Role: domain.RoleAgent, ExpiresAt: exp}, baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("same hash: %v, want ErrExists", err)
		}
		if _, err := s.CreateAPIToken(ctx, NewAPIToken{Name: "bad", TokenHash: "abc", Role: domain.RoleAgent, ExpiresAt: exp}, baseTime); err == nil {
			t.Fatal("a malformed hash was accepted")
		}

		got, err := s.APITokenByHash(ctx, hashOf("tw_secret"), baseTime)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "token read back", got, tok)
		if _, err := s.APITokenByHash(ctx, hashOf("nope"), baseTime); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		// Expired at (and after) expires_at.
		if _, err := s.APITokenByHash(ctx, hashOf("tw_secret"), tok.ExpiresAt); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired: %v", err)
		}

		// last_used_at: written at first use, then at most once a minute.
		touch := func(at time.Time, want bool) {
			t.Helper()
			wrote, err := s.TouchAPIToken(ctx, tok.ID, at)
			if err != nil || wrote != want {
				t.Fatalf("TouchAPIToken(%s) = %v, %v; want %v", at, wrote, err, want)
			}
		}
		touch(baseTime, true)
		touch(baseTime.Add(59*time.Second), false)
		touch(baseTime.Add(time.Minute), true)
		got, _ = s.APITokenByHash(ctx, hashOf("tw_secret"), baseTime.Add(2*time.Minute))
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(baseTime.Add(time.Minute)) {
			t.Fatalf("last_used_at = %v", got.LastUsedAt)
		}

		if _, err := s.CreateAPIToken(ctx, NewAPIToken{Name: "coord", TokenHash: hashOf("tw_coord"),
			Role: domain.RoleCoordinator, Entity: "UNI-KSU", ExpiresAt: exp, CreatedBy: "admin"}, baseTime); err != nil {
			t.Fatal(err)
		}
		ts, err := s.ListAPITokens(ctx)
		if err != nil || len(ts) != 2 || ts[0].Name != "coord" || ts[1].Name != "telephony" || ts[0].Entity != "UNI-KSU" {
			t.Fatalf("ListAPITokens = %+v, %v", ts, err)
		}

		// Revocation: idempotent, keeps the first time; the token stops working.
		if err := s.RevokeAPIToken(ctx, "telephony", baseTime.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIToken(ctx, "telephony", baseTime.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIToken(ctx, "nobody", baseTime); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		if _, err := s.APITokenByHash(ctx, hashOf("tw_secret"), baseTime.Add(3*time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked token still found: %v", err)
		}
		ts, _ = s.ListAPITokens(ctx)
		if ts[1].RevokedAt == nil || !ts[1].RevokedAt.Equal(baseTime.Add(time.Hour)) || ts[0].RevokedAt != nil {
			t.Fatalf("after revoke: %+v", ts)
		}
		if _, err := s.APITokenByHash(ctx, hashOf("tw_coord"), baseTime); err != nil {
			t.Fatalf("the other token: %v", err)
		}
	})
}
