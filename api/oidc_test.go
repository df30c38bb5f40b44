package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

// testIdP is an in-process OpenID provider: discovery document and JWKS
// served by an httptest.Server, ID tokens signed RS256 with a generated key.
type testIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

const oidcClientID = "tawasul-test"

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                p.srv.URL,
			"authorization_endpoint":                p.srv.URL + "/auth",
			"token_endpoint":                        p.srv.URL + "/token",
			"jwks_uri":                              p.srv.URL + "/jwks",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &key.PublicKey, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// sign makes an ID token signed with key (kid k1).
func sign(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// claims is a valid claim set at now; edits adjust it (nil deletes a key).
func (p *testIdP) claims(now time.Time, edits map[string]any) map[string]any {
	m := map[string]any{
		"iss": p.srv.URL, "sub": "s-1001", "aud": oidcClientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"preferred_username": "Noura.Q", "name": "نورة القحطاني",
		"tawasul_role": "coordinator", "tawasul_entity": "KSU",
	}
	for k, v := range edits {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func oidcFixture(t *testing.T, p *testIdP, mod ...func(*OIDCOptions)) *fixture {
	t.Helper()
	return newFixture(t, func(o *Options) {
		o.OIDC = OIDCOptions{Issuer: p.srv.URL, ClientID: oidcClientID}
		o.LoginPerMinute = 1000
		for _, m := range mod {
			m(&o.OIDC)
		}
	})
}

func (f *fixture) oidcLogin(tok string) resp {
	f.t.Helper()
	return f.do(req{method: "POST", path: "/api/v1/auth/oidc", body: map[string]any{"id_token": tok}})
}

func TestOIDCLogin(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()

	r := f.oidcLogin(sign(t, p.key, p.claims(now, nil)))
	r.expect(http.StatusOK)
	var pair tokenPair
	r.json(&pair)
	if pair.AccessToken == "" || pair.RefreshToken == "" || pair.TokenType != "Bearer" ||
		pair.Role != domain.RoleCoordinator || pair.Entity != "KSU" || pair.ExpiresIn != int(accessTTL/time.Second) {
		t.Fatalf("pair: %+v", pair)
	}
	acc, err := f.store.GetAccountByUsername(context.Background(), "oidc:noura.q")
	if err != nil {
		t.Fatalf("account: %v", err)
	}
	if acc.Role != domain.RoleCoordinator || acc.Entity != "KSU" || acc.Name != "نورة القحطاني" || acc.PasswordHash != ssoNoPassword {
		t.Fatalf("account: %+v", acc)
	}

	// The session works on staff routes, within the mapped scope.
	own := f.file(testTokens["agent"])
	other := f.file(testTokens["agent"], func(m map[string]any) { m["entity"] = "EDU-RIY" })
	f.do(req{method: "GET", path: "/api/v1/tickets", token: pair.AccessToken}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + own.Number, token: pair.AccessToken}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + other.Number, token: pair.AccessToken}).
		expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: "/api/v1/accounts", token: pair.AccessToken,
		body: map[string]any{"username": "x", "role": "agent", "password": "a long enough password"}}).
		expectProblem(http.StatusForbidden, codeForbidden)
	// And refreshes like any session.
	f.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]any{"refresh_token": pair.RefreshToken}}).
		expect(http.StatusOK)

	// The next login brings the provider's current role and entity.
	r = f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": "care_center_manager", "tawasul_entity": "UQU"})))
	r.expect(http.StatusOK)
	r.json(&pair)
	if pair.Role != domain.RoleCareCenterManager || pair.Entity != "UQU" {
		t.Fatalf("updated pair: %+v", pair)
	}
	// A ministry-wide role drops the entity.
	r = f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": []any{"supervisor"}})))
	r.expect(http.StatusOK)
	pair = tokenPair{} // entity is omitted when empty
	r.json(&pair)
	if pair.Role != domain.RoleSupervisor || pair.Entity != "" {
		t.Fatalf("supervisor pair: %+v", pair)
	}

	// The account has no password to log in with.
	f.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"username": "oidc:noura.q", "password": ssoNoPassword}}).
		expectProblem(http.StatusUnauthorized, codeInvalidCredentials)

	if !strings.Contains(f.auditActions(t), auditLoginOIDC) {
		t.Errorf("no %s audit entry", auditLoginOIDC)
	}

	// A disabled account stays disabled.
	if err := f.store.DisableAccount(context.Background(), "oidc:noura.q", now); err != nil {
		t.Fatal(err)
	}
	f.oidcLogin(sign(t, p.key, p.claims(now, nil))).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
}

// auditActions lists the actions of the audit log, one a line.
func (f *fixture) auditActions(t *testing.T) string {
	t.Helper()
	es, err := f.store.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action+" "+e.Subject)
	}
	return strings.Join(actions, "\n")
}

func TestOIDCRefused(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// A disabled password account of the same username.
	f.account("khalid", domain.RoleCoordinator, "KSU", "a long enough password")
	if err := f.store.DisableAccount(context.Background(), "khalid", now); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"wrong audience":         sign(t, p.key, p.claims(now, map[string]any{"aud": "someone-else"})),
		"expired":                sign(t, p.key, p.claims(now.Add(-time.Hour), nil)),
		"wrong issuer":           sign(t, p.key, p.claims(now, map[string]any{"iss": "https://evil.example"})),
		"bad signature":          sign(t, otherKey, p.claims(now, nil)),
		"unknown role":           sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": "superuser"})),
		"missing role":           sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": nil})),
		"ambiguous roles":        sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": []any{"admin", "agent"}})),
		"scoped without entity":  sign(t, p.key, p.claims(now, map[string]any{"tawasul_entity": nil})),
		"scoped, unknown entity": sign(t, p.key, p.claims(now, map[string]any{"tawasul_entity": "NOPE"})),
		"no username":            sign(t, p.key, p.claims(now, map[string]any{"preferred_username": nil})),
		"disabled local account": sign(t, p.key, p.claims(now, map[string]any{"preferred_username": "Khalid"})),
		"not a token":            "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			f.oidcLogin(tok).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
		})
	}
	// None of the refused logins made an account.
	for _, u := range []string{"oidc:noura.q", "oidc:khalid"} {
		if _, err := f.store.GetAccountByUsername(context.Background(), u); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after refused logins: %v", u, err)
		}
	}
	f.do(req{offContract: true, method: "POST", path: "/api/v1/auth/oidc", body: map[string]any{}}).expect(http.StatusUnprocessableEntity)
}

func TestOIDCRoleMapping(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p, func(o *OIDCOptions) {
		o.RoleClaim = "groups"
		o.EntityClaim = "org"
		o.Roles = map[string]domain.Role{"KSU-Care": domain.RoleCoordinator, "moe-audit": domain.RoleAuditor}
	})
	now := f.clock.Now()
	r := f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"groups": []any{"staff", "ksu-care"}, "org": "KSU"})))
	r.expect(http.StatusOK)
	var pair tokenPair
	r.json(&pair)
	if pair.Role != domain.RoleCoordinator || pair.Entity != "KSU" {
		t.Fatalf("pair: %+v", pair)
	}
	// With a mapping, our own role names are not accepted as such.
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"groups": "admin"}))).
		expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
}

func TestOIDCNotConfigured(t *testing.T) {
	f := newFixture(t)
	f.do(req{method: "POST", path: "/api/v1/auth/oidc", body: map[string]any{"id_token": "x"}}).
		expectProblem(http.StatusNotFound, codeNotFound)
}

func TestOIDCProviderDown(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	p.srv.Close()
	f.oidcLogin("x.y.z").expectProblem(http.StatusServiceUnavailable, codeSSOUnavailable)
}

func TestOIDCOptionsChecked(t *testing.T) {
	for name, o := range map[string]OIDCOptions{
		"no client id": {Issuer: "https://sso.example"},
		"bad role":     {Issuer: "https://sso.example", ClientID: "c", Roles: map[string]domain.Role{"x": "root"}},
	} {
		if err := checkOIDC(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The identity provider's grants are changes of who may do what: creating
// the account and changing its role or entity are audited, before and after,
// in the transaction of the change; no entry, no change.
func TestOIDCGrantsAudited(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()
	const subject = "account/oidc:noura.q"
	entries := func(action string) []store.AuditEntry {
		var out []store.AuditEntry
		for _, e := range f.auditLog() {
			if e.Action == action && e.Subject == subject {
				out = append(out, e)
			}
		}
		return out
	}

	f.oidcLogin(sign(t, p.key, p.claims(now, nil))).expect(http.StatusOK)
	created := entries(auditAccountCreated)
	if len(created) != 1 {
		t.Fatalf("account.created entries: %+v", created)
	}
	expectAudit(t, created[0], "sso", "system", auditAccountCreated, subject, map[string]any{
		"via": "sso", "subject": "s-1001", "before": nil,
		"after": map[string]any{"role": "coordinator", "entity": "KSU", "disabled": false}})

	// The same claims again change nothing and record no change.
	f.oidcLogin(sign(t, p.key, p.claims(now, nil))).expect(http.StatusOK)
	if got := entries(auditRoleChanged); len(got) != 0 {
		t.Fatalf("a login with the same claims recorded a change: %+v", got)
	}

	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": "care_center_manager", "tawasul_entity": "UQU"}))).
		expect(http.StatusOK)
	changed := entries(auditRoleChanged)
	if len(changed) != 1 {
		t.Fatalf("account.role_changed entries: %+v", changed)
	}
	expectAudit(t, changed[0], "sso", "system", auditRoleChanged, subject, map[string]any{
		"via": "sso", "subject": "s-1001",
		"before": map[string]any{"role": "coordinator", "entity": "KSU"},
		"after":  map[string]any{"role": "care_center_manager", "entity": "UQU"}})

	// With the audit log down, neither a new role nor a new account.
	f.breakAudit()
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"tawasul_role": "supervisor"}))).
		expectProblem(http.StatusInternalServerError, codeInternal)
	if acc, err := f.store.GetAccountByUsername(context.Background(), "oidc:noura.q"); err != nil || acc.Role != domain.RoleCareCenterManager {
		t.Fatalf("role changed without its audit entry: %+v, %v", acc, err)
	}
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"preferred_username": "salma", "sub": "s-1002"}))).
		expectProblem(http.StatusInternalServerError, codeInternal)
	if _, err := f.store.GetAccountByUsername(context.Background(), "oidc:salma"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an account was created without its audit entry: %v", err)
	}
}

// The account is the provider's (issuer, subject): a token naming a taken
// username under another subject does not open it, and the subject's
// account stays its own when the provider renames the user.
func TestOIDCAccountIsTheSubject(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()
	ctx := context.Background()

	f.oidcLogin(sign(t, p.key, p.claims(now, nil))).expect(http.StatusOK)
	owner, err := f.store.GetAccountBySSO(ctx, p.srv.URL, "s-1001")
	if err != nil || owner.Username != "oidc:noura.q" {
		t.Fatalf("account of s-1001: %+v, %v", owner, err)
	}

	// Another subject with the same username, even as admin: refused.
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"sub": "s-6666", "tawasul_role": "admin"}))).
		expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	if acc, _ := f.store.GetAccountByUsername(ctx, "oidc:noura.q"); acc.Role != domain.RoleCoordinator {
		t.Fatalf("the other subject changed the account: %+v", acc)
	}
	if _, err := f.store.GetAccountBySSO(ctx, p.srv.URL, "s-6666"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the other subject got an account: %v", err)
	}
	if log := f.auditActions(t); !strings.Contains(log, auditLoginFailed+" account/oidc:noura.q") {
		t.Errorf("no login.failed entry for the refused subject:\n%s", log)
	}

	// Renamed at the provider: the same account, no new one.
	var pair tokenPair
	r := f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"preferred_username": "noura.renamed"})))
	r.expect(http.StatusOK)
	r.json(&pair)
	if _, err := f.store.GetAccountByUsername(ctx, "oidc:noura.renamed"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a rename made a second account: %v", err)
	}

	// An account made before identities were kept is bound to the first
	// subject that logs in to it, audited; then it is that subject's.
	if _, err := f.store.CreateAccount(ctx, store.NewAccount{Username: "oidc:old.timer", Role: domain.RoleCoordinator,
		Entity: "KSU", PasswordHash: ssoNoPassword}, now); err != nil {
		t.Fatal(err)
	}
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"sub": "s-old", "preferred_username": "old.timer"}))).
		expect(http.StatusOK)
	if !strings.Contains(f.auditActions(t), auditSSOLinked+" account/oidc:old.timer") {
		t.Errorf("no %s entry", auditSSOLinked)
	}
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"sub": "s-new", "preferred_username": "old.timer"}))).
		expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
}

// An ID token is accepted only fresh (iat within max age, not in the
// future) and, when the front end sends its nonce, carrying that nonce.
func TestOIDCTokenFreshAndNonce(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()
	long := now.Add(time.Hour).Unix()
	login := func(tok, nonce string) resp {
		body := map[string]any{"id_token": tok}
		if nonce != "" {
			body["nonce"] = nonce
		}
		return f.do(req{method: "POST", path: "/api/v1/auth/oidc", body: body})
	}
	for name, c := range map[string]struct {
		claims map[string]any
		nonce  string
	}{
		"issued 10 minutes ago": {map[string]any{"iat": now.Add(-10 * time.Minute).Unix(), "exp": long}, ""},
		"issued in the future":  {map[string]any{"iat": now.Add(10 * time.Minute).Unix(), "exp": long}, ""},
		"no iat":                {map[string]any{"iat": nil}, ""},
		"other nonce":           {map[string]any{"nonce": "n-other"}, "n-1"},
		"nonce expected, none":  {nil, "n-1"},
	} {
		t.Run(name, func(t *testing.T) {
			login(sign(t, p.key, p.claims(now, c.claims)), c.nonce).expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
		})
	}
	if _, err := f.store.GetAccountByUsername(context.Background(), "oidc:noura.q"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused token made the account: %v", err)
	}
	login(sign(t, p.key, p.claims(now, map[string]any{"nonce": "n-1", "iat": now.Add(-4 * time.Minute).Unix()})), "n-1").
		expect(http.StatusOK)

	// A longer max age, configured, lets the older token in.
	g := oidcFixture(t, p, func(o *OIDCOptions) { o.MaxAge = 30 * time.Minute })
	g.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"iat": now.Add(-10 * time.Minute).Unix(), "exp": long}))).
		expect(http.StatusOK)
}

// The name and entity claims enter like any text: the name normalized, an
// entity code hiding characters refused.
func TestOIDCClaimsNormalized(t *testing.T) {
	p := newTestIdP(t)
	f := oidcFixture(t, p)
	now := f.clock.Now()
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"tawasul_entity": "KSU\u200f"}))).
		expectProblem(http.StatusUnauthorized, codeInvalidCredentials)
	f.oidcLogin(sign(t, p.key, p.claims(now, map[string]any{"name": " نورة\u200f القحطاني\u0000 "}))).expect(http.StatusOK)
	acc, err := f.store.GetAccountByUsername(context.Background(), "oidc:noura.q")
	if err != nil || acc.Name != "نورة القحطاني" {
		t.Fatalf("account name %q, %v; want it normalized", acc.Name, err)
	}
}
