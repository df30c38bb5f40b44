package signin

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const (
	goodPassword = "correct horse battery"
	home         = "192.0.2.10"
	elsewhere    = "198.51.100.7"
)

// clock is a settable clock shared by the service and the test.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

type fixture struct {
	svc   *Service
	store *store.Store
	clock *clock
}

// newFixture is a Service over a fresh SQLite store, hashing at a tiny cost.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := password.New(password.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}
	svc, err := New(Options{Store: st, Passwords: h, Audit: auditlog.New(st, c.Now, nil), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: st, clock: c}
}

func (f *fixture) account(t *testing.T, username string) store.Account {
	t.Helper()
	hash, err := f.svc.Hash(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := f.store.CreateAccount(context.Background(), store.NewAccount{
		Username: username, Name: "نورة", Role: domain.RoleCoordinator, Entity: "KSU", PasswordHash: hash}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func (f *fixture) try(username, pw, ip string) (store.Account, error) {
	return f.svc.Password(context.Background(), Attempt{Username: username, Password: pw, Address: ip, IP: ip})
}

// audit is the audit log's entries of action, their details decoded.
func (f *fixture) audit(t *testing.T, action string) []map[string]any {
	t.Helper()
	es, err := f.store.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range es {
		if e.Action != action {
			continue
		}
		d := map[string]any{"subject": e.Subject, "actor": e.ActorID}
		if e.Detail != "" {
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, d)
	}
	return out
}

func wantRefusal(t *testing.T, err error, kind refusal.Kind, code string) *refusal.Error {
	t.Helper()
	r, ok := refusal.As(err)
	if !ok || r.Kind != kind || r.Code != code {
		t.Fatalf("err = %v, want a refusal %s %s", err, kind, code)
	}
	return r
}

func TestPasswordSignsIn(t *testing.T) {
	f := newFixture(t)
	f.account(t, "nora")
	acc, err := f.try(" NORA ", goodPassword, home)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Username != "nora" || acc.Role != domain.RoleCoordinator {
		t.Fatalf("account %+v", acc)
	}
}

func TestPasswordRefusals(t *testing.T) {
	f := newFixture(t)
	f.account(t, "nora")
	off := f.account(t, "sara")
	if err := f.store.DisableAccount(context.Background(), off.Username, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, username, pw, reason string
	}{
		{"wrong password", "nora", "wrong password!", "password"},
		{"unknown user", "nobody", goodPassword, "unknown"},
		// The right password of a disabled account: refused alike.
		{"disabled", "sara", goodPassword, "disabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.audit(t, auditlog.LoginFailed))
			_, err := f.try(c.username, c.pw, home)
			wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeInvalidCredentials)
			failed := f.audit(t, auditlog.LoginFailed)
			if len(failed) != before+1 {
				t.Fatalf("%d login.failed entries, want %d", len(failed), before+1)
			}
			last := failed[len(failed)-1]
			if last["reason"] != c.reason || last["ip"] != home || last["subject"] != "account/"+c.username {
				t.Fatalf("login.failed %v, want reason %s", last, c.reason)
			}
			lf, err := f.store.LoginFailures(context.Background(), c.username, home, f.clock.Now())
			if err != nil || lf.Failures != 1 {
				t.Fatalf("failures of %s from %s = %+v, %v; want 1", c.username, home, lf, err)
			}
		})
	}
}

func TestPasswordInvalidInput(t *testing.T) {
	f := newFixture(t)
	_, err := f.try(" ", "", home)
	r := wantRefusal(t, err, refusal.Invalid, refusal.CodeValidation)
	if len(r.Fields) != 2 || r.Fields[0].Name != "username" || r.Fields[0].Code != refusal.FieldRequired ||
		r.Fields[1].Name != "password" || r.Fields[1].Code != refusal.FieldRequired {
		t.Fatalf("fields %+v", r.Fields)
	}
	_, err = f.try("nora\x00", goodPassword, home)
	r = wantRefusal(t, err, refusal.Invalid, refusal.CodeValidation)
	if len(r.Fields) != 1 || r.Fields[0].Code != refusal.FieldInvalidValue {
		t.Fatalf("fields %+v", r.Fields)
	}
}

// An address that keeps failing on a username waits, even with the right
// password; the right password from another address still gets in, and a
// success clears the address's count.
func TestPasswordThrottlesTheFailingAddressOnly(t *testing.T) {
	f := newFixture(t)
	f.account(t, "nora")
	for range store.FreeLoginFailures {
		_, err := f.try("nora", "wrong password!", home)
		wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeInvalidCredentials)
	}
	_, err := f.try("nora", goodPassword, home)
	r := wantRefusal(t, err, refusal.Throttled, refusal.CodeRateLimited)
	if r.RetryAfter != store.LoginDelay(store.FreeLoginFailures) {
		t.Fatalf("RetryAfter %v, want %v", r.RetryAfter, store.LoginDelay(store.FreeLoginFailures))
	}
	failed := f.audit(t, auditlog.LoginFailed)
	if last := failed[len(failed)-1]; last["reason"] != "throttled" {
		t.Fatalf("the throttled try is audited as %v", last)
	}

	if _, err := f.try("nora", goodPassword, elsewhere); err != nil {
		t.Fatalf("another address with the right password: %v", err)
	}

	f.clock.t = f.clock.t.Add(r.RetryAfter)
	if _, err := f.try("nora", goodPassword, home); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	lf, err := f.store.LoginFailures(context.Background(), "nora", home, f.clock.Now())
	if err != nil || lf.Failures != 0 {
		t.Fatalf("failures after a success = %+v, %v; want 0", lf, err)
	}
}

// A browser session: a working day, no refresh token; looked up until it
// expires or ends.
func TestSessionStartLookupLogout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acc := f.account(t, "nora")
	sess, err := f.svc.Start(ctx, acc, StartOptions{AccessTTL: 8 * time.Hour, Detail: map[string]any{"ip": home}})
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == 0 || sess.Access == "" || sess.Refresh != "" || sess.ExpiresAt.Sub(sess.IssuedAt) != 8*time.Hour {
		t.Fatalf("session %+v", sess)
	}
	logins := f.audit(t, auditlog.Login)
	if len(logins) != 1 || logins[0]["ip"] != home || logins[0]["actor"] != "user:nora" {
		t.Fatalf("login entries %v", logins)
	}
	actor, sid, err := f.svc.Lookup(ctx, sess.Access)
	if err != nil || sid != sess.ID || actor != Actor(acc) {
		t.Fatalf("Lookup = %+v, %d, %v", actor, sid, err)
	}
	_, _, err = f.svc.Lookup(ctx, sess.Access+"x")
	wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeUnauthorized)

	// No refresh token was handed out, and none refreshes the session.
	_, _, err = f.svc.Refresh(ctx, sess.Access, home)
	wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeInvalidRefreshToken)

	f.clock.t = f.clock.t.Add(8*time.Hour - time.Second)
	if _, _, err := f.svc.Lookup(ctx, sess.Access); err != nil {
		t.Fatalf("before the day ends: %v", err)
	}
	if err := f.svc.Logout(ctx, actor, sid); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Lookup(ctx, sess.Access)
	wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeUnauthorized)
	if out := f.audit(t, auditlog.Logout); len(out) != 1 || out[0]["subject"] != "account/nora" {
		t.Fatalf("logout entries %v", out)
	}
}

func TestSessionExpiresAndRefreshes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acc := f.account(t, "nora")
	sess, err := f.svc.Start(ctx, acc, StartOptions{WithRefresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if sess.Refresh == "" || sess.ExpiresAt.Sub(sess.IssuedAt) != AccessTTL {
		t.Fatalf("session %+v", sess)
	}
	f.clock.t = f.clock.t.Add(AccessTTL)
	_, _, err = f.svc.Lookup(ctx, sess.Access)
	wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeUnauthorized)

	next, got, err := f.svc.Refresh(ctx, sess.Refresh, home)
	if err != nil || got.ID != acc.ID || next.ID != sess.ID || next.Access == sess.Access {
		t.Fatalf("Refresh = %+v, %+v, %v", next, got, err)
	}
	if _, _, err := f.svc.Lookup(ctx, next.Access); err != nil {
		t.Fatalf("the refreshed token: %v", err)
	}
	// The old refresh token again, past the grace for a client's own double
	// submit: copied. The session ends, audited.
	f.clock.t = f.clock.t.Add(time.Minute)
	_, _, err = f.svc.Refresh(ctx, sess.Refresh, elsewhere)
	wantRefusal(t, err, refusal.Unauthenticated, refusal.CodeInvalidRefreshToken)
	if _, _, err := f.svc.Lookup(ctx, next.Access); err == nil {
		t.Fatal("the session outlived a reused refresh token")
	}
	if reused := f.audit(t, auditlog.RefreshReused); len(reused) != 1 || reused[0]["ip"] != elsewhere {
		t.Fatalf("refresh_reused entries %v", reused)
	}
}

// The session row and its audit entry commit together: a session that
// cannot be written (no such account) leaves no login entry either.
func TestStartAuditsInTheSessionsTransaction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acc := f.account(t, "nora")
	if _, err := f.svc.Start(ctx, acc, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	ghost := store.Account{ID: acc.ID + 100, Username: "ghost", Role: domain.RoleAgent}
	if _, err := f.svc.Start(ctx, ghost, StartOptions{}); err == nil {
		t.Fatal("a session of no account started")
	}
	logins := f.audit(t, auditlog.Login)
	if len(logins) != 1 || logins[0]["subject"] != "account/nora" {
		t.Fatalf("login entries %v, want nora's alone", logins)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acc := f.account(t, "nora")
	sess, err := f.svc.Start(ctx, acc, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const newPassword = "a much longer passphrase"
	change := func(current, next string) error {
		return f.svc.ChangePassword(ctx, Actor(acc), PasswordChange{Current: current, New: next, Address: home, IP: home})
	}
	r := wantRefusal(t, change("", "short"), refusal.Invalid, refusal.CodeValidation)
	if len(r.Fields) != 2 || r.Fields[0].Code != refusal.FieldTooShort || r.Fields[1].Name != "current_password" {
		t.Fatalf("fields %+v", r.Fields)
	}
	wantRefusal(t, change("wrong password!", newPassword), refusal.Unauthenticated, refusal.CodeInvalidCredentials)
	if failed := f.audit(t, auditlog.LoginFailed); len(failed) != 1 || failed[0]["reason"] != "password_change" {
		t.Fatalf("login.failed %v", failed)
	}
	if err := change(goodPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Lookup(ctx, sess.Access); err == nil {
		t.Fatal("a session outlived the password change")
	}
	if _, err := f.try("nora", goodPassword, elsewhere); err == nil {
		t.Fatal("the old password still signs in")
	}
	if _, err := f.try("nora", newPassword, elsewhere); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	err = f.svc.ChangePassword(ctx, workflows.Actor{ID: "telephony", Role: domain.RoleAgent},
		PasswordChange{Current: goodPassword, New: newPassword})
	wantRefusal(t, err, refusal.Forbidden, refusal.CodeNotAnAccount)
}

func TestSetLanguage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acc := f.account(t, "nora")
	if acc.Lang != LangArabic {
		t.Fatalf("a new account's language is %q", acc.Lang)
	}
	for _, bad := range []string{"fr", "EN", "ar-SA"} {
		r := wantRefusal(t, f.svc.SetLanguage(ctx, Actor(acc), bad), refusal.Invalid, refusal.CodeValidation)
		if len(r.Fields) != 1 || r.Fields[0].Name != "lang" || r.Fields[0].Code != refusal.FieldInvalidValue {
			t.Fatalf("%q: fields %+v", bad, r.Fields)
		}
	}
	if err := f.svc.SetLanguage(ctx, Actor(acc), LangEnglish); err != nil {
		t.Fatal(err)
	}
	got, err := f.try("nora", goodPassword, home)
	if err != nil || got.Lang != LangEnglish {
		t.Fatalf("signed in with language %q, %v; want en", got.Lang, err)
	}
	wantRefusal(t, f.svc.SetLanguage(ctx, workflows.Actor{ID: "telephony"}, LangEnglish), refusal.Forbidden, refusal.CodeNotAnAccount)
}
