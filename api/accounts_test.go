package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

const goodPassword = "correct horse battery staple"

func (f *fixture) login(username, pw string) resp {
	f.t.Helper()
	return f.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"username": username, "password": pw}})
}

func (f *fixture) mustLogin(username, pw string) tokenPair {
	f.t.Helper()
	r := f.login(username, pw)
	r.expect(http.StatusOK)
	var tp tokenPair
	r.json(&tp)
	return tp
}

// loginFrom logs in from the client address ip (IPv4 or IPv6).
func (f *fixture) loginFrom(ip, username, pw string) resp {
	f.t.Helper()
	j, err := json.Marshal(map[string]any{"username": username, "password": pw})
	if err != nil {
		f.t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/api/v1/auth/login", bytes.NewReader(j))
	hr.Header.Set("Content-Type", "application/json")
	hr.RemoteAddr = net.JoinHostPort(ip, "40000")
	w := httptest.NewRecorder()
	f.api.Handler().ServeHTTP(w, hr)
	return resp{w, f.t}
}

func (f *fixture) mustLoginFrom(ip, username, pw string) tokenPair {
	f.t.Helper()
	r := f.loginFrom(ip, username, pw)
	r.expect(http.StatusOK)
	var tp tokenPair
	r.json(&tp)
	return tp
}

func loginFixture(t *testing.T) *fixture {
	f := newFixture(t, func(o *Options) { o.LoginPerMinute = 1000 })
	f.account("Nora", domain.RoleCoordinator, "KSU", goodPassword)
	return f
}

func TestLogin(t *testing.T) {
	f := loginFixture(t)
	r := f.login("NORA", goodPassword)
	r.expect(http.StatusOK)
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var tp tokenPair
	r.json(&tp)
	if tp.TokenType != "Bearer" || tp.ExpiresIn != 900 || tp.Role != domain.RoleCoordinator || tp.Entity != "KSU" ||
		len(tp.AccessToken) != 43 || len(tp.RefreshToken) != 43 || tp.AccessToken == tp.RefreshToken {
		t.Fatalf("token pair %+v", tp)
	}
	// The access token works on a staff route; the refresh token does not.
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.RefreshToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	// It expires after 15 minutes.
	f.clock.Advance(15 * time.Minute)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	// Configured tokens keep working.
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: testTokens["coord-ksu"]}).expect(http.StatusOK)
}

// A wrong password and an unknown username are indistinguishable.
func TestLoginNoEnumeration(t *testing.T) {
	f := loginFixture(t)
	wrong := f.login("nora", "not the password at all")
	unknown := f.login("nobody-here", "not the password at all")
	wrong.expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	unknown.expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	norm := func(r resp) string { // the instance is the path, the same for both
		return r.Body.String()
	}
	if norm(wrong) != norm(unknown) {
		t.Fatalf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
	for _, h := range []string{"Content-Type", "WWW-Authenticate", "Content-Language"} {
		if wrong.Header().Get(h) != unknown.Header().Get(h) {
			t.Errorf("header %s differs", h)
		}
	}
}

// Failures count per (username, client address), whatever the case of the
// username. After three from one address, that address waits before its next
// try (429 with Retry-After: 5 s, then 10, 20, 40 …), right password or not,
// for an unknown username alike (so the wait tells nothing about which
// accounts exist). The account is never locked: the right password from
// another address gets in at once, however many failures the first one made,
// and the waiting address gets in too once its wait is over, which clears its
// count.
func TestLoginThrottledPerAddress(t *testing.T) {
	f := loginFixture(t)
	const attacker, owner = "203.0.113.9", "198.51.100.20"
	ref := f.loginFrom("192.0.2.77", "nobody", "x").Body.String()
	for i, name := range []string{"nora", "NORA", "ＮＯＲＡ"} {
		r := f.loginFrom(attacker, name, "wrong password "+name)
		r.expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
		if r.Body.String() != ref {
			t.Fatalf("failure %d answers differently: %s", i+1, r.Body)
		}
	}
	for _, name := range []string{"nora", "Nora"} {
		expectThrottled(t, f.loginFrom(attacker, name, goodPassword), 5)
	}
	for range 3 {
		f.loginFrom(attacker, "nobody", "x").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	expectThrottled(t, f.loginFrom(attacker, "nobody", "x"), 5)

	// The owner, elsewhere, is not locked out.
	f.mustLoginFrom(owner, "nora", goodPassword)

	// Each further failure doubles the wait.
	for _, wait := range []int{5, 10, 20, 40} {
		f.clock.Advance(time.Duration(wait-1) * time.Second)
		expectThrottled(t, f.loginFrom(attacker, "nora", "wrong"), 1)
		f.clock.Advance(time.Second)
		f.loginFrom(attacker, "nora", "still wrong").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
		expectThrottled(t, f.loginFrom(attacker, "nora", goodPassword), 2*wait)
	}
	// Seven failures (today's rule locked everyone out at five): the owner
	// still gets in from a clean address.
	f.mustLoginFrom(owner, "nora", goodPassword)
	f.mustLoginFrom("2001:db8:77::1", "nora", goodPassword)

	// The waiting address itself, once its wait is over, gets in with the
	// right password, and that clears its count: two failures are free again.
	f.clock.Advance(80 * time.Second)
	f.mustLoginFrom(attacker, "nora", goodPassword)
	for range 2 {
		f.loginFrom(attacker, "nora", "wrong").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	f.mustLoginFrom(attacker, "Nora", goodPassword)

	// Waits are audited as refused logins.
	throttled := 0
	for _, e := range f.auditLog() {
		if e.Action == auditLoginFailed && strings.Contains(e.Detail, `"reason":"throttled"`) {
			throttled++
		}
	}
	if throttled != 2+1+4*2 {
		t.Errorf("%d throttled attempts audited, want 11", throttled)
	}
}

func expectThrottled(t *testing.T, r resp, retryAfter int) {
	t.Helper()
	r.expectProblem(http.StatusTooManyRequests, codeRateLimited)
	if got := r.Header().Get("Retry-After"); got != strconv.Itoa(retryAfter) {
		t.Fatalf("Retry-After %q, want %d", got, retryAfter)
	}
}

// The login route is also limited per client address.
func TestLoginRateLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.LoginPerMinute = 3 })
	for range 3 {
		f.login("someone", "password").expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	}
	r := f.login("someone", "password")
	r.expectProblem(http.StatusTooManyRequests, codeRateLimited)
	if r.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestRefreshRotation(t *testing.T) {
	f := loginFixture(t)
	tp := f.mustLogin("nora", goodPassword)
	f.clock.Advance(10 * time.Minute)
	r := f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}})
	r.expect(http.StatusOK)
	var np tokenPair
	r.json(&np)
	if np.AccessToken == tp.AccessToken || np.RefreshToken == tp.RefreshToken || np.Role != domain.RoleCoordinator {
		t.Fatalf("new pair %+v", np)
	}
	// The old refresh token is spent; the old access token too.
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}}).
		expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: np.AccessToken}).expect(http.StatusOK)
	// Presented again a minute later, the spent token was copied: the
	// session ends for its current holder too, and the event is audited.
	f.clock.Advance(time.Minute)
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}}).
		expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: np.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	if es := f.auditLog(); !slices.ContainsFunc(es, func(e store.AuditEntry) bool { return e.Action == auditRefreshReused }) {
		t.Errorf("refresh reuse not audited: %+v", es)
	}
	// The session ends 12 hours after login, refreshes or not.
	f.clock.Advance(12*time.Hour - 11*time.Minute)
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": np.RefreshToken}}).
		expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
}

func TestLogout(t *testing.T) {
	f := loginFixture(t)
	tp := f.mustLogin("nora", goodPassword)
	other := f.mustLogin("nora", goodPassword)
	f.do(req{method: "POST", path: "/api/v1/auth/logout", token: tp.AccessToken}).expect(http.StatusNoContent)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}}).
		expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
	// Another session of the same account lives on.
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: other.AccessToken}).expect(http.StatusOK)
}

func TestPasswordChangeRevokesAll(t *testing.T) {
	f := loginFixture(t)
	a := f.mustLogin("nora", goodPassword)
	b := f.mustLogin("nora", goodPassword)
	change := func(tok, cur, nw string) req {
		return req{method: "POST", path: "/api/v1/auth/password", token: tok,
			body: map[string]any{"current_password": cur, "new_password": nw}}
	}
	f.do(change(a.AccessToken, goodPassword, "short").outsideContract()).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(change(a.AccessToken, "wrong current password", "a brand new passphrase")).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	f.do(change(testTokens["admin"], goodPassword, "a brand new passphrase")).expectProblem(http.StatusForbidden, codeNotAnAccount)
	f.do(change(a.AccessToken, goodPassword, "a brand new passphrase")).expect(http.StatusNoContent)
	for _, tp := range []tokenPair{a, b} {
		f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
		f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}}).
			expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
	}
	f.login("nora", goodPassword).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	f.mustLogin("nora", "a brand new passphrase")
}

func TestAdminAccounts(t *testing.T) {
	f := loginFixture(t)
	admin := testTokens["admin"]
	create := func(tok string, body map[string]any) req {
		return req{method: "POST", path: "/api/v1/accounts", token: tok, body: body}
	}
	body := map[string]any{"username": "Sami.Q", "name": "سامي", "role": "coordinator", "entity": "EDU-RIY", "password": goodPassword}
	f.do(create(testTokens["coord-ksu"], body)).expectProblem(http.StatusForbidden, codeForbidden)
	r := f.do(create(admin, body))
	r.expect(http.StatusCreated)
	var out accountOut
	r.json(&out)
	if out.Username != "sami.q" || out.Role != domain.RoleCoordinator || out.Entity != "EDU-RIY" || out.Disabled {
		t.Fatalf("created %+v", out)
	}
	if strings.Contains(r.Body.String(), "argon2") {
		t.Fatal("the answer carries the password hash")
	}
	f.do(create(admin, map[string]any{"username": "SAMI.q", "role": "agent", "password": goodPassword})).
		expectProblem(http.StatusConflict, codeAccountExists)
	p := f.do(create(admin, map[string]any{"username": "x y", "role": "coordinator", "entity": "NOPE", "password": "short"}).outsideContract()).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field+":"+e.Code)
	}
	for _, want := range []string{"username:" + fieldInvalidValue, "entity:" + fieldUnknownEntity, "password:" + fieldTooShort} {
		if !slices.Contains(fields, want) {
			t.Errorf("errors %v lack %s", fields, want)
		}
	}
	f.do(create(admin, map[string]any{"username": "k", "role": "entity_head", "password": goodPassword})).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(create(admin, map[string]any{"username": "k", "role": "beneficiary", "password": goodPassword}).outsideContract()).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)

	// A role change holds from the next request, and is audited.
	tp := f.mustLogin("sami.q", goodPassword)
	role := func(tok, user string, body map[string]any) resp {
		return f.do(req{method: "PUT", path: "/api/v1/accounts/" + user + "/role", token: tok, body: body})
	}
	role(testTokens["supervisor"], "sami.q", map[string]any{"role": "agent"}).expectProblem(http.StatusForbidden, codeForbidden)
	role(admin, "nobody", map[string]any{"role": "agent"}).expectProblem(http.StatusNotFound, codeNotFound)
	role(admin, "sami.q", map[string]any{"role": "sector_official"}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	role(admin, "sami.q", map[string]any{"role": "king"}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + f.file("").Number, token: tp.AccessToken}).expectProblem(http.StatusNotFound, codeNotFound)
	role(admin, "SAMI.Q", map[string]any{"role": "care_center_manager", "entity": "KSU"}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/coordinators?entity=KSU", token: tp.AccessToken}).expect(http.StatusOK)
	// An administrator with an account cannot change their own role.
	f.account("root", domain.RoleAdmin, "", goodPassword)
	rootTok := f.mustLogin("root", goodPassword).AccessToken
	role(rootTok, "root", map[string]any{"role": "agent"}).expectProblem(http.StatusForbidden, codeForbidden)

	// Disabling ends the sessions; the account cannot log in again.
	f.do(req{method: "POST", path: "/api/v1/accounts/nobody/disable", token: admin}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: "/api/v1/accounts/SAMI.Q/disable", token: testTokens["supervisor"]}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/accounts/SAMI.Q/disable", token: admin}).expect(http.StatusNoContent)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tp.AccessToken}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": tp.RefreshToken}}).
		expectProblem(http.StatusUnauthorized, codeInvalidRefreshToken)
	f.login("sami.q", goodPassword).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)

	// Audited.
	entries, err := f.store.ListAudit(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	{
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{auditAccountCreated, auditLogin, auditAccountOff, auditLoginFailed, auditRoleChanged} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit log %v lacks %s", actions, want)
			}
		}
	}
}

// A session token acts with the account's role and scope: a coordinator of
// KSU lists KSU's tickets only and files as itself.
func TestSessionTokenScope(t *testing.T) {
	f := loginFixture(t)
	ksu := f.file("", func(m map[string]any) { m["entity"] = "KSU" })
	edu := f.file("", func(m map[string]any) { m["entity"] = "EDU-RIY" })
	tp := f.mustLogin("nora", goodPassword)

	r := f.do(req{method: "GET", path: "/api/v1/tickets?limit=50", token: tp.AccessToken})
	r.expect(http.StatusOK)
	var l listAnswer
	r.json(&l)
	var got []string
	for _, s := range l.Items {
		got = append(got, s.Number)
	}
	if !slices.Contains(got, ksu.Number) || slices.Contains(got, edu.Number) {
		t.Fatalf("coordinator@KSU lists %v (KSU %s, EDU %s)", got, ksu.Number, edu.Number)
	}
	f.do(req{method: "GET", path: "/api/v1/tickets/" + ksu.Number, token: tp.AccessToken}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + edu.Number, token: tp.AccessToken}).expectProblem(http.StatusNotFound, codeNotFound)
	// Admin-only routes stay closed to it.
	f.do(req{method: "GET", path: "/api/v1/entities/export", token: tp.AccessToken}).expectProblem(http.StatusForbidden, codeForbidden)

	// A call-center filing records the account as the actor.
	f.file(tp.AccessToken, func(m map[string]any) { m["channel"] = "call_center" })
	calls := f.tc.startCalls()
	last := calls[len(calls)-1]
	if !strings.Contains(strings.ReplaceAll(jsonOf(t, last.args), " ", ""), `"user:nora"`) {
		t.Errorf("the workflow input does not name user:nora: %s", jsonOf(t, last.args))
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A control character in a login's username or an account's name is input
// to refuse or clean, never a 500 from the database or a NUL in a workflow.
func TestAccountTextWithControlCharacters(t *testing.T) {
	f := newFixture(t)
	f.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"username": "sara\u0000", "password": "x"}}.outsideContract()).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	r := f.do(req{method: "POST", path: "/api/v1/accounts", token: testTokens["admin"], body: map[string]any{
		"username": "noura", "name": "نورة\u0000 العتيبي\u0085", "role": "coordinator", "entity": "KSU",
		"password": "a long enough passphrase 42",
	}})
	r.expect(http.StatusCreated)
	acc, err := f.store.GetAccountByUsername(context.Background(), "noura")
	if err != nil {
		t.Fatal(err)
	}
	if acc.Name != "نورة العتيبي" {
		t.Fatalf("stored name %+q", acc.Name)
	}
}
