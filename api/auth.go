package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
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
	for i, c := range a.creds {
		if subtle.ConstantTimeCompare(presented, []byte(strings.ToLower(c.TokenHash))) == 1 {
			match = i
		}
	}
	if match >= 0 {
		c := a.creds[match]
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
	// An account session: looked up by the hash (an index probe; the hash of
	// a random 256-bit token reveals nothing through timing).
	sess, acc, err := a.store.SessionByToken(r.Context(), hash, a.now())
	if errors.Is(err, store.ErrNotFound) {
		return workflows.Actor{}, 0, true, false, nil
	}
	if err != nil {
		return workflows.Actor{}, 0, true, false, err
	}
	return accountActor(acc), sess.ID, true, true, nil
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

// accountActor is the actor an account acts as.
func accountActor(acc store.Account) workflows.Actor {
	return workflows.Actor{ID: accountActorPrefix + acc.Username, Name: acc.Name, Role: acc.Role, Entity: acc.Entity}
}

// accountActorPrefix marks actors that are accounts (not configured tokens).
const accountActorPrefix = "user:"

// tokenHash is the hex SHA-256 under which a bearer token is stored.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// requireAuth admits staff tokens only: configured ones, integration tokens
// and account sessions.
func (a *API) requireAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, sid, _, ok, err := a.authenticate(c.Request)
		if err != nil {
			a.fail(c, fmt.Errorf("authenticate: %w", err))
			c.Abort()
			return
		}
		if !ok {
			writeProblem(c, problem(http.StatusUnauthorized, codeUnauthorized))
			return
		}
		c.Set(actorKey, actor)
		if sid != 0 {
			c.Set(sessionKey, sid)
		}
		c.Next()
	}
}

// optionalAuth admits anonymous callers but refuses a token that matches
// nobody: silently treating a mistyped staff token as anonymous would file a
// call-center ticket as a self-service one.
func (a *API) optionalAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, sid, present, ok, err := a.authenticate(c.Request)
		if err != nil {
			a.fail(c, fmt.Errorf("authenticate: %w", err))
			c.Abort()
			return
		}
		if present && !ok {
			writeProblem(c, problem(http.StatusUnauthorized, codeUnauthorized))
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
			writeProblem(c, problem(http.StatusForbidden, codeForbidden))
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

// entityScoped reports whether a role works inside one entity (or sector) only.
func entityScoped(r domain.Role) bool {
	switch r {
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead, domain.RoleSectorOfficial:
		return true
	}
	return false
}

// mayFile reports whether a staff role may file tickets (on any channel).
// Auditors only read.
func mayFile(r domain.Role) bool { return r.ValidStaff() && r != domain.RoleAuditor }

// scope returns the entities whose tickets actor may see; nil means all.
func (a *API) scope(ctx context.Context, actor workflows.Actor) ([]string, error) {
	switch actor.Role {
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		return []string{actor.Entity}, nil
	case domain.RoleSectorOfficial:
		// The whole subtree, not only the direct children: escalation finds a
		// ticket's sector by walking up (activities.ResolveLevel), so an entity
		// nested deeper (a governorate office under a region) still climbs to
		// this sector, and its official must be able to open what it is sent.
		es, err := a.entities.get(ctx)
		if err != nil {
			return nil, err
		}
		parents := parentsOf(es)
		out := []string{actor.Entity}
		for _, e := range es {
			if e.Code != actor.Entity && slices.Contains(ancestors(parents, e.Code), actor.Entity) {
				out = append(out, e.Code)
			}
		}
		return out, nil
	default:
		return nil, nil
	}
}

// canSee reports whether a ticket is inside actor's scope: filed to, or now
// the responsibility of, one of the scope's entities.
func (a *API) canSee(ctx context.Context, actor workflows.Actor, t store.Ticket) (bool, error) {
	sc, err := a.scope(ctx, actor)
	if err != nil {
		return false, err
	}
	if sc == nil {
		return true, nil
	}
	return slices.Contains(sc, t.ResponsibleEntity) || slices.Contains(sc, t.Entity), nil
}

// canAct reports whether actor may answer the ticket: staff of the entity
// responsible now, an admin, or a ladder role once the ticket has climbed to
// that role's rung or beyond (a higher rung does not take the ticket away from
// the lower ones: whoever answers first stops the climb).
func (a *API) canAct(ctx context.Context, actor workflows.Actor, t store.Ticket) (bool, error) {
	switch actor.Role {
	case domain.RoleAdmin:
		return true, nil
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead, domain.RoleSectorOfficial:
		if actor.Entity != "" && actor.Entity == t.ResponsibleEntity {
			return true, nil
		}
	}
	rank := slices.Index(domain.LadderRoles(), actor.Role)
	if rank < 0 || t.EscalationLevel == 0 || slices.Index(domain.LadderRoles(), t.EscalationRole) < rank {
		return false, nil
	}
	switch domain.LadderScope(actor.Role) {
	case domain.ScopeMinistry:
		return true, nil
	case domain.ScopeSector:
		// The nearest sector above the responsible entity, however deep it
		// sits (as the ladder finds it), not only its direct parent.
		es, err := a.entities.get(ctx)
		if err != nil {
			return false, err
		}
		return actor.Entity != "" && sectorOf(es, t.ResponsibleEntity) == actor.Entity, nil
	default:
		return actor.Entity == t.ResponsibleEntity, nil
	}
}

// parentsOf maps each entity to its parent.
func parentsOf(es []store.Entity) map[string]string {
	m := make(map[string]string, len(es))
	for _, e := range es {
		m[e.Code] = e.Parent
	}
	return m
}

// ancestors lists code's ancestors, nearest first; the walk is bounded so a
// cycle in bad data cannot loop forever.
func ancestors(parents map[string]string, code string) []string {
	var out []string
	for range 16 {
		p := parents[code]
		if p == "" || p == code {
			return out
		}
		out = append(out, p)
		code = p
	}
	return out
}

// sectorOf is the sector code sits in (code itself if it is one), "" if none.
func sectorOf(es []store.Entity, code string) string {
	kinds := make(map[string]domain.EntityKind, len(es))
	for _, e := range es {
		kinds[e.Code] = e.Kind
	}
	for _, c := range append([]string{code}, ancestors(parentsOf(es), code)...) {
		if kinds[c] == domain.EntitySector {
			return c
		}
	}
	return ""
}

// entityCache keeps the hierarchy for a short while: scopes are computed on
// every request and the hierarchy changes rarely.
type entityCache struct {
	ttl  time.Duration
	load func(context.Context) ([]store.Entity, error)
	now  func() time.Time

	mu     sync.Mutex
	list   []store.Entity
	loaded time.Time
}

// invalidate drops the cached hierarchy (after an import).
func (ec *entityCache) invalidate() {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	ec.list = nil
}

func (ec *entityCache) get(ctx context.Context) ([]store.Entity, error) {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	now := ec.now()
	if ec.list != nil && now.Sub(ec.loaded) < ec.ttl && !now.Before(ec.loaded) {
		return ec.list, nil
	}
	es, err := ec.load(ctx)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []store.Entity{}
	}
	ec.list, ec.loaded = es, now
	return es, nil
}

func (ec *entityCache) find(ctx context.Context, code string) (store.Entity, error) {
	es, err := ec.get(ctx)
	if err != nil {
		return store.Entity{}, err
	}
	for _, e := range es {
		if e.Code == code {
			return e, nil
		}
	}
	return store.Entity{}, store.ErrNotFound
}
