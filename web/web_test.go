package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web"
)

// The pages' guards, without a browser: every page but sign-in needs a
// session, cookies are what they must be, a cross-site post is refused,
// roles keep to their pages. (The journeys are in e2e/web_test.go, in
// Chromium against a running system.)

// noTemporal refuses every call: these tests never act on a ticket.
type noTemporal struct{}

var errNoTemporal = errors.New("no Temporal in these tests")

func (noTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errNoTemporal
}
func (noTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errNoTemporal
}
func (noTemporal) GetWorkflowExecutionHistory(context.Context, *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	return nil, errNoTemporal
}
func (noTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, errNoTemporal
}

const goodPassword = "a long enough password"

type fixture struct {
	engine *gin.Engine
	store  *store.Store
	signin *signin.Service
}

func newFixture(t *testing.T, secure bool) *fixture {
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
	es, err := seed.Entities()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEntities(ctx, es); err != nil {
		t.Fatal(err)
	}
	h, err := password.New(password.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	audit := auditlog.New(st, nil, nil)
	in, err := signin.New(signin.Options{Store: st, Passwords: h, Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	cache := entities.NewCache(st.ListEntities, 0, nil)
	svc, err := tickets.New(tickets.Options{Store: st, Temporal: noTemporal{}, Entities: cache, Keys: trackcode.NewKeys([]byte("test"))})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{Store: st, Tickets: svc, Signin: in, Audit: audit, Entities: cache, SecureCookies: secure})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	w.Mount(r, web.Guards{})
	f := &fixture{engine: r, store: st, signin: in}
	for _, a := range []struct {
		username string
		role     domain.Role
		entity   string
	}{{"coordinator", domain.RoleCoordinator, "KSU"}, {"survey", domain.RoleSurveyAgent, ""},
		{"admin", domain.RoleAdmin, ""}, {"supervisor", domain.RoleSupervisor, ""}} {
		hash, err := in.Hash(goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAccount(ctx, store.NewAccount{Username: a.username, Name: a.username, Role: a.role, Entity: a.entity, PasswordHash: hash}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) do(method, path string, form url.Values, cookies []*http.Cookie, headers ...string) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.engine.ServeHTTP(rec, req)
	return rec
}

// signIn signs username in and returns the cookies the answer set.
func (f *fixture) signIn(t *testing.T, username string) []*http.Cookie {
	t.Helper()
	rec := f.do("POST", "/login", url.Values{"username": {username}, "password": {goodPassword}, "next": {"/inbox"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/inbox" {
		t.Fatalf("sign-in: HTTP %d to %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	return rec.Result().Cookies()
}

// TestEveryPageNeedsASession: each route but the sign-in page's, the
// language switch and the assets sends a reader without a session to sign
// in, whatever the method; none answers anything of its own.
func TestEveryPageNeedsASession(t *testing.T) {
	f := newFixture(t, false)
	open := map[string]bool{"GET /login": true, "POST /login": true, "POST /lang": true, "GET /": true}
	n := 0
	for _, r := range f.engine.Routes() {
		if strings.HasPrefix(r.Path, "/static/") || open[r.Method+" "+r.Path] {
			continue
		}
		path := strings.NewReplacer(":number", "2026-000001", ":action", "note", ":id", "x").Replace(r.Path)
		rec := f.do(r.Method, path, url.Values{}, nil)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("%s %s without a session: HTTP %d to %q, want 303 to the sign-in page", r.Method, path, rec.Code, loc)
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d guarded routes found", n)
	}
}

// TestSessionCookie: the session is HttpOnly, SameSite=Lax, Path=/; behind
// TLS it is Secure with the __Host- prefix; signing out ends it on the
// server, not only in the browser.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		f := newFixture(t, secure)
		cookies := f.signIn(t, "coordinator")
		var sess *http.Cookie
		for _, c := range cookies {
			if strings.HasSuffix(c.Name, "tawasul_session") {
				sess = c
			}
		}
		switch {
		case sess == nil:
			t.Fatal("no session cookie")
		case !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/":
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", sess)
		case secure && (!sess.Secure || !strings.HasPrefix(sess.Name, "__Host-")):
			t.Errorf("behind TLS the session cookie is %q Secure=%v, want __Host- and Secure", sess.Name, sess.Secure)
		case !secure && sess.Secure:
			t.Error("a plain-HTTP session cookie must not be Secure (the browser would drop it)")
		}
		if rec := f.do("GET", "/inbox", nil, cookies); rec.Code != http.StatusOK {
			t.Fatalf("inbox with the session: HTTP %d", rec.Code)
		}
		if rec := f.do("POST", "/logout", url.Values{}, cookies); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-out: HTTP %d", rec.Code)
		}
		// The old cookie, replayed, no longer signs anyone in.
		if rec := f.do("GET", "/inbox", nil, cookies); rec.Code != http.StatusSeeOther {
			t.Errorf("the signed-out session still opens the inbox: HTTP %d", rec.Code)
		}
	}
}

// TestCrossSitePostRefused: a state-changing request another site sent is
// refused before it reaches the page, signed in or not.
func TestCrossSitePostRefused(t *testing.T) {
	f := newFixture(t, false)
	cookies := f.signIn(t, "coordinator")
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		rec := f.do("POST", "/logout", url.Values{}, cookies, h...)
		if rec.Code != http.StatusForbidden {
			t.Errorf("POST /logout with %s: %s: HTTP %d, want 403", h[0], h[1], rec.Code)
		}
	}
	if rec := f.do("GET", "/inbox", nil, cookies); rec.Code != http.StatusOK {
		t.Errorf("the refused sign-out ended the session: HTTP %d", rec.Code)
	}
}

// TestPagesAreLockedDown: a strict policy, no caching, no framing; a role
// without casework does not get the search.
func TestPagesAreLockedDown(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do("GET", "/login", nil, nil)
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows something unsafe: %q", csp)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", rec.Header())
	}
	if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), " style=") {
		t.Error("the page carries inline script or style")
	}
	survey := f.signIn(t, "survey")
	if rec := f.do("GET", "/search?q=2026-000001", nil, survey); rec.Code != http.StatusForbidden {
		t.Errorf("a survey agent's search: HTTP %d, want 403", rec.Code)
	}
	coordinator := f.signIn(t, "coordinator")
	if rec := f.do("GET", "/tickets/2026-000001", nil, coordinator); rec.Code != http.StatusNotFound {
		t.Errorf("a missing ticket: HTTP %d, want 404", rec.Code)
	}
	// A "next" that leaves the site is not followed.
	rec = f.do("POST", "/login", url.Values{"username": {"coordinator"}, "password": {goodPassword}, "next": {"//evil.example/x"}}, nil)
	if loc := rec.Header().Get("Location"); loc != "/" {
		t.Errorf("sign-in with an off-site next went to %q", loc)
	}
}

// TestWrongPasswordIsTheFormAgain: a refused sign-in is the form again with
// the one message, the username kept, the password not.
func TestWrongPasswordIsTheFormAgain(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do("POST", "/login", url.Values{"username": {"coordinator"}, "password": {"wrong password!"}}, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusUnauthorized || !strings.Contains(body, `value="coordinator"`) || strings.Contains(body, "wrong password!") ||
		!strings.Contains(body, `role="alert"`) {
		t.Errorf("wrong password: HTTP %d\n%s", rec.Code, body)
	}
	rec = f.do("POST", "/login", url.Values{"username": {""}, "password": {""}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="username-error"`) {
		t.Errorf("empty form: HTTP %d", rec.Code)
	}
}
