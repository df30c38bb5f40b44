package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

// API tokens of integrations (call-center telephony, social-media
// connectors): created by an admin with a staff role (never admin) and, for
// scoped roles, an entity; the secret is shown once and only its SHA-256 is
// stored; each expires (at most a year) and can be revoked.

const (
	// TokenPrefix starts every integration token, so authentication can
	// look it up directly.
	TokenPrefix = "tw_"
	// MaxTokenDays is the longest a token lives.
	MaxTokenDays = 365
	// CodeTokenExists refuses a token name already taken.
	CodeTokenExists = "token_exists"
	// FieldReservedName: a name Tawasul itself acts as.
	FieldReservedName = "reserved_name"
)

// reservedNames are the actor ids Tawasul itself acts as: a configured token
// by one of these names would act as the beneficiary of every ticket or as
// the system. (The prefixed ids, "user:…", "token:…", "oidc:…", "cli:…",
// cannot be token names: ':' is not allowed in one.)
var reservedNames = []string{tickets.BeneficiaryActor.ID, workflows.SystemActor.ID}

// CheckTokenName validates the name of a configured or integration token as
// a username is validated (CheckHandle: case-folded, 1–64 letters, digits,
// '.', '_', '@', '-', starting with a letter or digit), and refuses the
// reserved actor ids.
func CheckTokenName(field, name string) []refusal.Field {
	if fe := CheckHandle(field, name); fe != nil {
		return fe
	}
	if name != store.NormalizeUsername(name) {
		return []refusal.Field{{Name: field, Code: refusal.FieldInvalidValue}}
	}
	if slices.Contains(reservedNames, name) {
		return []refusal.Field{{Name: field, Code: FieldReservedName}}
	}
	return nil
}

// NewToken is an integration token as an administrator asks for it.
// ExpiresInDays nil is a missing field.
type NewToken struct {
	Name          string
	Role          domain.Role
	Entity        string
	ExpiresInDays *int
}

// IssuedToken is a created token with its secret: the only time it is known.
type IssuedToken struct {
	store.APIToken
	Secret string
}

// CreateToken issues an integration token, audited as token.created.
// Refusals: Invalid with fields, Conflict CodeTokenExists.
func (s *Service) CreateToken(ctx context.Context, admin workflows.Actor, in NewToken) (IssuedToken, error) {
	// Case-folded like a username, so "Telephony" and "telephony" are one.
	name := store.NormalizeUsername(in.Name)
	fe := CheckTokenName("name", name)
	entity := strings.TrimSpace(in.Entity)
	re, err := s.checkRoleEntity(ctx, in.Role, entity, true)
	if err != nil {
		return IssuedToken{}, fmt.Errorf("create API token: %w", err)
	}
	fe = append(fe, re...)
	switch {
	case in.ExpiresInDays == nil:
		fe = append(fe, refusal.Field{Name: "expires_in_days", Code: refusal.FieldRequired})
	case *in.ExpiresInDays < 1 || *in.ExpiresInDays > MaxTokenDays:
		fe = append(fe, refusal.Field{Name: "expires_in_days", Code: refusal.FieldOutOfRange})
	}
	if len(fe) > 0 {
		return IssuedToken{}, refusal.Fields(fe...)
	}
	secret, err := signin.NewToken()
	if err != nil {
		return IssuedToken{}, err
	}
	secret = TokenPrefix + secret
	now := s.now()
	expiresAt := now.Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
	var t store.APIToken
	err = s.audit.Audited(ctx, admin, auditlog.TokenCreated, "token/"+name,
		map[string]any{"role": in.Role, "entity": entity, "expires_at": expiresAt.UTC()}, func(ctx context.Context) error {
			var err error
			t, err = s.store.CreateAPIToken(ctx, store.NewAPIToken{
				Name: name, TokenHash: signin.TokenHash(secret), Role: in.Role, Entity: entity,
				ExpiresAt: expiresAt, CreatedBy: admin.ID,
			}, now)
			return err
		})
	if errors.Is(err, store.ErrExists) {
		return IssuedToken{}, refusal.Because(refusal.Conflict, CodeTokenExists, err)
	} else if err != nil {
		return IssuedToken{}, fmt.Errorf("create API token: %w", err)
	}
	return IssuedToken{APIToken: t, Secret: secret}, nil
}

// Tokens is every integration token, without secrets.
func (s *Service) Tokens(ctx context.Context) ([]store.APIToken, error) {
	ts, err := s.store.ListAPITokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken ends an integration token at once, audited as token.revoked.
// Refusals: NotFound.
func (s *Service) RevokeToken(ctx context.Context, admin workflows.Actor, name string) error {
	err := s.audit.Audited(ctx, admin, auditlog.TokenRevoked, "token/"+name, nil, func(ctx context.Context) error {
		return s.store.RevokeAPIToken(ctx, name, s.now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	return nil
}
