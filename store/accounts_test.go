package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func mustAccount(tb testing.TB, s *Store, username string) Account {
	tb.Helper()
	a, err := s.CreateAccount(context.Background(), NewAccount{Username: username, Name: "نورة", Role: domain.RoleCoordinator,
		Entity: "UNI-KSU", PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5"}, baseTime)
	if err != nil {
		tb.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func mustSession(tb testing.TB, s *Store, accountID int64, tok string, at time.Time) Session {
	tb.Helper()
	ss, err := s.CreateSession(context.Background(), NewSession{AccountID: accountID, TokenHash: hashOf("a" + tok),
		RefreshHash: hashOf("r" + tok), ExpiresAt: at.Add(15 * time.Minute), RefreshExpiresAt: at.Add(12 * time.Hour)}, at)
	if err != nil {
		tb.Fatalf("CreateSession: %v", err)
	}
	return ss
}

func TestNormalizeUsername(t *testing.T) {
	for in, want := range map[string]string{
		"Admin":    "admin",
		" ADMIN ":  "admin",
		"ａｄｍｉｎ":    "admin", // full-width forms fold under NFKC
		"Nora.Ali": "nora.ali",
		"نورة":     "نورة",
	} {
		if got := NormalizeUsername(in); got != want {
			t.Errorf("NormalizeUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccounts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustAccount(t, s, "Nora")
		if a.Username != "nora" || a.ID == 0 || !a.PasswordChangedAt.Equal(baseTime) {
			t.Fatalf("created %+v", a)
		}
		if _, err := s.CreateAccount(ctx, NewAccount{Username: "NORA", Role: domain.RoleAgent, PasswordHash: "x"}, baseTime); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate in another case: %v", err)
		}
		got, err := s.GetAccountByUsername(ctx, "nOrA")
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "account", got, a)
		if _, err := s.GetAccountByUsername(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}

		at := baseTime.Add(time.Hour)

		// A new password revokes every session.
		s1 := mustSession(t, s, a.ID, "1", at)
		s2 := mustSession(t, s, a.ID, "2", at)
		if _, _, err := s.SessionByToken(ctx, s1.TokenHash, at); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, "NORA", "$argon2id$new", at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, ss := range []Session{s1, s2} {
			if _, _, err := s.SessionByToken(ctx, ss.TokenHash, at.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("session after password change: %v", err)
			}
		}
		got, _ = s.GetAccountByUsername(ctx, "nora")
		if got.PasswordHash != "$argon2id$new" || !got.PasswordChangedAt.Equal(at.Add(time.Minute)) {
			t.Fatalf("after SetPassword: %+v", got)
		}
		if err := s.SetPassword(ctx, "nobody", "h", at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("SetPassword unknown: %v", err)
		}

		// Disabling revokes too, and a disabled account's sessions are refused.
		s3 := mustSession(t, s, a.ID, "3", at)
		if err := s.DisableAccount(ctx, "nora", at); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionByToken(ctx, s3.TokenHash, at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session of disabled account: %v", err)
		}
		got, _ = s.GetAccountByUsername(ctx, "nora")
		if !got.Disabled {
			t.Fatal("not disabled")
		}
		if countRows(t, s, "sessions WHERE revoked_at IS NULL") != 0 {
			t.Fatal("open sessions remain")
		}
	})
}

func TestSessions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustAccount(t, s, "sami")
		at := baseTime.In(riyadh).Add(123 * time.Nanosecond)
		ss := mustSession(t, s, a.ID, "1", at)

		got, acc, err := s.SessionByToken(ctx, ss.TokenHash, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if acc.ID != a.ID || got.ID != ss.ID || got.LastUsedAt == nil || !got.ExpiresAt.Equal(utc(at).Add(15*time.Minute)) {
			t.Fatalf("session %+v account %+v", got, acc)
		}
		if _, _, err := s.SessionByToken(ctx, ss.TokenHash, at.Add(15*time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired access token: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, hashOf("nope"), at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		// Rotation: new pair works, the old refresh and old access do not.
		later := at.Add(20 * time.Minute)
		rot, acc, err := s.RotateRefresh(ctx, ss.RefreshHash, hashOf("a2"), hashOf("r2"), later.Add(15*time.Minute), later)
		if err != nil {
			t.Fatal(err)
		}
		if rot.ID != ss.ID || acc.Username != "sami" || !rot.ExpiresAt.Equal(utc(later).Add(15*time.Minute)) {
			t.Fatalf("rotated %+v", rot)
		}
		if _, _, err := s.RotateRefresh(ctx, ss.RefreshHash, hashOf("a3"), hashOf("r3"), later.Add(15*time.Minute), later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old refresh reused: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, hashOf("a2"), later); err != nil {
			t.Fatalf("new access token: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, ss.TokenHash, later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old access token after rotation: %v", err)
		}
		// The refresh expiry is not extended, and the access expiry is capped by it.
		end := utc(at).Add(12 * time.Hour)
		rot, _, err = s.RotateRefresh(ctx, hashOf("r2"), hashOf("a4"), hashOf("r4"), end.Add(time.Hour), end.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !rot.ExpiresAt.Equal(end) || !rot.RefreshExpiresAt.Equal(end) {
			t.Fatalf("expiries after late rotation: %+v", rot)
		}
		if _, _, err := s.RotateRefresh(ctx, hashOf("r4"), hashOf("a5"), hashOf("r5"), end.Add(time.Hour), end); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired refresh: %v", err)
		}

		// Revocation ends access and refresh alike.
		if err := s.RevokeSession(ctx, ss.ID, later); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, ss.ID, later); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		if err := s.RevokeSession(ctx, 987654, later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, hashOf("a4"), later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked access: %v", err)
		}
		other := mustSession(t, s, a.ID, "x", later)
		if err := s.RevokeSession(ctx, other.ID, later); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RotateRefresh(ctx, other.RefreshHash, hashOf("a6"), hashOf("r6"), later, later); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked refresh: %v", err)
		}
	})
}

// A refresh token rotated away and presented again later was copied: the
// session ends for whoever holds it. Within the grace period (a client's own
// double submit) it is only refused.
func TestRefreshReuseRevokes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, err := s.CreateAccount(ctx, NewAccount{Username: "lina", Name: "لينا", Role: "coordinator", Entity: "KSU", PasswordHash: "x"}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		ss := mustSession(t, s, a.ID, "1", baseTime)
		at := baseTime.Add(time.Minute)
		if _, _, err := s.RotateRefresh(ctx, ss.RefreshHash, hashOf("a2"), hashOf("r2"), at.Add(15*time.Minute), at); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.RotateRefresh(ctx, ss.RefreshHash, hashOf("a3"), hashOf("r3"), at.Add(15*time.Minute), at.Add(5*time.Second))
		if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrRefreshReused) {
			t.Fatalf("double submit inside the grace: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, hashOf("a2"), at.Add(6*time.Second)); err != nil {
			t.Fatalf("the session must survive a double submit: %v", err)
		}
		_, _, err = s.RotateRefresh(ctx, ss.RefreshHash, hashOf("a3"), hashOf("r3"), at.Add(15*time.Minute), at.Add(time.Minute))
		if !errors.Is(err, ErrRefreshReused) || !errors.Is(err, ErrNotFound) {
			t.Fatalf("reuse after the grace: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, hashOf("a2"), at.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the session survived a copied refresh token: %v", err)
		}
		if _, _, err := s.RotateRefresh(ctx, hashOf("r2"), hashOf("a4"), hashOf("r4"), at.Add(20*time.Minute), at.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the current refresh token of a revoked session: %v", err)
		}
	})
}

func TestLoginDelay(t *testing.T) {
	want := []time.Duration{0, 0, 0, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second,
		80 * time.Second, 160 * time.Second, 320 * time.Second, 640 * time.Second, 1280 * time.Second,
		2560 * time.Second, time.Hour, time.Hour}
	for n, d := range want {
		if got := LoginDelay(n); got != d {
			t.Errorf("LoginDelay(%d) = %v, want %v", n, got, d)
		}
	}
	for _, n := range []int{30, 64, 1 << 20} {
		if got := LoginDelay(n); got != MaxLoginDelay {
			t.Errorf("LoginDelay(%d) = %v", n, got)
		}
	}
}

// Failures count per (username, address), whatever the case of the name:
// one address's count does not touch another's, a quiet pair starts afresh,
// and a good login clears only its own address.
func TestLoginFailures(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccount(t, s, "Nora")
		at := baseTime.Add(time.Hour)
		const a, b = "192.0.2.1", "2001:db8:1:2::/64"
		var got FailedLogin
		var err error
		for i, name := range []string{"nora", "NORA", "Nora", "noRA", "ｎｏｒａ"} {
			got, err = s.RecordLoginFailure(ctx, name, a, at.Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if got.Failures != i+1 || got.Username != "nora" || got.Address != a || got.Addresses != 1 || got.Usernames != 1 {
				t.Fatalf("after %d failures: %+v", i+1, got)
			}
		}
		last := at.Add(4 * time.Second)
		if !got.LastFailedAt.Equal(last) || !got.RetryAt().Equal(last.Add(LoginDelay(5))) {
			t.Fatalf("last failure %v, retry at %v", got.LastFailedAt, got.RetryAt())
		}
		// The account is not locked: address b has no failures.
		if f, err := s.LoginFailures(ctx, "Nora", b, last); err != nil || f.Failures != 0 || !f.RetryAt().IsZero() {
			t.Fatalf("address b: %+v, %v", f, err)
		}
		if f, err := s.LoginFailures(ctx, "NORA", a, last); err != nil || f.Failures != 5 || !f.RetryAt().Equal(got.RetryAt()) {
			t.Fatalf("address a: %+v, %v", f, err)
		}
		// Unknown usernames are counted like known ones.
		got, err = s.RecordLoginFailure(ctx, "nobody", a, last)
		if err != nil || got.Failures != 1 || got.Usernames != 2 || got.Addresses != 1 {
			t.Fatalf("unknown username: %+v, %v", got, err)
		}
		got, err = s.RecordLoginFailure(ctx, "nora", b, last)
		if err != nil || got.Failures != 1 || got.Addresses != 2 || got.Usernames != 1 {
			t.Fatalf("second address: %+v, %v", got, err)
		}
		// Out of the alert window the pair still counts; after
		// LoginFailureMemory it starts again from one.
		later := last.Add(LoginAlertWindow)
		if got, err = s.RecordLoginFailure(ctx, "nora", a, later); err != nil || got.Failures != 6 || got.Addresses != 1 || got.Usernames != 1 {
			t.Fatalf("an hour later: %+v, %v", got, err)
		}
		if f, _ := s.LoginFailures(ctx, "nora", a, later.Add(LoginFailureMemory)); f.Failures != 0 {
			t.Fatalf("forgotten pair still counts: %+v", f)
		}
		if got, err = s.RecordLoginFailure(ctx, "nora", a, later.Add(LoginFailureMemory)); err != nil || got.Failures != 1 {
			t.Fatalf("a day later: %+v, %v", got, err)
		}
		// A good login from a clears a only.
		if err := s.ClearLoginFailures(ctx, "Nora", a); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.LoginFailures(ctx, "nora", a, later); f.Failures != 0 {
			t.Fatalf("after clearing: %+v", f)
		}
		if f, _ := s.LoginFailures(ctx, "nora", b, last); f.Failures != 1 {
			t.Fatalf("clearing a touched b: %+v", f)
		}
		// A new password does not forgive the guessing address.
		if err := s.SetPassword(ctx, "nora", "$argon2id$new", last); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.LoginFailures(ctx, "nora", b, last); f.Failures != 1 {
			t.Fatalf("after a new password: %+v", f)
		}
		if _, err := s.RecordLoginFailure(ctx, "", a, at); err == nil {
			t.Fatal("empty username recorded")
		}
		// Instants in another zone, with nanoseconds, come back as stored.
		zoned := time.Date(2026, 5, 1, 10, 0, 0, 123456789, riyadh)
		got, err = s.RecordLoginFailure(ctx, "huda", a, zoned)
		want := LoginFailure{Username: "huda", Address: a, Failures: 1, LastFailedAt: zoned.UTC().Truncate(time.Microsecond)}
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "recorded", got.LoginFailure, want)
		f, err := s.LoginFailures(ctx, "huda", a, zoned)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "read back", f, want)
	})
}

// Concurrent failures of one pair are all counted.
func TestLoginFailuresConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		const n = 16
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := s.RecordLoginFailure(context.Background(), "nora", "198.51.100.7", baseTime)
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if f, _ := s.LoginFailures(context.Background(), "nora", "198.51.100.7", baseTime); f.Failures != n {
			t.Fatalf("%d failures counted of %d", f.Failures, n)
		}
	})
}

// An alert is raised once per window and subject, and commits with its audit entry.
func TestRaiseLoginAlert(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := baseTime
		if err := s.RaiseLoginAlert(ctx, LoginAlertAccount, "nora", at); err != nil {
			t.Fatal(err)
		}
		if err := s.RaiseLoginAlert(ctx, LoginAlertAccount, "nora", at.Add(LoginAlertWindow-time.Second)); !errors.Is(err, ErrExists) {
			t.Fatalf("second alert within the window: %v", err)
		}
		if err := s.RaiseLoginAlert(ctx, LoginAlertAddress, "nora", at); err != nil {
			t.Fatalf("another kind: %v", err)
		}
		actx, p, err := WithAudit(ctx, AuditEntry{At: at, ActorID: "system", Action: "login.alert", Subject: "account/nora"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RaiseLoginAlert(actx, LoginAlertAccount, "nora", at.Add(time.Minute)); !errors.Is(err, ErrExists) || p.Appended() {
			t.Fatalf("a refused alert: %v, audited %v", err, p.Appended())
		}
		if err := s.RaiseLoginAlert(actx, LoginAlertAccount, "nora", at.Add(LoginAlertWindow)); err != nil || !p.Appended() {
			t.Fatalf("after the window: %v, audited %v", err, p.Appended())
		}
		if countRows(t, s, "login_alerts") != 2 || countRows(t, s, "audit_log") != 1 {
			t.Fatalf("%d alerts, %d audit entries", countRows(t, s, "login_alerts"), countRows(t, s, "audit_log"))
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, err := s.CreateAccount(ctx, NewAccount{Username: "huda", Name: "هدى", Role: "coordinator", Entity: "KSU", PasswordHash: "x"}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		mustSession(t, s, a.ID, "old", baseTime)                                 // its refresh life ends at +12h
		revoked := mustSession(t, s, a.ID, "rev", baseTime.Add(20*24*time.Hour)) // revoked at +20d
		live := mustSession(t, s, a.ID, "live", baseTime.Add(30*24*time.Hour))
		if err := s.RevokeSession(ctx, revoked.ID, baseTime.Add(20*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Failure counts and alerts go once they no longer count, and at
		// least keep after.
		for _, at := range []time.Time{baseTime, baseTime.Add(29 * 24 * time.Hour)} {
			if _, err := s.RecordLoginFailure(ctx, "huda", "192.0.2.1", at); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordLoginFailure(ctx, "huda", "192.0.2.2", at); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RaiseLoginAlert(ctx, LoginAlertAccount, "huda", baseTime); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeExpired(ctx, baseTime.Add(30*24*time.Hour), 7*24*time.Hour)
		if err != nil || n != 3 {
			t.Fatalf("purged %d, %v; want the expired and the revoked session, the old alert", n, err)
		}
		if c := countRows(t, s, "login_failures"); c != 2 {
			t.Fatalf("%d failure counts left, want the 2 of a day ago", c)
		}
		if n, err := s.PurgeExpired(ctx, baseTime.Add(29*24*time.Hour+LoginFailureMemory+time.Second), 0); err != nil || n != 2 {
			t.Fatalf("purged %d, %v; want the counts a day old", n, err)
		}
		var left []int64
		if err := s.db.Model(&Session{}).Order("id").Pluck("id", &left).Error; err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "sessions left", left, []int64{live.ID})
	})
}

func TestSetAccountLang(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustAccount(t, s, "nora")
		mustEqual(t, "new account's language", a.Lang, "ar")
		if got, err := s.GetAccount(ctx, a.ID); err != nil || got.Lang != "ar" {
			t.Fatalf("stored language = %q, %v; want ar", got.Lang, err)
		}
		if err := s.SetAccountLang(ctx, a.ID, "en"); err != nil {
			t.Fatalf("SetAccountLang: %v", err)
		}
		got, err := s.GetAccountByUsername(ctx, "nora")
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "language after the switch", got.Lang, "en")
		// A preference is not a change of the account: updated_at stays.
		if !got.UpdatedAt.Equal(a.UpdatedAt) {
			t.Fatalf("updated_at moved: %v → %v", a.UpdatedAt, got.UpdatedAt)
		}
		if err := s.SetAccountLang(ctx, a.ID, "fr"); err == nil {
			t.Fatal("the column took a language other than ar and en")
		}
		if got, _ := s.GetAccount(ctx, a.ID); got.Lang != "en" {
			t.Fatalf("a refused language changed it to %q", got.Lang)
		}
		if err := s.SetAccountLang(ctx, a.ID+1000, "en"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown account: %v, want ErrNotFound", err)
		}
	})
}

func TestAccountNames(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, u := range []string{"noura", "fahad"} {
			if _, err := s.CreateAccount(ctx, NewAccount{Username: u, Name: "اسم " + u, Role: domain.RoleCoordinator, Entity: "KSU", PasswordHash: "x"}, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.AccountNames(ctx, []string{"Noura", "fahad", "nobody"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["noura"] != "اسم noura" || got["fahad"] != "اسم fahad" {
			t.Errorf("AccountNames = %v", got)
		}
	})
}
