package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/accounts"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// API tokens of integrations (call-center telephony, social-media
// connectors): created by an admin with a staff role (never admin) and, for
// scoped roles, an entity; the secret is shown once and only its SHA-256 is
// stored; each expires (at most a year) and can be revoked.

const (
	// apiTokenPrefix starts every integration token, so authenticate can
	// look it up directly.
	apiTokenPrefix = accounts.TokenPrefix
	// apiTokenActorPrefix marks actors that are integration tokens.
	apiTokenActorPrefix = "token:"
)

// checkTokenName is accounts.CheckTokenName as the API's field errors.
func checkTokenName(field, name string) []fieldErr {
	return fieldErrs(accounts.CheckTokenName(field, name))
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
	actor, _ := staffActor(c)
	t, err := a.accounts.CreateToken(c.Request.Context(), actor, accounts.NewToken{
		Name: in.Name, Role: in.Role, Entity: in.Entity, ExpiresInDays: in.ExpiresInDays,
	})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	return writeJSON(c, http.StatusCreated, apiTokenCreated{Name: t.Name, Token: t.Secret, Role: t.Role,
		Entity: t.Entity, ExpiresAt: t.ExpiresAt})
}

// listAPITokens lists every integration token, without secrets (admin).
func (a *API) listAPITokens(c *gin.Context) error {
	ts, err := a.accounts.Tokens(c.Request.Context())
	if err != nil {
		return err
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
	actor, _ := staffActor(c)
	if err := a.accounts.RevokeToken(c.Request.Context(), actor, c.Param("name")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
