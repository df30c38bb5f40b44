package store

import (
	"context"
	"errors"
	"testing"

	"github.com/tawasul/tawasul/domain"
)

// An account of the single sign-on is found by (issuer, subject), and
// neither a username nor an identity is ever taken twice.
func TestSSOIdentities(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const iss = "https://sso.example"
		n := NewAccount{Username: "oidc:alice", Name: "Alice", Role: domain.RoleAgent, PasswordHash: "!sso"}
		acc, err := s.CreateSSOAccount(ctx, n, iss, "sub-1", baseTime)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAccountBySSO(ctx, iss, "sub-1")
		if err != nil || got.ID != acc.ID {
			t.Fatalf("GetAccountBySSO = %+v, %v; want account %d", got, err, acc.ID)
		}
		if _, err := s.GetAccountBySSO(ctx, "https://other.example", "sub-1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another issuer's subject: %v, want ErrNotFound", err)
		}
		// The same username under another subject is refused, and so is the
		// same identity on a second account; neither leaves a row behind.
		if _, err := s.CreateSSOAccount(ctx, n, iss, "sub-2", baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("same username, other subject: %v, want ErrExists", err)
		}
		n2 := n
		n2.Username = "oidc:alice2"
		if _, err := s.CreateSSOAccount(ctx, n2, iss, "sub-1", baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("same identity, second account: %v, want ErrExists", err)
		}
		if _, err := s.GetAccountByUsername(ctx, "oidc:alice2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a refused account was stored: %v", err)
		}

		// An account made before identities were kept is linked once.
		legacy, err := s.CreateAccount(ctx, NewAccount{Username: "oidc:bob", Role: domain.RoleAgent, PasswordHash: "!sso"}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SSOIdentityOf(ctx, legacy.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("legacy account has an identity: %v", err)
		}
		if err := s.LinkSSO(ctx, legacy.ID, iss, "sub-bob", baseTime); err != nil {
			t.Fatal(err)
		}
		if id, err := s.SSOIdentityOf(ctx, legacy.ID); err != nil || id.Subject != "sub-bob" || id.Issuer != iss {
			t.Fatalf("SSOIdentityOf = %+v, %v", id, err)
		}
		if err := s.LinkSSO(ctx, legacy.ID, iss, "sub-mallory", baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("second link: %v, want ErrExists", err)
		}
	})
}
