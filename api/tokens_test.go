package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

type apiTokenList struct {
	Items []apiTokenOut `json:"items"`
}

func (f *fixture) createAPIToken(body map[string]any) apiTokenCreated {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/tokens", token: testTokens["admin"], body: body})
	r.expect(http.StatusCreated)
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		f.t.Errorf("Cache-Control %q", cc)
	}
	var out apiTokenCreated
	r.json(&out)
	return out
}

func (f *fixture) apiTokens() []apiTokenOut {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/tokens", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	if strings.Contains(r.Body.String(), "tw_") || strings.Contains(r.Body.String(), "hash") {
		f.t.Errorf("the list shows a secret: %s", r.Body.String())
	}
	var l apiTokenList
	r.json(&l)
	return l.Items
}

func TestAPITokenLifecycle(t *testing.T) {
	f := newFixture(t)
	created := f.clock.Now()
	tok := f.createAPIToken(map[string]any{"name": "telephony", "role": "agent", "expires_in_days": 30})
	if !strings.HasPrefix(tok.Token, "tw_") || len(tok.Token) != 3+43 || tok.Role != domain.RoleAgent ||
		!tok.ExpiresAt.Equal(created.Add(30*24*time.Hour)) {
		t.Fatalf("created %+v", tok)
	}
	// The name is unique.
	f.do(req{method: "POST", path: "/api/v1/tokens", token: testTokens["admin"],
		body: map[string]any{"name": "telephony", "role": "agent", "expires_in_days": 30}}).
		expectProblem(http.StatusConflict, codeTokenExists)

	// Not used yet.
	ls := f.apiTokens()
	if len(ls) != 1 || ls[0].Name != "telephony" || ls[0].LastUsedAt != nil || ls[0].RevokedAt != nil || ls[0].CreatedBy != "admin" {
		t.Fatalf("list %+v", ls)
	}

	// It files a call-center ticket as token:telephony.
	f.clock.Advance(time.Minute)
	c := f.file(tok.Token, func(m map[string]any) { m["channel"] = "call_center" })
	row, err := f.store.GetTicket(t.Context(), c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if row.FiledByID != "token:telephony" || row.FiledByRole != domain.RoleAgent || row.Channel != domain.ChannelCallCenter {
		t.Fatalf("filed by %q/%q on %q", row.FiledByID, row.FiledByRole, row.Channel)
	}
	ls = f.apiTokens()
	if ls[0].LastUsedAt == nil || !ls[0].LastUsedAt.Equal(f.clock.Now()) {
		t.Fatalf("last_used_at %v, want %v", ls[0].LastUsedAt, f.clock.Now())
	}
	// It administers nothing (and has no password to change).
	f.do(req{method: "GET", path: "/api/v1/tokens", token: tok.Token}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/auth/password", token: tok.Token,
		body: map[string]any{"current_password": "x", "new_password": "another long password"}}).
		expectProblem(http.StatusForbidden, codeNotAnAccount)

	// Revoked: 401 like an unknown token, on staff and optional-auth routes alike.
	f.do(req{method: "POST", path: "/api/v1/tokens/telephony/revoke", token: testTokens["admin"]}).expect(http.StatusNoContent)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tok.Token}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "POST", path: "/api/v1/tickets", token: tok.Token, body: ticketBody()}).
		expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "POST", path: "/api/v1/tokens/nobody/revoke", token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	if ls = f.apiTokens(); ls[0].RevokedAt == nil {
		t.Fatalf("revoked_at not listed: %+v", ls)
	}

	// Audited.
	entries, err := f.store.ListAudit(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Subject+" "+e.ActorID)
	}
	for _, want := range []string{"token.created token/telephony admin", "token.revoked token/telephony admin"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log %v lacks %q", actions, want)
		}
	}
}

func TestAPITokenExpiry(t *testing.T) {
	f := newFixture(t)
	tok := f.createAPIToken(map[string]any{"name": "social", "role": "agent", "expires_in_days": 1})
	f.clock.Advance(24*time.Hour - time.Second)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tok.Token}).expect(http.StatusOK)
	f.clock.Advance(time.Second)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: tok.Token}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	// A forged token with the prefix is refused too.
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: "tw_forged"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
}

func TestAPITokenValidation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"admin role", map[string]any{"name": "x", "role": "admin", "expires_in_days": 30}, "role", fieldAdminToken},
		{"unknown role", map[string]any{"name": "x", "role": "beneficiary", "expires_in_days": 30}, "role", fieldNotInList},
		{"no role", map[string]any{"name": "x", "expires_in_days": 30}, "role", fieldRequired},
		{"scoped without entity", map[string]any{"name": "x", "role": "coordinator", "expires_in_days": 30}, "entity", fieldRequired},
		{"unknown entity", map[string]any{"name": "x", "role": "coordinator", "entity": "NOPE", "expires_in_days": 30}, "entity", fieldUnknownEntity},
		{"no expiry", map[string]any{"name": "x", "role": "agent"}, "expires_in_days", fieldRequired},
		{"expiry 0", map[string]any{"name": "x", "role": "agent", "expires_in_days": 0}, "expires_in_days", fieldOutOfRange},
		{"expiry 366", map[string]any{"name": "x", "role": "agent", "expires_in_days": 366}, "expires_in_days", fieldOutOfRange},
		{"no name", map[string]any{"role": "agent", "expires_in_days": 30}, "name", fieldRequired},
		{"bad name", map[string]any{"name": "a b", "role": "agent", "expires_in_days": 30}, "name", fieldInvalidValue},
		{"a scoped actor id", map[string]any{"name": "user:alice", "role": "agent", "expires_in_days": 30}, "name", fieldInvalidValue},
		{"the beneficiary", map[string]any{"name": "beneficiary", "role": "agent", "expires_in_days": 30}, "name", fieldReservedName},
		{"the beneficiary, folded", map[string]any{"name": "ＢＥＮＥＦＩＣＩＡＲＹ", "role": "agent", "expires_in_days": 30}, "name", fieldReservedName},
		{"the system", map[string]any{"name": "System", "role": "agent", "expires_in_days": 30}, "name", fieldReservedName},
		{"too long", map[string]any{"name": strings.Repeat("a", 65), "role": "agent", "expires_in_days": 30}, "name", fieldTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := f.do(req{offContract: true, method: "POST", path: "/api/v1/tokens", token: testTokens["admin"], body: tc.body}).
				expectProblem(http.StatusUnprocessableEntity, codeValidation)
			if !slices.ContainsFunc(p.Errors, func(e FieldError) bool { return e.Field == tc.field && e.Code == tc.code }) {
				t.Errorf("errors %+v, want %s %s", p.Errors, tc.field, tc.code)
			}
		})
	}
	if ls := f.apiTokens(); len(ls) != 0 {
		t.Fatalf("a refused token was stored: %+v", ls)
	}
	// Not for anyone but an admin.
	f.do(req{method: "POST", path: "/api/v1/tokens", token: testTokens["supervisor"],
		body: map[string]any{"name": "x", "role": "agent", "expires_in_days": 30}}).expectProblem(http.StatusForbidden, codeForbidden)
}

// Integration token names are case-folded like usernames: one name, one token.
func TestAPITokenNameFolded(t *testing.T) {
	f := newFixture(t)
	if tok := f.createAPIToken(map[string]any{"name": " Telephony ", "role": "agent", "expires_in_days": 30}); tok.Name != "telephony" {
		t.Fatalf("created %+v", tok)
	}
	f.do(req{method: "POST", path: "/api/v1/tokens", token: testTokens["admin"],
		body: map[string]any{"name": "TELEPHONY", "role": "agent", "expires_in_days": 30}}).
		expectProblem(http.StatusConflict, codeTokenExists)
	f.createAPIToken(map[string]any{"name": "care_center-1", "role": "agent", "expires_in_days": 30})
}

// Configured token names are validated like usernames: a token named after
// an actor Tawasul itself uses ("beneficiary", "system") or a prefixed actor
// id ("user:alice") would act as them, and two tokens by one name would be
// one actor.
func TestCheckCredentialNames(t *testing.T) {
	cred := func(name, hashSeed string) Credential {
		return Credential{Name: name, TokenHash: strings.Repeat(hashSeed, 64), Role: domain.RoleAgent}
	}
	for _, cs := range [][]Credential{
		{cred("beneficiary", "a")},
		{cred("system", "a")},
		{cred("Beneficiary", "a")},
		{cred("user:alice", "a")},
		{cred("token:telephony", "a")},
		{cred("oidc:alice", "a")},
		{cred("Admin", "a")},
		{cred("has space", "a")},
		{cred("-lead", "a")},
		{cred(strings.Repeat("a", 65), "a")},
		{cred("", "a")},
		{cred("twin", "a"), cred("twin", "b")},
	} {
		if err := checkCredentials(cs); err == nil {
			t.Errorf("credentials %+v accepted", cs)
		}
	}
	if err := checkCredentials([]Credential{cred("demo-care_center_manager", "a"), cred("ksu-coordinator", "b"),
		cred("نورة", "c"), cred("caller.1@center", "d")}); err != nil {
		t.Errorf("valid names refused: %v", err)
	}
	if err := checkCredentials(testCredentials()); err != nil {
		t.Errorf("the test credentials: %v", err)
	}
	err := checkCredentials([]Credential{cred("Admin", "a")})
	if err == nil || !strings.Contains(err.Error(), `"admin"`) {
		t.Errorf("an upper-case name: %v, want a hint at the lower-case spelling", err)
	}
}

// A coordinator token works inside its entity only.
func TestAPITokenScope(t *testing.T) {
	f := newFixture(t)
	ksu := f.file("", func(m map[string]any) { m["entity"] = "KSU" })
	edu := f.file("", func(m map[string]any) { m["entity"] = "EDU-RIY" })
	tok := f.createAPIToken(map[string]any{"name": "ksu-connector", "role": "coordinator", "entity": "KSU", "expires_in_days": 365})
	if tok.Entity != "KSU" {
		t.Fatalf("created %+v", tok)
	}
	var got []string
	for _, s := range f.list(tok.Token, "?limit=50").Items {
		got = append(got, s.Number)
	}
	if !slices.Contains(got, ksu.Number) || slices.Contains(got, edu.Number) {
		t.Fatalf("coordinator token lists %v (KSU %s, EDU %s)", got, ksu.Number, edu.Number)
	}
	f.do(req{method: "GET", path: "/api/v1/tickets/" + ksu.Number, token: tok.Token}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + edu.Number, token: tok.Token}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "GET", path: "/api/v1/entities/export", token: tok.Token}).expectProblem(http.StatusForbidden, codeForbidden)
}
