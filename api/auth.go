package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/workflows"
)

const actorKey = "tawasul.actor"

const sessionKey = "tawasul.session"

// authenticate resolves the bearer token: a configured credential, a live
// integration token or the access token of a live account session. ok=false with present=true means a
// token was sent but matches nobody; err is a failure to look it up.
//
// A beneficiary's session token (tb_…) is never looked up here: it lives in
// its own table, so it matches nobody and staff routes refuse it like any
// unknown token.
func (a *API) authenticate(r *http.Request) (actor workflows.Actor, sessionID int64, present, ok bool, err error) {
	token, present := bearer(r)
	if token == "" {
		return workflows.Actor{}, 0, present, false, nil
	}
	hash := tokenHash(token)
	presented := []byte(hash)
	match := -1
	// Compare against every credential, without stopping early, so the time
	// taken says nothing about which (or whether any) token matched.
	for i, c := range a.auth.creds {
		if subtle.ConstantTimeCompare(presented, []byte(strings.ToLower(c.TokenHash))) == 1 {
			match = i
		}
	}
	if match >= 0 {
		c := a.auth.creds[match]
		return workflows.Actor{ID: c.Name, Name: c.Name, Role: c.Role, Entity: c.Entity}, 0, true, true, nil
	}
	// An integration token (store.APIToken), recognizable by its prefix and
	// looked up by its hash. A session token may start with the same three
	// characters by chance, so an unknown one falls through to the sessions.
	if strings.HasPrefix(token, apiTokenPrefix) {
		actor, ok, err := a.apiTokenLookup(r, hash)
		if err != nil {
			return workflows.Actor{}, 0, true, false, err
		}
		if ok {
			return actor, 0, true, true, nil
		}
	}
	// An account session (signin.Service.Lookup).
	actor, sid, err := a.signin.Lookup(r.Context(), token)
	if rf, ok := refusal.As(err); ok && rf.Kind == refusal.Unauthenticated {
		return workflows.Actor{}, 0, true, false, nil
	}
	if err != nil {
		return workflows.Actor{}, 0, true, false, err
	}
	return actor, sid, true, true, nil
}

// bearer is the request's bearer token; present reports an Authorization
// header at all, so a malformed one ("", true) is told from none ("", false).
func bearer(r *http.Request) (token string, present bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, token, found := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return token, true
}

// tokenHash is the hex SHA-256 under which a bearer token is stored
// (signin.TokenHash: configured, integration, session and beneficiary
// tokens alike).
func tokenHash(token string) string { return signin.TokenHash(token) }

// requireAuthOrSession is requireAuth that also admits the web pages'
// browser session (its cookie) when no Authorization header is sent: for
// the codec endpoint, which the Temporal Web UI calls from the browser of a
// signed-in admin or auditor (CORS limits which origins may; the cookie is
// SameSite=Lax, so no other site's page sends it).
func (a *API) requireAuthOrSession() gin.HandlerFunc {
	bearerOnly := a.requireAuth()
	return func(c *gin.Context) {
		token := signin.SessionCookie(c.Request)
		if _, present := bearer(c.Request); present || token == "" {
			bearerOnly(c)
			return
		}
		actor, sid, err := a.signin.Lookup(c.Request.Context(), token)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Set(actorKey, actor)
		c.Set(sessionKey, sid)
		c.Next()
	}
}

// requireAuth admits staff tokens only: configured ones, integration tokens
// and account sessions.
func (a *API) requireAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, sid, present, ok, err := a.authenticate(c.Request)
		if err := authRefusal(present, ok, err, true); err != nil {
			a.fail(c, err)
			return
		}
		c.Set(actorKey, actor)
		if sid != 0 {
			c.Set(sessionKey, sid)
		}
		c.Next()
	}
}

// authRefusal is why authentication refuses a request, nil when it does
// not: a failure to look the token up (500), or a token that matches nobody
// (401) — and, when a token is required, no token at all.
func authRefusal(present, ok bool, err error, required bool) error {
	switch {
	case err != nil:
		return fmt.Errorf("authenticate: %w", err)
	case !ok && (present || required):
		return problem(http.StatusUnauthorized, codeUnauthorized)
	}
	return nil
}

// optionalAuth admits anonymous callers but refuses a token that matches
// nobody: silently treating a mistyped staff token as anonymous would file a
// call-center ticket as a self-service one.
func (a *API) optionalAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, sid, present, ok, err := a.authenticate(c.Request)
		if err := authRefusal(present, ok, err, false); err != nil {
			a.fail(c, err)
			return
		}
		if ok {
			c.Set(actorKey, actor)
			if sid != 0 {
				c.Set(sessionKey, sid)
			}
		}
		c.Next()
	}
}

// sessionOf is the account session the request authenticated with, if any.
func sessionOf(c *gin.Context) (int64, bool) {
	v, ok := c.Get(sessionKey)
	if !ok {
		return 0, false
	}
	id, ok := v.(int64)
	return id, ok && id != 0
}

func (a *API) requireRole(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, ok := staffActor(c)
		if !ok || !slices.Contains(roles, actor.Role) {
			a.fail(c, problem(http.StatusForbidden, codeForbidden))
			return
		}
		c.Next()
	}
}

// staffActor returns the authenticated staff member, if any.
func staffActor(c *gin.Context) (workflows.Actor, bool) {
	v, ok := c.Get(actorKey)
	if !ok {
		return workflows.Actor{}, false
	}
	actor, ok := v.(workflows.Actor)
	return actor, ok
}
