package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/tawasul/tawasul/domain"
)

// Login throttling. Failed logins are counted per (username, client address),
// never per account alone: an address that keeps failing on a username waits
// longer and longer before its next try (LoginDelay), while the right password
// from an address with no failures always gets in — nobody can lock a staff
// member out of their account from elsewhere. Guessing spread over many
// addresses is not slowed by this; it raises an alert instead (the pattern
// counts of FailedLogin, LoginAlertAddresses, LoginAlertAccounts).
const (
	// FreeLoginFailures is how many failures an address may make on one
	// username before it has to wait.
	FreeLoginFailures = 3
	// LoginDelayBase is the wait after the FreeLoginFailures-th failure;
	// every further failure doubles it, up to MaxLoginDelay.
	LoginDelayBase = 5 * time.Second
	MaxLoginDelay  = time.Hour
	// LoginFailureMemory: a (username, address) pair with no failure for
	// this long starts again from zero.
	LoginFailureMemory = 24 * time.Hour
	// Within LoginAlertWindow, failures on one username from
	// LoginAlertAddresses addresses, or from one address on
	// LoginAlertAccounts usernames, are an attack pattern to alert on.
	LoginAlertWindow    = time.Hour
	LoginAlertAddresses = 10
	LoginAlertAccounts  = 10
)

// LoginDelay is how long an address waits after its n-th failure in a row on
// one username before it may try again: nothing for the first
// FreeLoginFailures-1, then LoginDelayBase doubling with each failure, at
// most MaxLoginDelay.
func LoginDelay(n int) time.Duration {
	switch k := n - FreeLoginFailures; {
	case k < 0:
		return 0
	case k >= 20 || LoginDelayBase<<k >= MaxLoginDelay:
		return MaxLoginDelay
	default:
		return LoginDelayBase << k
	}
}

// ErrExists: a row with the same unique key (e.g. username) already exists.
var ErrExists = errors.New("store: already exists")

// Account is a staff member who logs in with a password.
type Account struct {
	ID           int64       `gorm:"primaryKey"`
	Username     string      `gorm:"size:64;not null"` // case-folded: NormalizeUsername
	Name         string      `gorm:"size:200;not null"`
	Role         domain.Role `gorm:"size:32;not null"`
	Entity       string      `gorm:"size:32;not null"` // "" for ministry-wide roles
	PasswordHash string      `gorm:"not null"`         // argon2id encoded (auth/password)
	Disabled     bool        `gorm:"not null"`
	// Lang is the language the account's pages are shown in: "ar" (the
	// default) or "en" (SetAccountLang).
	Lang              string    `gorm:"size:2;not null"`
	PasswordChangedAt time.Time `gorm:"not null"`
	CreatedAt         time.Time `gorm:"not null"`
	UpdatedAt         time.Time `gorm:"not null"`
}

func (Account) TableName() string { return "accounts" }

// Session is one login: hashes of its opaque access and refresh tokens.
type Session struct {
	ID          int64  `gorm:"primaryKey"`
	AccountID   int64  `gorm:"not null"`
	TokenHash   string `gorm:"size:64;not null"` // hex SHA-256 of the access token
	RefreshHash string `gorm:"size:64;not null"` // hex SHA-256 of the refresh token
	// PrevRefreshHash is the refresh token rotated away from: seen again, it was copied.
	PrevRefreshHash  string `gorm:"size:64;not null"`
	ExpiresAt        time.Time
	RefreshExpiresAt time.Time
	RevokedAt        *time.Time
	CreatedAt        time.Time
	LastUsedAt       *time.Time
}

func (Session) TableName() string { return "sessions" }

// NormalizeUsername case-folds a username: surrounding space trimmed, NFKC
// (so full-width and compatibility forms fold to one spelling) and lower
// case. Every store method applies it, so lookups, uniqueness and the lockout
// counters treat "Admin", "ADMIN" and "ａｄｍｉｎ" as one account.
func NormalizeUsername(s string) string {
	return norm.NFKC.String(strings.ToLower(norm.NFKC.String(strings.TrimSpace(s))))
}

// NewAccount is what CreateAccount needs.
type NewAccount struct {
	Username     string
	Name         string
	Role         domain.Role
	Entity       string
	PasswordHash string
}

// CreateAccount inserts an account; ErrExists when the (case-folded) username
// is taken. Under WithAudit the entry records the grant: before null, after
// the role and entity.
func (s *Store) CreateAccount(ctx context.Context, n NewAccount, at time.Time) (Account, error) {
	return s.createAccount(ctx, n, at, nil)
}

// createAccount is CreateAccount; also, when set, runs in the same
// transaction after the insert (CreateSSOAccount links the identity).
func (s *Store) createAccount(ctx context.Context, n NewAccount, at time.Time, also func(tx *gorm.DB, a Account) error) (Account, error) {
	at = utc(at)
	a := Account{
		Username: NormalizeUsername(n.Username), Name: n.Name, Role: n.Role, Entity: n.Entity,
		PasswordHash: n.PasswordHash, Lang: defaultLang, PasswordChangedAt: at, CreatedAt: at, UpdatedAt: at,
	}
	if a.Username == "" || a.PasswordHash == "" || a.Role == "" {
		return Account{}, errors.New("store: create account: username, role and password hash are required")
	}
	if err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, a); err != nil {
				return err
			}
		}
		return addAuditDetail(ctx, map[string]any{"before": nil, "after": authority(a, nil)})
	}); err != nil {
		if isUniqueViolation(err) {
			return Account{}, fmt.Errorf("store: account %q: %w", a.Username, ErrExists)
		}
		return Account{}, fmt.Errorf("store: create account %q: %w", a.Username, err)
	}
	return a, nil
}

// GetAccountByUsername loads an account by its case-folded username.
func (s *Store) GetAccountByUsername(ctx context.Context, username string) (Account, error) {
	return getAccount(ctx, s.rdb, "username = ?", NormalizeUsername(username))
}

// AccountNames are the display names of the accounts among usernames, by
// case-folded username (one query for a page's worth of people; unknown
// usernames are left out).
func (s *Store) AccountNames(ctx context.Context, usernames []string) (map[string]string, error) {
	out := map[string]string{}
	if len(usernames) == 0 {
		return out, nil
	}
	folded := make([]string, 0, len(usernames))
	for _, u := range usernames {
		folded = append(folded, NormalizeUsername(u))
	}
	var rows []struct{ Username, Name string }
	if err := s.rdb.WithContext(ctx).Model(&Account{}).Select("username, name").
		Where("username IN ?", folded).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: account names: %w", err)
	}
	for _, r := range rows {
		out[r.Username] = r.Name
	}
	return out, nil
}

// GetAccount loads an account by id.
func (s *Store) GetAccount(ctx context.Context, id int64) (Account, error) {
	return getAccount(ctx, s.rdb, "id = ?", id)
}

func getAccount(ctx context.Context, db *gorm.DB, where string, arg any) (Account, error) {
	var a Account
	err := db.WithContext(ctx).Where(where, arg).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Account{}, fmt.Errorf("store: account %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("store: get account %v: %w", arg, err)
	}
	normalizeAccount(&a)
	return a, nil
}

func normalizeAccount(a *Account) {
	a.PasswordChangedAt, a.CreatedAt, a.UpdatedAt = utc(a.PasswordChangedAt), utc(a.CreatedAt), utc(a.UpdatedAt)
}

func normalizeSession(s *Session) {
	s.ExpiresAt, s.RefreshExpiresAt, s.CreatedAt = utc(s.ExpiresAt), utc(s.RefreshExpiresAt), utc(s.CreatedAt)
	s.RevokedAt, s.LastUsedAt = utcPtr(s.RevokedAt), utcPtr(s.LastUsedAt)
}

// authority is what of a decides what its holder may do, as an audit entry's
// before or after: role, entity and disabled, restricted to the keys of
// updates when updates is not nil.
func authority(a Account, updates map[string]any) map[string]any {
	all := map[string]any{"role": a.Role, "entity": a.Entity, "disabled": a.Disabled}
	if updates == nil {
		return all
	}
	out := map[string]any{}
	for k, v := range all {
		if _, ok := updates[k]; ok {
			out[k] = v
		}
	}
	return out
}

// updateAccount applies updates to the account named username and revokes
// every open session of it when revoke is set, in one transaction. Under
// WithAudit, an update of role, entity or disabled adds to the entry their
// values before and after, as read inside the transaction.
func (s *Store) updateAccount(ctx context.Context, op, username string, at time.Time, updates map[string]any, revoke bool) error {
	username = NormalizeUsername(username)
	at = utc(at)
	updates["updated_at"] = at
	return s.writeTx(ctx, func(tx *gorm.DB) error {
		var a Account
		err := tx.Where("username = ?", username).Take(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("store: %s %q: %w", op, username, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: %s %q: %w", op, username, err)
		}
		if err := tx.Model(&Account{}).Where("id = ?", a.ID).Updates(updates).Error; err != nil {
			return fmt.Errorf("store: %s %q: %w", op, username, err)
		}
		if before := authority(a, updates); len(before) > 0 {
			after := map[string]any{}
			for k := range before {
				after[k] = updates[k]
			}
			if err := addAuditDetail(ctx, map[string]any{"before": before, "after": after}); err != nil {
				return err
			}
		}
		if revoke {
			if err := revokeAll(tx, a.ID, at); err != nil {
				return fmt.Errorf("store: %s %q: %w", op, username, err)
			}
		}
		return nil
	})
}

func revokeAll(tx *gorm.DB, accountID int64, at time.Time) error {
	return tx.Model(&Session{}).Where("account_id = ? AND revoked_at IS NULL", accountID).
		Update("revoked_at", at).Error
}

// SetPassword replaces the password hash and revokes every session of the
// account (a changed password ends every login). The failure counts stay:
// an address that was guessing still waits.
func (s *Store) SetPassword(ctx context.Context, username, hash string, at time.Time) error {
	if hash == "" {
		return errors.New("store: set password: empty hash")
	}
	return s.updateAccount(ctx, "set password", username, at, map[string]any{
		"password_hash": hash, "password_changed_at": utc(at),
	}, true)
}

// UpdateAccountProfile sets the name, role and entity of an account (an
// account of the single sign-on takes them from the identity provider at
// every login). Sessions stay: each request reads the account afresh.
func (s *Store) UpdateAccountProfile(ctx context.Context, username, name string, role domain.Role, entity string, at time.Time) error {
	if role == "" {
		return errors.New("store: update account: empty role")
	}
	return s.updateAccount(ctx, "update account", username, at, map[string]any{
		"name": name, "role": role, "entity": entity,
	}, false)
}

// defaultLang is the language of a new account, as of the column's default.
const defaultLang = "ar"

// SetAccountLang sets the language the account's pages are shown in ("ar"
// or "en"; the column refuses anything else). The account's updated_at
// stays: a preference changes nothing the account may do. ErrNotFound for an
// unknown id.
func (s *Store) SetAccountLang(ctx context.Context, accountID int64, lang string) error {
	res := s.db.WithContext(ctx).Model(&Account{}).Where("id = ?", accountID).UpdateColumn("lang", lang)
	if res.Error != nil {
		return fmt.Errorf("store: set language of account %d: %w", accountID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: account %d: %w", accountID, ErrNotFound)
	}
	return nil
}

// DisableAccount disables the account and revokes every session of it.
func (s *Store) DisableAccount(ctx context.Context, username string, at time.Time) error {
	return s.updateAccount(ctx, "disable account", username, at, map[string]any{"disabled": true}, true)
}

// LoginFailure is the count of failed logins of one username from one
// client address (an IPv6 address reduced to its /64 by the caller).
type LoginFailure struct {
	Username     string    `gorm:"primaryKey"` // case-folded; need not name an account
	Address      string    `gorm:"primaryKey"`
	Failures     int       `gorm:"not null"`
	LastFailedAt time.Time `gorm:"not null"`
}

func (LoginFailure) TableName() string { return "login_failures" }

// RetryAt is when the pair may try again; the zero time when it need not wait.
func (f LoginFailure) RetryAt() time.Time {
	if d := LoginDelay(f.Failures); d > 0 {
		return f.LastFailedAt.Add(d)
	}
	return time.Time{}
}

// LoginAlert is when an alert of kind (LoginAlertAccount, LoginAlertAddress)
// was last raised for subject.
type LoginAlert struct {
	Kind     string    `gorm:"primaryKey"`
	Subject  string    `gorm:"primaryKey"`
	RaisedAt time.Time `gorm:"not null"`
}

func (LoginAlert) TableName() string { return "login_alerts" }

// Kinds of LoginAlert.
const (
	// LoginAlertAccount: one username failing from many addresses (its
	// subject is the username).
	LoginAlertAccount = "account"
	// LoginAlertAddress: one address failing on many usernames (its
	// subject is the address).
	LoginAlertAddress = "address"
)

// FailedLogin is what RecordLoginFailure reports: the pair's count, this
// failure included, and the attack-pattern counts within LoginAlertWindow.
type FailedLogin struct {
	LoginFailure
	// Addresses that failed on this username; Usernames this address failed
	// on (both including this failure).
	Addresses, Usernames int
}

// LoginFailures returns the failures of username from address that still
// count at at (Failures 0 when there are none).
func (s *Store) LoginFailures(ctx context.Context, username, address string, at time.Time) (LoginFailure, error) {
	username, at = NormalizeUsername(username), utc(at)
	f := LoginFailure{Username: username, Address: address}
	var rows []LoginFailure
	err := s.rdb.WithContext(ctx).Where("username = ? AND address = ? AND last_failed_at > ?",
		username, address, at.Add(-LoginFailureMemory)).Limit(1).Find(&rows).Error
	if err != nil {
		return f, fmt.Errorf("store: login failures %q: %w", username, err)
	}
	if len(rows) > 0 {
		f = rows[0]
		f.LastFailedAt = utc(f.LastFailedAt)
	}
	return f, nil
}

// RecordLoginFailure counts one failed login of username from address (a
// pair quiet for LoginFailureMemory starts again from one) and reports the
// pair's count with the attack-pattern counts. The username need not name an
// account. It takes part in an audited write (WithAudit).
func (s *Store) RecordLoginFailure(ctx context.Context, username, address string, at time.Time) (FailedLogin, error) {
	username, at = NormalizeUsername(username), utc(at)
	if username == "" || address == "" {
		return FailedLogin{}, errors.New("store: record login failure: username and address are required")
	}
	stale, window := at.Add(-LoginFailureMemory), at.Add(-LoginAlertWindow)
	var out FailedLogin
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// One statement, so concurrent failures are all counted.
		var rows []LoginFailure
		err := tx.Raw(`INSERT INTO login_failures (username, address, failures, last_failed_at) VALUES (?, ?, 1, ?)
ON CONFLICT (username, address) DO UPDATE SET
    failures = CASE WHEN login_failures.last_failed_at <= ? THEN 1 ELSE login_failures.failures + 1 END,
    last_failed_at = CASE WHEN login_failures.last_failed_at > excluded.last_failed_at
        THEN login_failures.last_failed_at ELSE excluded.last_failed_at END
RETURNING username, address, failures, last_failed_at`, username, address, at, stale).Scan(&rows).Error
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return fmt.Errorf("upsert returned %d rows", len(rows))
		}
		out.LoginFailure = rows[0]
		out.LastFailedAt = utc(out.LastFailedAt)
		var n int64
		if err := tx.Model(&LoginFailure{}).Where("username = ? AND last_failed_at > ?", username, window).Count(&n).Error; err != nil {
			return err
		}
		out.Addresses = int(n)
		if err := tx.Model(&LoginFailure{}).Where("address = ? AND last_failed_at > ?", address, window).Count(&n).Error; err != nil {
			return err
		}
		out.Usernames = int(n)
		return nil
	})
	if err != nil {
		return FailedLogin{}, fmt.Errorf("store: record login failure %q: %w", username, err)
	}
	return out, nil
}

// ClearLoginFailures forgets the failures of username from address (after a
// good login from it). Other addresses' counts stay.
func (s *Store) ClearLoginFailures(ctx context.Context, username, address string) error {
	username = NormalizeUsername(username)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Where("username = ? AND address = ?", username, address).Delete(&LoginFailure{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: clear login failures %q: %w", username, err)
	}
	return nil
}

// RaiseLoginAlert records an alert of kind about subject at at, once per
// LoginAlertWindow: ErrExists (and nothing written) when one was raised
// within the window before at. It takes part in an audited write
// (WithAudit), so the alert and its audit entry commit together.
func (s *Store) RaiseLoginAlert(ctx context.Context, kind, subject string, at time.Time) error {
	at = utc(at)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO login_alerts (kind, subject, raised_at) VALUES (?, ?, ?)
ON CONFLICT (kind, subject) DO UPDATE SET raised_at = excluded.raised_at
WHERE login_alerts.raised_at <= ?`, kind, subject, at, at.Add(-LoginAlertWindow))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: login alert %s %q: %w", kind, subject, err)
	}
	return nil
}

// NewSession is what CreateSession needs.
type NewSession struct {
	AccountID        int64
	TokenHash        string
	RefreshHash      string
	ExpiresAt        time.Time
	RefreshExpiresAt time.Time
}

// CreateSession records a login.
func (s *Store) CreateSession(ctx context.Context, n NewSession, at time.Time) (Session, error) {
	ss := Session{
		AccountID: n.AccountID, TokenHash: n.TokenHash, RefreshHash: n.RefreshHash,
		ExpiresAt: utc(n.ExpiresAt), RefreshExpiresAt: utc(n.RefreshExpiresAt), CreatedAt: utc(at),
	}
	if err := s.writeTx(ctx, func(tx *gorm.DB) error { return tx.Create(&ss).Error }); err != nil {
		return Session{}, fmt.Errorf("store: create session: %w", err)
	}
	return ss, nil
}

// lastUsedEvery bounds how often using a session writes last_used_at.
const lastUsedEvery = time.Minute

// SessionByToken finds the live session whose access token hashes to
// tokenHash, with its account: not revoked, not expired at at, account not
// disabled. Anything else is ErrNotFound. last_used_at is refreshed at most
// once a minute.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string, at time.Time) (Session, Account, error) {
	at = utc(at)
	var ss Session
	err := s.rdb.WithContext(ctx).
		Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, at).Take(&ss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, Account{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, Account{}, fmt.Errorf("store: session by token: %w", err)
	}
	normalizeSession(&ss)
	a, err := s.GetAccount(ctx, ss.AccountID)
	if err != nil {
		return Session{}, Account{}, err
	}
	if a.Disabled {
		return Session{}, Account{}, fmt.Errorf("store: session of a disabled account: %w", ErrNotFound)
	}
	if ss.LastUsedAt == nil || at.Sub(*ss.LastUsedAt) >= lastUsedEvery {
		if err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", ss.ID).
			Update("last_used_at", at).Error; err != nil {
			return Session{}, Account{}, fmt.Errorf("store: session last used: %w", err)
		}
		ss.LastUsedAt = &at
	}
	return ss, a, nil
}

// RotateRefresh exchanges a refresh token for a new pair, once: the session
// whose refresh token hashes to oldRefreshHash (live and unexpired at at, its
// account enabled) gets the new hashes and access expiry in place, so both
// old tokens stop working. The refresh expiry is not extended (a session
// lasts at most as long as its first refresh token), and the access expiry is
// capped by it. ErrNotFound when no such session exists (used, revoked,
// expired, unknown).
func (s *Store) RotateRefresh(ctx context.Context, oldRefreshHash, newTokenHash, newRefreshHash string, expiresAt, at time.Time) (Session, Account, error) {
	at = utc(at)
	var ss Session
	var a Account
	var outcome error // ErrNotFound or ErrRefreshReused when no session rotated
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("refresh_hash = ? AND revoked_at IS NULL AND refresh_expires_at > ?", oldRefreshHash, at).Take(&ss).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			// The revocation must commit: the error travels out after the transaction.
			outcome = revokeOnReuse(tx, oldRefreshHash, at)
			if errors.Is(outcome, ErrNotFound) {
				return nil
			}
			return outcome
		}
		if err != nil {
			return err
		}
		if err := tx.Where("id = ?", ss.AccountID).Take(&a).Error; err != nil {
			return err
		}
		if a.Disabled {
			return ErrNotFound
		}
		normalizeSession(&ss)
		exp := utc(expiresAt)
		if exp.After(ss.RefreshExpiresAt) {
			exp = ss.RefreshExpiresAt
		}
		// Conditional on the old hash: of two concurrent refreshes with one
		// token, only one rotates.
		res := tx.Model(&Session{}).Where("id = ? AND refresh_hash = ? AND revoked_at IS NULL", ss.ID, oldRefreshHash).
			Updates(map[string]any{"token_hash": newTokenHash, "refresh_hash": newRefreshHash, "prev_refresh_hash": oldRefreshHash,
				"expires_at": exp, "last_used_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		ss.TokenHash, ss.RefreshHash, ss.ExpiresAt, ss.LastUsedAt = newTokenHash, newRefreshHash, exp, &at
		return nil
	})
	if err == nil {
		err = outcome
	}
	if err != nil {
		return Session{}, Account{}, fmt.Errorf("store: rotate refresh: %w", err)
	}
	normalizeAccount(&a)
	return ss, a, nil
}

// ErrRefreshReused: a refresh token already rotated away was presented again
// (after the grace period), so it was copied; its session is now revoked. It
// is an ErrNotFound to callers that only care whether the refresh worked.
var ErrRefreshReused = fmt.Errorf("%w: refresh token reused; session revoked", ErrNotFound)

// reuseGrace is how soon after a rotation the old refresh token may come
// back without ending the session: a client that sent one refresh twice (a
// retry, two tabs) is not a thief.
const reuseGrace = 10 * time.Second

// revokeOnReuse handles a refresh token that matches no live session: if a
// live session rotated away from it more than reuseGrace ago, the token was
// copied and that session (the thief's or the owner's, we cannot tell which
// holds it) ends. Returns ErrRefreshReused then, else ErrNotFound.
func revokeOnReuse(tx *gorm.DB, refreshHash string, at time.Time) error {
	var ss Session
	err := tx.Where("prev_refresh_hash = ? AND revoked_at IS NULL", refreshHash).Take(&ss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if ss.LastUsedAt != nil && at.Sub(utc(*ss.LastUsedAt)) < reuseGrace {
		return ErrNotFound
	}
	if err := tx.Model(&Session{}).Where("id = ?", ss.ID).Update("revoked_at", at).Error; err != nil {
		return err
	}
	return ErrRefreshReused
}

// PurgeExpired deletes credentials dead for more than keep before at: staff
// sessions past their refresh life or revoked, beneficiaries' one-time codes
// and sessions, and login failure counts and alerts that no longer count
// (kept at least LoginFailureMemory). It returns how many rows went. Audit entries are kept: they
// name accounts, not sessions.
func (s *Store) PurgeExpired(ctx context.Context, at time.Time, keep time.Duration) (int64, error) {
	cut := utc(at).Add(-keep)
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []string{
			`DELETE FROM sessions WHERE refresh_expires_at < ? OR revoked_at < ?`,
			`DELETE FROM beneficiary_sessions WHERE expires_at < ? OR revoked_at < ?`,
			`DELETE FROM beneficiary_codes WHERE expires_at < ? OR created_at < ?`,
		} {
			res := tx.Exec(q, cut, cut)
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		counts := cut
		if dead := utc(at).Add(-LoginFailureMemory); dead.Before(counts) {
			counts = dead
		}
		for _, q := range []string{
			`DELETE FROM login_failures WHERE last_failed_at < ?`,
			`DELETE FROM login_alerts WHERE raised_at < ?`,
		} {
			res := tx.Exec(q, counts)
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge expired credentials: %w", err)
	}
	return n, nil
}

// RevokeSession ends one session (idempotent: revoking twice keeps the first
// revocation time). ErrNotFound for an unknown id.
func (s *Store) RevokeSession(ctx context.Context, id int64, at time.Time) error {
	return revokeByID(s.db.WithContext(ctx), &Session{}, "session", id, at)
}

// revokeByID sets revoked_at on the row id of model's table unless it is set
// already, so the first revocation time stays. ErrNotFound for an unknown id.
func revokeByID(db *gorm.DB, model any, what string, id int64, at time.Time) error {
	res := db.Model(model).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", utc(at))
	if res.Error != nil {
		return fmt.Errorf("store: revoke %s %d: %w", what, id, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := db.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("store: revoke %s %d: %w", what, id, err)
		}
		if n == 0 {
			return fmt.Errorf("store: %s %d: %w", what, id, ErrNotFound)
		}
	}
	return nil
}

// ListAccounts is every account by username, for the administrators'
// page; the password hashes are left out (nobody reads them there).
func (s *Store) ListAccounts(ctx context.Context) ([]Account, error) {
	var as []Account
	if err := s.rdb.WithContext(ctx).Omit("password_hash").Order("username").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	for i := range as {
		normalizeAccount(&as[i])
	}
	return as, nil
}
