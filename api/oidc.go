package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Optional login through the ministry's single sign-on (OpenID Connect). The
// SSO front end runs the authorization-code flow and hands the API the ID
// token; the API verifies it (signature against the provider's published
// keys, issuer, audience = our client ID, expiry), maps its claims to a role
// and an entity, and answers the same token pair as a password login, for the
// account "oidc:<username>" (created at the first login without a usable
// password; its name, role and entity follow the provider at every login).
// The account is the provider's (issuer, subject), which it never gives to
// anyone else, not the username, which it may reassign: a token naming a
// taken username under another subject is refused. A token must be fresh
// (issued within MaxAge) and, when the front end sends the nonce it put in
// the authorization request, carry it: a token lifted from a log or a
// browser cannot be replayed later.

// OIDCOptions configure the single sign-on; an empty Issuer disables it.
type OIDCOptions struct {
	Issuer   string
	ClientID string
	// UsernameClaim, RoleClaim, EntityClaim name the ID token claims
	// (defaults preferred_username, tawasul_role, tawasul_entity).
	UsernameClaim, RoleClaim, EntityClaim string
	// Roles maps the provider's role values (compared case-insensitively) to
	// ours; when empty the claim must carry one of domain.StaffRoles() itself.
	Roles map[string]domain.Role
	// HTTPClient fetches the discovery document and keys (default http.DefaultClient).
	HTTPClient *http.Client
	// MaxAge is how long after its iat an ID token is accepted (default
	// defaultOIDCMaxAge): the front end sends it right after the code
	// exchange, so an older one is a replay.
	MaxAge time.Duration
}

const (
	// ssoUserPrefix starts the username of every single sign-on account, so
	// none can collide with a password account.
	ssoUserPrefix = "oidc:"
	// ssoNoPassword is the password hash of a single sign-on account: no
	// password verifies against it (password login refuses it outright).
	ssoNoPassword  = signin.NoPassword
	auditLoginOIDC = "login.oidc"
	// auditSSOLinked records an account made before identities were kept
	// bound to the subject of its first login since.
	auditSSOLinked = "account.sso_linked"
	// defaultOIDCMaxAge: the code exchange and the hand-over take seconds;
	// minutes allow for a slow user agent and clocks a little apart.
	defaultOIDCMaxAge = 5 * time.Minute
	// oidcClockSkew is how far in the future an iat may be.
	oidcClockSkew = time.Minute
	// oidcRetry spaces discovery attempts while the provider is down.
	oidcRetry = 10 * time.Second
)

// ssoActor is who grants an account of the single sign-on its role and
// entity: the identity provider, through its claims, not the person logging in.
var ssoActor = workflows.Actor{ID: "sso", Role: domain.RoleSystem}

func (o OIDCOptions) enabled() bool { return o.Issuer != "" }

// checkOIDC refuses a configuration that could only ever fail or map wrongly.
func checkOIDC(o OIDCOptions) error {
	if !o.enabled() {
		return nil
	}
	if o.ClientID == "" {
		return errors.New("api: OIDC: client ID required with an issuer")
	}
	for k, r := range o.Roles {
		if !r.ValidStaff() {
			return fmt.Errorf("api: OIDC: role %q maps to unknown role %q", k, r)
		}
	}
	return nil
}

// oidcLogin verifies ID tokens; the provider is discovered lazily (and again
// after a failure, at most every oidcRetry) so a provider down at start does
// not keep the API from starting.
type oidcLogin struct {
	opts OIDCOptions
	now  func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	lastErr  error
	lastTry  time.Time
}

func newOIDCLogin(o OIDCOptions, now func() time.Time) *oidcLogin {
	if o.UsernameClaim == "" {
		o.UsernameClaim = "preferred_username"
	}
	if o.RoleClaim == "" {
		o.RoleClaim = "tawasul_role"
	}
	if o.EntityClaim == "" {
		o.EntityClaim = "tawasul_entity"
	}
	if o.MaxAge <= 0 {
		o.MaxAge = defaultOIDCMaxAge
	}
	roles := make(map[string]domain.Role, len(o.Roles))
	for k, r := range o.Roles {
		roles[strings.ToLower(k)] = r
	}
	o.Roles = roles
	return &oidcLogin{opts: o, now: now}
}

// verifierFor returns the verifier, discovering the provider if need be.
func (l *oidcLogin) verifierFor(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.verifier != nil {
		return l.verifier, nil
	}
	// Wall-clock time, not the API's clock: this only spaces network attempts.
	if l.lastErr != nil && time.Since(l.lastTry) < oidcRetry {
		return nil, l.lastErr
	}
	l.lastTry = time.Now()
	if l.opts.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, l.opts.HTTPClient)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// The key set keeps the context's values (the HTTP client), not its
	// deadline (go-oidc detaches it), so the timeout bounds discovery only.
	p, err := oidc.NewProvider(ctx, l.opts.Issuer)
	if err != nil {
		l.lastErr = fmt.Errorf("oidc discovery %s: %w", l.opts.Issuer, err)
		return nil, l.lastErr
	}
	l.verifier = p.Verifier(&oidc.Config{ClientID: l.opts.ClientID, Now: l.now})
	l.lastErr = nil
	return l.verifier, nil
}

// role maps a role claim (a string or a list of strings) to one of ours; ok
// is false when none, or more than one distinct role, matches.
func (l *oidcLogin) role(v any) (domain.Role, bool) {
	var vals []string
	switch t := v.(type) {
	case string:
		vals = []string{t}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				vals = append(vals, s)
			}
		}
	}
	var found domain.Role
	for _, s := range vals {
		var r domain.Role
		if len(l.opts.Roles) > 0 {
			r = l.opts.Roles[strings.ToLower(strings.TrimSpace(s))]
		} else {
			r = domain.Role(strings.TrimSpace(s))
		}
		if !r.ValidStaff() {
			continue
		}
		if found != "" && found != r {
			return "", false // ambiguous: refuse rather than pick
		}
		found = r
	}
	return found, found != ""
}

type oidcIn struct {
	IDToken string `json:"id_token"`
	// Nonce is the one the front end put in the authorization request, when
	// it sent one: the token must carry it.
	Nonce string `json:"nonce"`
}

// fresh refuses a token issued more than MaxAge before now (or later than
// now, beyond the skew), and one whose nonce is not the expected one. The
// age is the token's own (iat), not the provider's session (auth_time): a
// long-lived session at the provider is its policy; an old token is a replay.
func (l *oidcLogin) fresh(tok *oidc.IDToken, nonce string, now time.Time) error {
	switch {
	case tok.IssuedAt.IsZero():
		return errors.New("no iat")
	case now.Sub(tok.IssuedAt) > l.opts.MaxAge:
		return fmt.Errorf("issued %s ago, more than max age %s", now.Sub(tok.IssuedAt).Round(time.Second), l.opts.MaxAge)
	case tok.IssuedAt.Sub(now) > oidcClockSkew:
		return fmt.Errorf("issued %s in the future", tok.IssuedAt.Sub(now).Round(time.Second))
	case nonce != "" && subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(nonce)) != 1:
		return errors.New("nonce mismatch")
	}
	return nil
}

// loginOIDC exchanges a verified ID token of the single sign-on for a token pair.
func (a *API) loginOIDC(c *gin.Context) error {
	if a.auth.oidc == nil {
		return problem(http.StatusNotFound, codeNotFound)
	}
	if err := a.rateLimit(c, a.limits.login); err != nil {
		return err
	}
	var in oidcIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.IDToken) == "" {
		return invalid(fieldErr{field: "id_token", code: fieldRequired})
	}
	ctx := c.Request.Context()
	v, err := a.auth.oidc.verifierFor(ctx)
	if err != nil {
		a.log.Error("single sign-on unavailable", "error", err)
		return problem(http.StatusServiceUnavailable, codeSSOUnavailable)
	}
	tok, err := v.Verify(ctx, strings.TrimSpace(in.IDToken))
	if err != nil {
		// Signature, issuer, audience or expiry: nobody to audit yet.
		a.log.Info("ID token refused", "error", err, "ip", c.ClientIP())
		return badCredentials()
	}
	now := a.now()
	if err := a.auth.oidc.fresh(tok, in.Nonce, now); err != nil {
		a.log.Info("ID token refused", "error", err, "subject", tok.Subject, "ip", c.ClientIP())
		return badCredentials()
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil || tok.Subject == "" {
		a.log.Info("ID token claims unreadable", "error", err)
		return badCredentials()
	}
	o := a.auth.oidc.opts
	raw, _ := claims[o.UsernameClaim].(string)
	name := store.NormalizeUsername(raw)
	if name == "" || utf8.RuneCountInString(ssoUserPrefix+name) > maxUsernameLength || !usernamePattern.MatchString(name) {
		a.log.Info("ID token without a usable username", "claim", o.UsernameClaim, "subject", tok.Subject)
		return badCredentials()
	}
	username := ssoUserPrefix + name
	failed := func(reason string) error {
		if err := a.auditAs(c, signin.Actor(store.Account{Username: username}), auditLoginFailed, "account/"+username,
			gin.H{"reason": reason, "ip": c.ClientIP(), "sso": true, "subject": tok.Subject}); err != nil {
			return err
		}
		return badCredentials()
	}

	role, ok := a.auth.oidc.role(claims[o.RoleClaim])
	if !ok {
		return failed("role")
	}
	entity := ""
	if authz.EntityScoped(role) {
		entity, _ = claims[o.EntityClaim].(string)
		// An entity is a code: one hiding characters is refused, not repaired.
		if normalize.HasHidden(entity) {
			return failed("entity")
		}
		entity = normalize.Text(entity)
		if entity == "" {
			return failed("entity")
		}
		if _, err := a.entities.Find(ctx, entity); errors.Is(err, store.ErrNotFound) {
			return failed("entity")
		} else if err != nil {
			return fmt.Errorf("oidc login: %w", err)
		}
	}
	display, _ := claims["name"].(string)
	display = normalize.Text(display) // free text, as every name that enters
	if display == "" || utf8.RuneCountInString(display) > 200 {
		display = name
	}

	// A disabled password account of the same person keeps the door shut.
	if local, err := a.store.GetAccountByUsername(ctx, name); err == nil && local.Disabled {
		return failed("disabled")
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("oidc login: %w", err)
	}

	// The identity provider grants the account and its scope: each grant
	// and each change of it is audited, in its own transaction, with what
	// the account could do before and after.
	granted := gin.H{"via": "sso", "subject": tok.Subject}
	acc, err := a.ssoAccount(c, tok, username, display, role, entity, granted, now)
	if errors.Is(err, errSSOSubject) {
		return failed("subject")
	}
	if err != nil {
		return fmt.Errorf("oidc login: %w", err)
	}
	username = acc.Username // the subject's account, whatever name it goes by now
	if acc.Disabled {
		return failed("disabled")
	}
	switch {
	case acc.Role != role || acc.Entity != entity:
		if err := a.audited(c, ssoActor, auditRoleChanged, "account/"+username, granted, func(ctx context.Context) error {
			return a.store.UpdateAccountProfile(ctx, username, display, role, entity, now)
		}); err != nil {
			return fmt.Errorf("oidc login: %w", err)
		}
	case acc.Name != display: // the name alone grants nothing
		if err := a.store.UpdateAccountProfile(ctx, username, display, role, entity, now); err != nil {
			return fmt.Errorf("oidc login: %w", err)
		}
	}
	acc.Name, acc.Role, acc.Entity = display, role, entity
	return a.startSession(c, acc, auditLoginOIDC, gin.H{"ip": c.ClientIP(), "subject": tok.Subject})
}

// errSSOSubject: the username is another subject's account.
var errSSOSubject = errors.New("username held by another subject")

// ssoAccount finds the account of the token's (issuer, subject), or makes
// it. The username claim only names a new account: one already held by
// another subject is errSSOSubject (the provider reassigned the name, or a
// second provider account claims it), never a takeover. An account made
// before identities were kept is bound to the first subject that logs in
// to it since (audited: account.sso_linked).
func (a *API) ssoAccount(c *gin.Context, tok *oidc.IDToken, username, display string, role domain.Role, entity string, granted gin.H, now time.Time) (store.Account, error) {
	ctx := c.Request.Context()
	acc, err := a.store.GetAccountBySSO(ctx, tok.Issuer, tok.Subject)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return acc, err
	}
	acc, err = a.store.GetAccountByUsername(ctx, username)
	if err == nil {
		if _, err := a.store.SSOIdentityOf(ctx, acc.ID); err == nil {
			return store.Account{}, errSSOSubject
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Account{}, err
		}
		err = a.audited(c, ssoActor, auditSSOLinked, "account/"+username, granted, func(ctx context.Context) error {
			return a.store.LinkSSO(ctx, acc.ID, tok.Issuer, tok.Subject, now)
		})
		if errors.Is(err, store.ErrExists) { // linked meanwhile, to this subject or another
			return a.ssoAccountLinked(ctx, tok)
		}
		return acc, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Account{}, err
	}
	err = a.audited(c, ssoActor, auditAccountCreated, "account/"+username, granted, func(ctx context.Context) error {
		var err error
		acc, err = a.store.CreateSSOAccount(ctx, store.NewAccount{
			Username: username, Name: display, Role: role, Entity: entity, PasswordHash: ssoNoPassword,
		}, tok.Issuer, tok.Subject, now)
		return err
	})
	if errors.Is(err, store.ErrExists) { // a concurrent first login, of this subject or another
		return a.ssoAccountLinked(ctx, tok)
	}
	return acc, err
}

// ssoAccountLinked is the subject's account after a race: another request
// linked or created it, or took the username for another subject.
func (a *API) ssoAccountLinked(ctx context.Context, tok *oidc.IDToken) (store.Account, error) {
	acc, err := a.store.GetAccountBySSO(ctx, tok.Issuer, tok.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, errSSOSubject
	}
	return acc, err
}
