package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// StartOptions say how a session starts.
type StartOptions struct {
	// Action and Detail are the audit entry of the sign-in (default
	// auditlog.Login, no detail).
	Action string
	Detail any
	// AccessTTL is how long the access token lives (0: AccessTTL). A
	// browser session asks for a working day and no refresh token.
	AccessTTL time.Duration
	// WithRefresh hands out a refresh token (RefreshTTL) beside the access
	// token.
	WithRefresh bool
}

// Session is a started (or refreshed) session: its tokens, which exist
// nowhere else (the store keeps their hashes), and when the access token
// expires. Refresh is "" when none was asked for. IssuedAt is the time the
// expiry counts from, for a lifetime in seconds.
type Session struct {
	ID              int64
	Access, Refresh string
	IssuedAt        time.Time
	ExpiresAt       time.Time
}

// Start opens a session for acc, its audit entry in the same transaction:
// the end of every successful sign-in (password, single sign-on).
func (s *Service) Start(ctx context.Context, acc store.Account, o StartOptions) (Session, error) {
	if o.Action == "" {
		o.Action = auditlog.Login
	}
	ttl := o.AccessTTL
	if ttl <= 0 {
		ttl = AccessTTL
	}
	access, err := NewToken()
	if err != nil {
		return Session{}, err
	}
	// Every session row has a refresh hash (the column is required and
	// unique): without a refresh token asked for, it is the hash of one made
	// and thrown away, expiring with the access token, so nothing can ever
	// refresh the session.
	refresh, err := NewToken()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	expires := now.Add(ttl)
	refreshExpires := expires
	if o.WithRefresh {
		refreshExpires = now.Add(RefreshTTL)
	}
	var row store.Session
	if err := s.audit.Audited(ctx, Actor(acc), o.Action, "account/"+acc.Username, o.Detail, func(ctx context.Context) error {
		var err error
		row, err = s.store.CreateSession(ctx, store.NewSession{
			AccountID: acc.ID, TokenHash: TokenHash(access), RefreshHash: TokenHash(refresh),
			ExpiresAt: expires, RefreshExpiresAt: refreshExpires,
		}, now)
		return err
	}); err != nil {
		return Session{}, fmt.Errorf("%s: %w", o.Action, err)
	}
	sess := Session{ID: row.ID, Access: access, IssuedAt: now, ExpiresAt: expires}
	if o.WithRefresh {
		sess.Refresh = refresh
	}
	return sess, nil
}

// Refresh exchanges a refresh token for a new pair; the old refresh token
// (and the access token issued with it) stop working. A refresh token
// presented again after its rotation was copied: the store ends its session
// and the event is audited (session.refresh_reused, from ip); the caller
// learns nothing more than from any refusal.
func (s *Service) Refresh(ctx context.Context, token, ip string) (Session, store.Account, error) {
	if token == "" {
		return Session{}, store.Account{}, refusal.Fields(refusal.Field{Name: "refresh_token", Code: refusal.FieldRequired})
	}
	access, err := NewToken()
	if err != nil {
		return Session{}, store.Account{}, err
	}
	refresh, err := NewToken()
	if err != nil {
		return Session{}, store.Account{}, err
	}
	now := s.now()
	row, acc, err := s.store.RotateRefresh(ctx, TokenHash(token), TokenHash(access), TokenHash(refresh), now.Add(AccessTTL), now)
	if errors.Is(err, store.ErrRefreshReused) {
		if aerr := s.audit.Append(ctx, workflows.SystemActor, auditlog.RefreshReused, "session",
			map[string]any{"ip": ip}); aerr != nil {
			return Session{}, store.Account{}, aerr
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, store.Account{}, refusal.New(refusal.Unauthenticated, refusal.CodeInvalidRefreshToken)
	} else if err != nil {
		return Session{}, store.Account{}, fmt.Errorf("refresh: %w", err)
	}
	return Session{ID: row.ID, Access: access, Refresh: refresh, IssuedAt: now, ExpiresAt: row.ExpiresAt}, acc, nil
}

// Lookup is the actor and session of a live access token: not revoked, not
// expired, its account enabled. Anything else is refused Unauthenticated
// (code unauthorized).
func (s *Service) Lookup(ctx context.Context, token string) (workflows.Actor, int64, error) {
	// Looked up by the hash (an index probe; the hash of a random 256-bit
	// token reveals nothing through timing).
	row, acc, err := s.store.SessionByToken(ctx, TokenHash(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return workflows.Actor{}, 0, refusal.Because(refusal.Unauthenticated, refusal.CodeUnauthorized, err)
	} else if err != nil {
		return workflows.Actor{}, 0, fmt.Errorf("session lookup: %w", err)
	}
	return Actor(acc), row.ID, nil
}

// Logout ends actor's session sessionID (one already ended or gone is not an
// error) and audits it.
func (s *Service) Logout(ctx context.Context, actor workflows.Actor, sessionID int64) error {
	if err := s.store.RevokeSession(ctx, sessionID, s.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	username, _ := username(actor)
	return s.audit.Append(ctx, actor, auditlog.Logout, "account/"+username, nil)
}

// The browser session's cookie, which the web pages set and any front end a
// browser reaches with it (the codec endpoint the Temporal Web UI calls)
// reads. Behind TLS it takes the __Host- prefix, which the browser enforces:
// no Domain, Path=/, set over TLS only.
const (
	CookieName       = "tawasul_session"
	SecureCookieName = "__Host-tawasul_session"
)

// SessionCookie is the browser session token r carries, "" when none.
func SessionCookie(r *http.Request) string {
	for _, name := range []string{SecureCookieName, CookieName} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}
