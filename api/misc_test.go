package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/texts"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

func TestNegotiate(t *testing.T) {
	cases := map[string]lang{
		"":                     langAR,
		"ar":                   langAR,
		"ar-SA,en;q=0.8":       langAR,
		"en":                   langEN,
		"en-US,en;q=0.9":       langEN,
		"fr, en;q=0.5":         langEN,
		"en;q=0.1, ar":         langAR,
		"en;q=0, fr":           langAR,
		"de":                   langAR,
		"EN-gb":                langEN,
		"en;q=0.5, ar;q=0.5":   langEN, // equal weights: the first listed
		"ar;q=0.4, en;q=0.6":   langEN,
		"*;q=0.1, en;q=broken": langEN,
	}
	for h, want := range cases {
		if got := negotiate(h); got != want {
			t.Errorf("negotiate(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestProblemShapeAndLanguage(t *testing.T) {
	f := newFixture(t)
	body := ticketBody(func(m map[string]any) { benef(m)["mobile"] = "123" })
	ar := f.do(req{method: "POST", path: "/api/v1/tickets", body: body})
	p := ar.expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if p.Type != "urn:tawasul:problem:validation_failed" || p.Instance != "/api/v1/tickets" || p.Title != "بيانات غير صالحة" {
		t.Errorf("problem %+v", p)
	}
	if ar.Header().Get("Content-Language") != "ar" {
		t.Errorf("Content-Language %q", ar.Header().Get("Content-Language"))
	}
	if len(p.Errors) != 1 || p.Errors[0].Field != "beneficiary.mobile" || p.Errors[0].Message != texts.FieldMessage(fieldInvalidMobile, false) {
		t.Errorf("errors %+v", p.Errors)
	}
	en := f.do(req{method: "POST", path: "/api/v1/tickets", body: body, headers: map[string]string{"Accept-Language": "en"}})
	pe := en.expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if pe.Title != "Invalid data" || pe.Errors[0].Message != "The mobile number is invalid." || en.Header().Get("Content-Language") != "en" {
		t.Errorf("english problem %+v", pe)
	}
	// Fields of the document: exactly the RFC 9457 members plus code and errors.
	var raw map[string]any
	en.json(&raw)
	for k := range raw {
		if !slices.Contains([]string{"type", "title", "status", "detail", "code", "instance", "errors"}, k) {
			t.Errorf("unexpected member %q", k)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	for _, code := range []string{workflows.ErrTicketClosed, workflows.ErrNotAwaitingResponse, workflows.ErrNothingToObject,
		workflows.ErrObjectionWindowClosed, workflows.ErrAlreadyObjected, workflows.ErrInvalidMessage,
		workflows.ErrBusy, workflows.ErrNotResponsible, workflows.ErrNotAwaitingInfo, workflows.ErrSameEntity,
		workflows.ErrNotRateable, workflows.ErrNoFollowUp} {
		if !slices.Contains(tickets.RefusalCodes(), code) {
			t.Errorf("workflow refusal %q not mapped to a kind by the core", code)
		}
	}
	for _, code := range tickets.RefusalCodes() {
		if _, ok := texts.Of(code); !ok {
			t.Errorf("no text for the core's refusal %q", code)
		}
	}
	for kind := range refusal.Busy + 1 {
		if _, ok := kindStatus[kind]; !ok && kind != 0 {
			t.Errorf("refusal kind %s not mapped to a status", kind)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	var readyErr error
	f := newFixture(t, func(o *Options) { o.Ready = func(context.Context) error { return readyErr } })
	f.do(req{method: "GET", path: "/healthz"}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/readyz"}).expect(http.StatusOK)
	readyErr = errors.New("temporal unreachable")
	f.do(req{method: "GET", path: "/readyz"}).expectProblem(http.StatusServiceUnavailable, codeNotReady)
	_ = f.store.Close()
	readyErr = nil
	f.do(req{method: "GET", path: "/readyz"}).expectProblem(http.StatusServiceUnavailable, codeNotReady)
	f.do(req{method: "GET", path: "/healthz"}).expect(http.StatusOK)
}

func TestPanicBecomesProblem(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Ready = func(context.Context) error { panic("boom") } })
	r := f.do(req{method: "GET", path: "/readyz"})
	r.expectProblem(http.StatusInternalServerError, codeInternal)
	if strings.Contains(r.Body.String(), "boom") {
		t.Error("panic value leaked to the client")
	}
	if !strings.Contains(f.logs.String(), "boom") {
		t.Error("panic not logged")
	}
	// The server keeps serving.
	f.do(req{method: "GET", path: "/healthz"}).expect(http.StatusOK)
}

func TestEntities(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/entities"})
	r.expect(http.StatusOK)
	var es []entityJSON
	r.json(&es)
	if len(es) != len(testEntities) {
		t.Fatalf("%d entities", len(es))
	}
	i := slices.IndexFunc(es, func(e entityJSON) bool { return e.Code == "KSU" })
	if i < 0 || es[i].NameAR != "جامعة الملك سعود" || es[i].Parent != "SEC-UNI" || es[i].Kind != "public_university" {
		t.Errorf("KSU %+v", es)
	}
	// Arabic comes out as UTF-8, not \u escapes.
	if !strings.Contains(r.Body.String(), "جامعة الملك سعود") {
		t.Error("Arabic names escaped")
	}
}

func TestHeadersAndFallbacks(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/entities", headers: map[string]string{"X-Request-ID": "abc-123"}})
	if r.Header().Get("X-Request-ID") != "abc-123" {
		t.Errorf("request id not echoed: %q", r.Header().Get("X-Request-ID"))
	}
	if r.Header().Get("X-Content-Type-Options") != "nosniff" || r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("security headers %v", r.Header())
	}
	r = f.do(req{method: "GET", path: "/healthz", headers: map[string]string{"X-Request-ID": "bad id\x01"}})
	if id := r.Header().Get("X-Request-ID"); len(id) != 32 {
		t.Errorf("generated request id %q", id)
	}
	f.do(req{offContract: true, method: "GET", path: "/api/v1/nothing"}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{offContract: true, method: "DELETE", path: "/api/v1/entities"}).expectProblem(http.StatusMethodNotAllowed, codeMethodNotAllowed)
}

func TestAccessLogKeepsSecretsOut(t *testing.T) {
	f := newFixture(t)
	c := f.file(testTokens["agent"])
	f.do(req{method: "GET", path: "/api/v1/track/" + c.Number, headers: map[string]string{trackingHeader: c.TrackingCode}}).expect(http.StatusOK)
	logs := f.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/tickets"`) || !strings.Contains(logs, `"route":"/api/v1/track/:number"`) {
		t.Fatalf("access log lacks routes: %s", logs)
	}
	for _, secret := range []string{testTokens["agent"], c.TrackingCode, c.Number, validID("108765432"), "501234567", "سارة"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

// The OpenAPI document describes exactly the routes the router serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/openapi.yaml"})
	r.expect(http.StatusOK)
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(r.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range f.api.Handler().(*gin.Engine).Routes() {
		path := rt.Path
		for i := strings.Index(path, ":"); i >= 0; i = strings.Index(path, ":") {
			j := strings.IndexByte(path[i:], '/')
			name := path[i+1:]
			if j >= 0 {
				name = path[i+1 : i+j]
			}
			path = strings.Replace(path, ":"+name, "{"+name+"}", 1)
		}
		served[rt.Method+" "+path] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.yaml", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.yaml documents %s, which is not served", k)
		}
	}
}

// A database outage is the server's passing trouble, not a bug: 503
// database_unavailable with Retry-After, in the reader's language, never 500.
func TestDatabaseOutageIs503(t *testing.T) {
	f := newFixture(t)
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ header, detail string }{
		{"en", "The database is not answering right now; retry shortly."},
		{"ar", "قاعدة البيانات لا تستجيب الآن؛ أعد المحاولة بعد قليل."},
	} {
		r := f.do(req{method: "GET", path: "/api/v1/tickets", token: testTokens["admin"], headers: map[string]string{"Accept-Language": l.header}})
		p := r.expectProblem(http.StatusServiceUnavailable, codeDatabaseUnavailable)
		if got := r.Header().Get("Retry-After"); got != "5" {
			t.Errorf("Retry-After = %q, want 5", got)
		}
		if p.Detail != l.detail {
			t.Errorf("%s detail = %q, want %q", l.header, p.Detail, l.detail)
		}
	}
	if !strings.Contains(f.logs.String(), `"msg":"database unavailable"`) {
		t.Errorf("the outage is not logged: %s", f.logs.String())
	}
}
