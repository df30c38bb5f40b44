// Package signin holds the staff's sign-in use cases, the application core
// every front end shares (the JSON API, the web pages): a password checked
// under the per-address throttle, a session started with its tokens (only
// their hashes kept), refreshed, looked up, ended; one's own password
// changed; one's language remembered.
//
// Answers are typed results, or a *refusal.Error each front end maps once:
// Unauthenticated for every refused credential (whatever the reason, so the
// caller learns nothing about which), Throttled with the wait, Busy when the
// password hasher has no free slot, Invalid at the field at fault. What the
// front end alone knows (the client's address, its own per-address rate
// limit, how tokens travel) stays there.
package signin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const (
	// AccessTTL is how long an access token lives unless Start is told
	// otherwise; RefreshTTL how long its refresh token (and so the session).
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 12 * time.Hour
	// MinPasswordLen is the shortest new password, in characters.
	MinPasswordLen = 12
	// MaxPasswordBytes bounds the hashing work one attempt can ask for.
	MaxPasswordBytes = 1024
	// MaxUsernameLength is the longest username, in characters.
	MaxUsernameLength = 64
	// NoPassword is the password hash of a single sign-on account: no
	// password verifies against it, and Password refuses it outright.
	NoPassword = "!sso"
	// busyRetry is about the time a caller waits for a slot of the password
	// hasher before giving up: the wait to suggest when none freed.
	busyRetry = time.Second
)

// Options configure the Service. Store and Audit are required.
type Options struct {
	Store *store.Store
	// Passwords hashes and verifies account passwords (default argon2id with
	// password.Default); tests pass cheaper parameters.
	Passwords *password.Hasher
	Audit     *auditlog.Writer
	Logger    *slog.Logger
	Now       func() time.Time // default time.Now
}

// Service runs the sign-in use cases.
type Service struct {
	store     *store.Store
	passwords *password.Hasher
	audit     *auditlog.Writer
	log       *slog.Logger
	now       func() time.Time
}

// New checks opts and fills in the defaults.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("signin: Options.Store is required")
	case opts.Audit == nil:
		return nil, errors.New("signin: Options.Audit is required")
	}
	s := &Service{store: opts.Store, passwords: opts.Passwords, audit: opts.Audit, log: opts.Logger, now: opts.Now}
	if s.passwords == nil {
		h, err := password.New(password.Default)
		if err != nil {
			return nil, fmt.Errorf("signin: %w", err)
		}
		s.passwords = h
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Actor is the actor an account acts as.
func Actor(acc store.Account) workflows.Actor {
	return workflows.Actor{ID: store.AccountActorPrefix + acc.Username, Name: acc.Name, Role: acc.Role, Entity: acc.Entity}
}

// username is the account an actor is, ok=false for a configured credential
// or an integration token (which have no password, session or preferences).
func username(actor workflows.Actor) (string, bool) {
	return strings.CutPrefix(actor.ID, store.AccountActorPrefix)
}

// NewToken is an opaque bearer token: 32 random bytes, base64url.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// TokenHash is the hex SHA-256 under which a bearer token is stored: the
// store never holds a token itself.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
