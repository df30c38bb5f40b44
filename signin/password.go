package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Attempt is one password sign-in.
type Attempt struct {
	Username, Password string
	// Address is the client's address as failures are counted under it: the
	// IP, an IPv6 one reduced to its /64 (a subscriber holds a whole /64).
	Address string
	// IP is the client's IP as recorded in the audit log.
	IP string
}

// badCredentials is the one refusal of every refused sign-in, whatever the
// reason (unknown user, wrong password, disabled): the caller learns nothing
// about which.
func badCredentials() *refusal.Error {
	return refusal.New(refusal.Unauthenticated, refusal.CodeInvalidCredentials)
}

// throttled refuses an address that must wait before trying a username again.
func throttled(wait time.Duration) *refusal.Error {
	return refusal.Later(refusal.Throttled, refusal.CodeRateLimited, wait)
}

// hashing refuses for password.ErrBusy (every slot of the hasher stayed
// taken), Busy with a retry; other errors pass.
func hashing(err error) error {
	if errors.Is(err, password.ErrBusy) {
		return &refusal.Error{Kind: refusal.Busy, Code: refusal.CodePasswordsBusy, Err: err, RetryAfter: busyRetry}
	}
	return err
}

// Password checks a username and password and answers the account when they
// sign in; the caller then starts its session (Start).
//
// Failures count per (case-folded username, address), whether or not the
// username names an account: an address that has failed too often on a
// username must wait (Throttled, store.LoginDelay) before its next try, and
// nothing is checked meanwhile; the right password from any other address
// still gets in, so nobody can lock a staff member out. Every other refusal
// takes the same path: one account lookup and one argon2id verification
// (against a dummy hash when the username is unknown), then the same
// Unauthenticated. When the hasher has no free slot the answer is Busy and
// nothing is counted. A pattern of failures across addresses or usernames is
// audited as login.alert.
func (s *Service) Password(ctx context.Context, at Attempt) (store.Account, error) {
	var fe []refusal.Field
	switch {
	case strings.TrimSpace(at.Username) == "":
		fe = append(fe, refusal.Field{Name: "username", Code: refusal.FieldRequired})
	case normalize.HasHidden(at.Username):
		// No account is named so; PostgreSQL would refuse a NUL in the
		// failure count's key.
		fe = append(fe, refusal.Field{Name: "username", Code: refusal.FieldInvalidValue})
	}
	if at.Password == "" {
		fe = append(fe, refusal.Field{Name: "password", Code: refusal.FieldRequired})
	}
	if len(fe) > 0 {
		return store.Account{}, refusal.Fields(fe...)
	}
	username := store.NormalizeUsername(at.Username)
	if len(username) > 4*MaxUsernameLength {
		// Matches no account; bounds the audit row and the failure count's key.
		username = strings.ToValidUTF8(username[:4*MaxUsernameLength], "")
	}
	now := s.now()
	actor := Actor(store.Account{Username: username})

	prior, err := s.store.LoginFailures(ctx, username, at.Address, now)
	if err != nil {
		return store.Account{}, fmt.Errorf("sign in: %w", err)
	}
	if retry := prior.RetryAt(); now.Before(retry) {
		if err := s.audit.Append(ctx, actor, auditlog.LoginFailed, "account/"+username,
			map[string]any{"reason": "throttled", "ip": at.IP}); err != nil {
			return store.Account{}, err
		}
		return store.Account{}, throttled(retry.Sub(now))
	}
	acc, reason, err := s.check(ctx, username, at.Password)
	if err != nil {
		return store.Account{}, err
	}
	if reason != "" {
		return store.Account{}, s.failed(ctx, actor, username, at, reason, now)
	}
	if prior.Failures > 0 {
		if err := s.store.ClearLoginFailures(ctx, username, at.Address); err != nil {
			return store.Account{}, fmt.Errorf("sign in: %w", err)
		}
	}
	return acc, nil
}

// check checks pw for username with the same work whatever the account:
// reason is "" when the sign-in may go ahead, else why it may not (unknown,
// sso, disabled, password). err is a failure to look or check, Busy when the
// hasher is.
func (s *Service) check(ctx context.Context, username, pw string) (acc store.Account, reason string, err error) {
	if len(pw) > MaxPasswordBytes {
		// Longer than any password can be: it matches none, and is not hashed.
		return store.Account{}, "password", nil
	}
	acc, err = s.store.GetAccountByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, "unknown", hashing(s.passwords.DummyVerify(pw))
	} else if err != nil {
		return store.Account{}, "", fmt.Errorf("sign in: %w", err)
	}
	if acc.PasswordHash == NoPassword {
		// An account of the single sign-on has no password to guess.
		return acc, "sso", hashing(s.passwords.DummyVerify(pw))
	}
	ok, verr := s.passwords.Verify(acc.PasswordHash, pw)
	if errors.Is(verr, password.ErrBusy) {
		return acc, "", hashing(verr)
	} else if verr != nil {
		s.log.Error("stored password hash unreadable", "account", acc.Username, "error", verr)
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

// failed counts a refused password of username from at.Address, audited as
// login.failed with reason in the same transaction, raises an alert when the
// failures form an attack pattern, and answers the one refusal.
func (s *Service) failed(ctx context.Context, actor workflows.Actor, username string, at Attempt, reason string, now time.Time) error {
	var f store.FailedLogin
	err := s.audit.Audited(ctx, actor, auditlog.LoginFailed, "account/"+username, map[string]any{"reason": reason, "ip": at.IP},
		func(ctx context.Context) error {
			var err error
			f, err = s.store.RecordLoginFailure(ctx, username, at.Address, now)
			return err
		})
	if err != nil {
		return fmt.Errorf("login failure: %w", err)
	}
	window := int(store.LoginAlertWindow / time.Minute)
	if f.Addresses >= store.LoginAlertAddresses {
		if err := s.alert(ctx, store.LoginAlertAccount, username, "account/"+username, map[string]any{
			"pattern": "one_account_many_addresses", "addresses": f.Addresses, "ip": at.IP,
			"window_minutes": window}, now); err != nil {
			return err
		}
	}
	if f.Usernames >= store.LoginAlertAccounts {
		if err := s.alert(ctx, store.LoginAlertAddress, at.Address, "address/"+at.Address, map[string]any{
			"pattern": "one_address_many_accounts", "usernames": f.Usernames, "ip": at.IP,
			"window_minutes": window}, now); err != nil {
			return err
		}
	}
	return badCredentials()
}

// alert audits (login.alert) and logs an attack pattern on the sign-ins,
// once per store.LoginAlertWindow for each kind and key.
func (s *Service) alert(ctx context.Context, kind, key, subject string, detail map[string]any, now time.Time) error {
	err := s.audit.Audited(ctx, workflows.SystemActor, auditlog.LoginAlert, subject, detail, func(ctx context.Context) error {
		return s.store.RaiseLoginAlert(ctx, kind, key, now)
	})
	if errors.Is(err, store.ErrExists) {
		return nil // raised already in this window
	} else if err != nil {
		return fmt.Errorf("login alert: %w", err)
	}
	s.log.Warn("login attack suspected", "subject", subject, "detail", detail)
	return nil
}

// CheckNewPassword is what is wrong with pw as a new password at field: the
// rule for every password set (one's own, an account an admin creates).
func CheckNewPassword(field, pw string) []refusal.Field {
	switch {
	case pw == "":
		return []refusal.Field{{Name: field, Code: refusal.FieldRequired}}
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return []refusal.Field{{Name: field, Code: refusal.FieldTooShort}}
	case len(pw) > MaxPasswordBytes:
		return []refusal.Field{{Name: field, Code: refusal.FieldTooLong}}
	}
	return nil
}

// Hash is the stored form of a new password (checked by CheckNewPassword
// first); Busy when the hasher has no free slot.
func (s *Service) Hash(pw string) (string, error) {
	h, err := s.passwords.Hash(pw)
	if err != nil {
		return "", hashing(err)
	}
	return h, nil
}

// PasswordChange is one's own password replaced: the current one, checked
// and counted like a sign-in from Address, and the new one.
type PasswordChange struct {
	Current, New string
	Address, IP  string
}

// ChangePassword replaces actor's own password and ends every session of the
// account, the caller's included. The current password is checked and
// counted like a sign-in, per address: a stolen access token must not be a
// way around the throttle to guess the password.
func (s *Service) ChangePassword(ctx context.Context, actor workflows.Actor, ch PasswordChange) error {
	username, ok := username(actor)
	if !ok {
		return refusal.New(refusal.Forbidden, refusal.CodeNotAnAccount)
	}
	fe := CheckNewPassword("new_password", ch.New)
	if ch.Current == "" {
		fe = append(fe, refusal.Field{Name: "current_password", Code: refusal.FieldRequired})
	}
	if len(fe) > 0 {
		return refusal.Fields(fe...)
	}
	acc, err := s.store.GetAccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	now := s.now()
	prior, err := s.store.LoginFailures(ctx, username, ch.Address, now)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if retry := prior.RetryAt(); now.Before(retry) {
		return throttled(retry.Sub(now))
	}
	ok = false
	if len(ch.Current) <= MaxPasswordBytes {
		var verr error
		ok, verr = s.passwords.Verify(acc.PasswordHash, ch.Current)
		if errors.Is(verr, password.ErrBusy) {
			return hashing(verr)
		}
	}
	if !ok {
		return s.failed(ctx, actor, username, Attempt{Address: ch.Address, IP: ch.IP}, "password_change", now)
	}
	hash, err := s.Hash(ch.New)
	if err != nil {
		return err
	}
	if err := s.audit.Audited(ctx, actor, auditlog.PasswordChanged, "account/"+username, nil, func(ctx context.Context) error {
		return s.store.SetPassword(ctx, username, hash, now)
	}); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if prior.Failures > 0 {
		if err := s.store.ClearLoginFailures(ctx, username, ch.Address); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
	}
	return nil
}
