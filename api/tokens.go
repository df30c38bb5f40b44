package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
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
	// apiTokenPrefix starts every integration token, so authenticate can
	// look it up directly.
	apiTokenPrefix = "tw_"
	// apiTokenActorPrefix marks actors that are integration tokens.
	apiTokenActorPrefix = "token:"
	maxTokenDays        = 365
)

// reservedNames are the actor ids Tawasul itself acts as: a configured token
// by one of these names would act as the beneficiary of every ticket or as
// the system. (The prefixed ids, "user:…", "token:…", "oidc:…", "cli:…",
// cannot be token names: ':' is not allowed in one.)
var reservedNames = []string{tickets.BeneficiaryActor.ID, workflows.SystemActor.ID}

// checkTokenName validates the name of a configured or integration token as
// a username is validated (checkHandle: case-folded, 1–64 letters, digits,
// '.', '_', '@', '-', starting with a letter or digit), and refuses the
// reserved actor ids.
func checkTokenName(field, name string) []fieldErr {
	if fe := checkHandle(field, name); fe != nil {
		return fe
	}
	if name != store.NormalizeUsername(name) {
		return []fieldErr{{field: field, code: fieldInvalidValue}}
	}
	if slices.Contains(reservedNames, name) {
		return []fieldErr{{field: field, code: fieldReservedName}}
	}
	return nil
}

// apiTokenActor is the actor an integration token acts as.
func apiTokenActor(t store.APIToken) workflows.Actor {
	return workflows.Actor{ID: apiTokenActorPrefix + t.Name, Name: t.Name, Role: t.Role, Entity: t.Entity}
}

// apiTokenLookup authenticates an integration token by the hash of its
// secret; ok=false when none is live. last_used_at is written at most once a
// minute.
func (a *API) apiTokenLookup(r *http.Request, hash string) (workflows.Actor, bool, error) {
	now := a.now()
	t, err := a.store.APITokenByHash(r.Context(), hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.Actor{}, false, nil
	}
	if err != nil {
		return workflows.Actor{}, false, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		if _, err := a.store.TouchAPIToken(r.Context(), t.ID, now); err != nil {
			return workflows.Actor{}, false, err
		}
	}
	return apiTokenActor(t), true, nil
}

type apiTokenIn struct {
	Name          string      `json:"name"`
	Role          domain.Role `json:"role"`
	Entity        string      `json:"entity"`
	ExpiresInDays *int        `json:"expires_in_days"`
}

// apiTokenCreated is the answer to a creation: the only time the secret is shown.
type apiTokenCreated struct {
	Name      string      `json:"name"`
	Token     string      `json:"token"`
	Role      domain.Role `json:"role"`
	Entity    string      `json:"entity,omitempty"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// apiTokenOut describes a token without its secret.
type apiTokenOut struct {
	Name       string      `json:"name"`
	Role       domain.Role `json:"role"`
	Entity     string      `json:"entity,omitempty"`
	ExpiresAt  time.Time   `json:"expires_at"`
	RevokedAt  *time.Time  `json:"revoked_at"`
	LastUsedAt *time.Time  `json:"last_used_at"`
	CreatedBy  string      `json:"created_by"`
	CreatedAt  time.Time   `json:"created_at"`
}

// createAPIToken issues an integration token (admin).
func (a *API) createAPIToken(c *gin.Context) error {
	var in apiTokenIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	ctx := c.Request.Context()
	// Case-folded like a username, so "Telephony" and "telephony" are one.
	name := store.NormalizeUsername(in.Name)
	fe := checkTokenName("name", name)
	entity := strings.TrimSpace(in.Entity)
	re, err := a.checkRoleEntity(ctx, in.Role, entity, true)
	if err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	fe = append(fe, re...)
	switch {
	case in.ExpiresInDays == nil:
		fe = append(fe, fieldErr{field: "expires_in_days", code: fieldRequired})
	case *in.ExpiresInDays < 1 || *in.ExpiresInDays > maxTokenDays:
		fe = append(fe, fieldErr{field: "expires_in_days", code: fieldOutOfRange})
	}
	if len(fe) > 0 {
		return invalid(fe...)
	}
	secret, err := signin.NewToken()
	if err != nil {
		return err
	}
	secret = apiTokenPrefix + secret
	actor, _ := staffActor(c)
	now := a.now()
	expiresAt := now.Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
	var t store.APIToken
	err = a.audited(c, actor, auditTokenCreated, "token/"+name,
		gin.H{"role": in.Role, "entity": entity, "expires_at": expiresAt.UTC()}, func(ctx context.Context) error {
			var err error
			t, err = a.store.CreateAPIToken(ctx, store.NewAPIToken{
				Name: name, TokenHash: tokenHash(secret), Role: in.Role, Entity: entity,
				ExpiresAt: expiresAt, CreatedBy: actor.ID,
			}, now)
			return err
		})
	if errors.Is(err, store.ErrExists) {
		return problem(http.StatusConflict, codeTokenExists)
	} else if err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	return writeJSON(c, http.StatusCreated, apiTokenCreated{Name: t.Name, Token: secret, Role: t.Role,
		Entity: t.Entity, ExpiresAt: t.ExpiresAt})
}

// listAPITokens lists every integration token, without secrets (admin).
func (a *API) listAPITokens(c *gin.Context) error {
	ts, err := a.store.ListAPITokens(c.Request.Context())
	if err != nil {
		return fmt.Errorf("list API tokens: %w", err)
	}
	out := make([]apiTokenOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, apiTokenOut{Name: t.Name, Role: t.Role, Entity: t.Entity, ExpiresAt: t.ExpiresAt,
			RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt})
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": out})
}

// revokeAPIToken ends an integration token at once (admin).
func (a *API) revokeAPIToken(c *gin.Context) error {
	name := c.Param("name")
	actor, _ := staffActor(c)
	err := a.audited(c, actor, auditTokenRevoked, "token/"+name, nil, func(ctx context.Context) error {
		return a.store.RevokeAPIToken(ctx, name, a.now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	c.Status(http.StatusNoContent)
	return nil
}
