package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Staff accounts: password login with short-lived opaque access tokens and
// one-time refresh tokens (sessions in the read model, only their SHA-256
// hashes stored), logout and password change; the admin's create, disable
// and role change are in accounts.go.

const (
	accessTTL         = 15 * time.Minute
	refreshTTL        = 12 * time.Hour
	minPasswordLen    = 12   // characters
	maxPasswordBytes  = 1024 // bounds the hashing work one request can ask for
	maxUsernameLength = 64
)

var usernamePattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._@-]*$`)

type loginIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenPair is the answer to a login or refresh.
type tokenPair struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	ExpiresIn    int         `json:"expires_in"` // seconds
	TokenType    string      `json:"token_type"`
	Role         domain.Role `json:"role"`
	Entity       string      `json:"entity,omitempty"`
}

// newToken is an opaque bearer token: 32 random bytes, base64url.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func writeTokens(c *gin.Context, access, refresh string, expires, now time.Time, acc store.Account) error {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	return writeJSON(c, http.StatusOK, tokenPair{
		AccessToken: access, RefreshToken: refresh, ExpiresIn: int(expires.Sub(now) / time.Second),
		TokenType: "Bearer", Role: acc.Role, Entity: acc.Entity,
	})
}

// badCredentials is the one answer to every refused login, whatever the
// reason (unknown user, wrong password, disabled): the client learns nothing
// about which.
func badCredentials() *apiError { return problem(http.StatusUnauthorized, codeInvalidCredentials) }

// passwordsBusyRetry is the Retry-After of a 503 passwords_busy: about the
// time a caller waits for a slot of the password hasher before giving up.
const passwordsBusyRetry = "1"

// hashingError answers password.ErrBusy (every slot of the hasher stayed
// taken) with 503 passwords_busy and Retry-After; other errors pass.
func hashingError(err error) error {
	if errors.Is(err, password.ErrBusy) {
		e := problem(http.StatusServiceUnavailable, codePasswordsBusy)
		e.headers = map[string]string{"Retry-After": passwordsBusyRetry}
		return e
	}
	return err
}

// loginThrottled is the answer to an address that must wait before trying a
// username again: 429 with Retry-After (whole seconds, rounded up).
func loginThrottled(wait time.Duration) *apiError {
	e := problem(http.StatusTooManyRequests, codeRateLimited)
	e.headers = map[string]string{"Retry-After": strconv.Itoa(int((wait + time.Second - 1) / time.Second))}
	return e
}

// login exchanges a username and password for a token pair.
//
// Failures count per (case-folded username, client address), whether or not
// the username names an account: an address that has failed too often on a
// username must wait (429, store.LoginDelay) before its next try, and nothing
// is checked meanwhile; the right password from any other address still
// gets in, so nobody can lock a staff member out. Every other refusal takes
// the same path: one account lookup and one argon2id verification (against a
// dummy hash when the username is unknown), then the same 401. When the
// hasher has no free slot the answer is 503 with Retry-After and nothing is
// counted. The address itself is rate limited too, and a pattern of failures
// across addresses or usernames is audited as login.alert.
func (a *API) login(c *gin.Context) error {
	if err := a.rateLimit(c, a.limits.login); err != nil {
		return err
	}
	var in loginIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	var fe []fieldErr
	switch {
	case strings.TrimSpace(in.Username) == "":
		fe = append(fe, fieldErr{field: "username", code: fieldRequired})
	case normalize.HasHidden(in.Username):
		// No account is named so (checkHandle); PostgreSQL would refuse a
		// NUL in the failure count's key with a 500.
		fe = append(fe, fieldErr{field: "username", code: fieldInvalidValue})
	}
	if in.Password == "" {
		fe = append(fe, fieldErr{field: "password", code: fieldRequired})
	}
	if len(fe) > 0 {
		return invalid(fe...)
	}
	ctx := c.Request.Context()
	username := store.NormalizeUsername(in.Username)
	if len(username) > 4*maxUsernameLength {
		// Matches no account; bounds the audit row and the failure count's key.
		username = strings.ToValidUTF8(username[:4*maxUsernameLength], "")
	}
	now := a.now()
	address := clientAddress(c)
	actor := accountActor(store.Account{Username: username})

	prior, err := a.store.LoginFailures(ctx, username, address, now)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if retry := prior.RetryAt(); now.Before(retry) {
		if err := a.auditAs(c, actor, auditLoginFailed, "account/"+username,
			gin.H{"reason": "throttled", "ip": c.ClientIP()}); err != nil {
			return err
		}
		return loginThrottled(retry.Sub(now))
	}
	acc, reason, err := a.checkLogin(ctx, username, in.Password)
	if err != nil {
		return err
	}
	if reason != "" {
		return a.loginFailed(c, actor, username, address, reason, now)
	}
	if prior.Failures > 0 {
		if err := a.store.ClearLoginFailures(ctx, username, address); err != nil {
			return fmt.Errorf("login: %w", err)
		}
	}
	return a.startSession(c, acc, auditLogin, gin.H{"ip": c.ClientIP()}, now)
}

// checkLogin checks pw for username with the same work whatever the account:
// reason is "" when the login may go ahead, else why it may not (unknown,
// sso, disabled, password). err is a failure to look or check, 503 when the
// hasher is busy.
func (a *API) checkLogin(ctx context.Context, username, pw string) (acc store.Account, reason string, err error) {
	if len(pw) > maxPasswordBytes {
		// Longer than any password can be: it matches none, and is not hashed.
		return store.Account{}, "password", nil
	}
	acc, err = a.store.GetAccountByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, "unknown", hashingError(a.auth.passwords.DummyVerify(pw))
	} else if err != nil {
		return store.Account{}, "", fmt.Errorf("login: %w", err)
	}
	if acc.PasswordHash == ssoNoPassword {
		// An account of the single sign-on has no password to guess.
		return acc, "sso", hashingError(a.auth.passwords.DummyVerify(pw))
	}
	ok, verr := a.auth.passwords.Verify(acc.PasswordHash, pw)
	if errors.Is(verr, password.ErrBusy) {
		return acc, "", hashingError(verr)
	} else if verr != nil {
		a.log.Error("stored password hash unreadable", "account", acc.Username, "error", verr)
	}
	switch {
	case acc.Disabled:
		// Counted like any refusal, the right password included: a
		// difference would tell a guesser it had found the password.
		return acc, "disabled", nil
	case !ok:
		return acc, "password", nil
	}
	return acc, "", nil
}

// loginFailed counts a refused password of username from address, audited as
// login.failed with reason in the same transaction, raises an alert when the
// failures form an attack pattern, and answers the one 401.
func (a *API) loginFailed(c *gin.Context, actor workflows.Actor, username, address, reason string, now time.Time) error {
	var f store.FailedLogin
	err := a.audited(c, actor, auditLoginFailed, "account/"+username, gin.H{"reason": reason, "ip": c.ClientIP()},
		func(ctx context.Context) error {
			var err error
			f, err = a.store.RecordLoginFailure(ctx, username, address, now)
			return err
		})
	if err != nil {
		return fmt.Errorf("login failure: %w", err)
	}
	if f.Addresses >= store.LoginAlertAddresses {
		if err := a.loginAlert(c, store.LoginAlertAccount, username, "account/"+username, gin.H{
			"pattern": "one_account_many_addresses", "addresses": f.Addresses, "ip": c.ClientIP(),
			"window_minutes": int(store.LoginAlertWindow / time.Minute)}, now); err != nil {
			return err
		}
	}
	if f.Usernames >= store.LoginAlertAccounts {
		if err := a.loginAlert(c, store.LoginAlertAddress, address, "address/"+address, gin.H{
			"pattern": "one_address_many_accounts", "usernames": f.Usernames, "ip": c.ClientIP(),
			"window_minutes": int(store.LoginAlertWindow / time.Minute)}, now); err != nil {
			return err
		}
	}
	return badCredentials()
}

// loginAlert audits (login.alert) and logs an attack pattern on the logins,
// once per store.LoginAlertWindow for each kind and key.
func (a *API) loginAlert(c *gin.Context, kind, key, subject string, detail gin.H, now time.Time) error {
	err := a.audited(c, workflows.SystemActor, auditLoginAlert, subject, detail, func(ctx context.Context) error {
		return a.store.RaiseLoginAlert(ctx, kind, key, now)
	})
	if errors.Is(err, store.ErrExists) {
		return nil // raised already in this window
	} else if err != nil {
		return fmt.Errorf("login alert: %w", err)
	}
	a.log.Warn("login attack suspected", "subject", subject, "detail", detail)
	return nil
}

// startSession opens a session for acc, audits the login as action with
// detail, and answers the token pair: the end of every successful login
// (password or single sign-on).
func (a *API) startSession(c *gin.Context, acc store.Account, action string, detail gin.H, now time.Time) error {
	access, refresh, err := tokenPairStrings()
	if err != nil {
		return err
	}
	expires := now.Add(accessTTL)
	if err := a.audited(c, accountActor(acc), action, "account/"+acc.Username, detail, func(ctx context.Context) error {
		_, err := a.store.CreateSession(ctx, store.NewSession{
			AccountID: acc.ID, TokenHash: tokenHash(access), RefreshHash: tokenHash(refresh),
			ExpiresAt: expires, RefreshExpiresAt: now.Add(refreshTTL),
		}, now)
		return err
	}); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	return writeTokens(c, access, refresh, expires, now, acc)
}

func tokenPairStrings() (string, string, error) {
	access, err := newToken()
	if err != nil {
		return "", "", err
	}
	refresh, err := newToken()
	if err != nil {
		return "", "", err
	}
	return access, refresh, nil
}

type refreshIn struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh exchanges a refresh token for a new pair; the old refresh token
// (and the access token issued with it) stop working.
func (a *API) refresh(c *gin.Context) error {
	if err := a.rateLimit(c, a.limits.login); err != nil {
		return err
	}
	var in refreshIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return invalid(fieldErr{field: "refresh_token", code: fieldRequired})
	}
	access, refresh, err := tokenPairStrings()
	if err != nil {
		return err
	}
	now := a.now()
	sess, acc, err := a.store.RotateRefresh(c.Request.Context(), tokenHash(in.RefreshToken),
		tokenHash(access), tokenHash(refresh), now.Add(accessTTL), now)
	if errors.Is(err, store.ErrRefreshReused) {
		// A copied refresh token: the store ended its session. Recorded as a
		// security event; the caller learns nothing more than from any refusal.
		if aerr := a.auditAs(c, workflows.Actor{ID: "system", Role: domain.RoleSystem}, auditRefreshReused, "session",
			gin.H{"ip": c.ClientIP()}); aerr != nil {
			return aerr
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusUnauthorized, codeInvalidRefreshToken)
	} else if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	return writeTokens(c, access, refresh, sess.ExpiresAt, now, acc)
}

// logout ends the caller's session. A configured token has no session (it is
// revoked by removing it from the configuration): 204 all the same.
func (a *API) logout(c *gin.Context) error {
	if sid, ok := sessionOf(c); ok {
		if err := a.store.RevokeSession(c.Request.Context(), sid, a.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("logout: %w", err)
		}
		actor, _ := staffActor(c)
		if err := a.audit(c, auditLogout, "account/"+strings.TrimPrefix(actor.ID, accountActorPrefix), nil); err != nil {
			return err
		}
	}
	c.Status(http.StatusNoContent)
	return nil
}

type passwordIn struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func checkNewPassword(field, pw string) []fieldErr {
	switch {
	case pw == "":
		return []fieldErr{{field: field, code: fieldRequired}}
	case utf8.RuneCountInString(pw) < minPasswordLen:
		return []fieldErr{{field: field, code: fieldTooShort}}
	case len(pw) > maxPasswordBytes:
		return []fieldErr{{field: field, code: fieldTooLong}}
	}
	return nil
}

// changePassword replaces the caller's own password and ends every session
// of the account, this one included.
func (a *API) changePassword(c *gin.Context) error {
	if _, ok := sessionOf(c); !ok {
		return problem(http.StatusForbidden, codeNotAnAccount)
	}
	actor, _ := staffActor(c)
	var in passwordIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	fe := checkNewPassword("new_password", in.NewPassword)
	if in.CurrentPassword == "" {
		fe = append(fe, fieldErr{field: "current_password", code: fieldRequired})
	}
	if len(fe) > 0 {
		return invalid(fe...)
	}
	ctx := c.Request.Context()
	username := strings.TrimPrefix(actor.ID, accountActorPrefix)
	acc, err := a.store.GetAccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	now := a.now()
	// Checked and counted like a login, per address: a stolen access token
	// must not be a way around the throttle to guess the password.
	address := clientAddress(c)
	prior, err := a.store.LoginFailures(ctx, username, address, now)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if retry := prior.RetryAt(); now.Before(retry) {
		return loginThrottled(retry.Sub(now))
	}
	ok := false
	if len(in.CurrentPassword) <= maxPasswordBytes {
		var verr error
		ok, verr = a.auth.passwords.Verify(acc.PasswordHash, in.CurrentPassword)
		if errors.Is(verr, password.ErrBusy) {
			return hashingError(verr)
		}
	}
	if !ok {
		return a.loginFailed(c, actor, username, address, "password_change", now)
	}
	hash, err := a.auth.passwords.Hash(in.NewPassword)
	if err != nil {
		return hashingError(err)
	}
	if err := a.audited(c, actor, auditPasswordChange, "account/"+username, nil, func(ctx context.Context) error {
		return a.store.SetPassword(ctx, username, hash, now)
	}); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if prior.Failures > 0 {
		if err := a.store.ClearLoginFailures(ctx, username, address); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
	}
	c.Status(http.StatusNoContent)
	return nil
}

type accountIn struct {
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Role     domain.Role `json:"role"`
	Entity   string      `json:"entity"`
	Password string      `json:"password"`
}

type accountOut struct {
	Username  string      `json:"username"`
	Name      string      `json:"name"`
	Role      domain.Role `json:"role"`
	Entity    string      `json:"entity,omitempty"`
	Disabled  bool        `json:"disabled"`
	CreatedAt time.Time   `json:"created_at"`
}
