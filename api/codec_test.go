package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/signin"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/payload"
)

// testCodec seals and opens as a running Tawasul does, under a fixed key.
var testCodec = func() *payload.Codec {
	c, err := payload.New(payload.Options{Keys: []payload.Key{{ID: "test", Secret: []byte("tawasul-api-test-payload-key-32b")}}})
	if err != nil {
		panic(err)
	}
	return c
}()

const webUI = "http://127.0.0.1:8233"

func sealedBody(t *testing.T, data string) []byte {
	t.Helper()
	sealed, err := testCodec.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(data)}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decoded(t *testing.T, r resp) []*commonpb.Payload {
	t.Helper()
	var out commonpb.Payloads
	if err := protojson.Unmarshal(r.Body.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return out.GetPayloads()
}

// The codec endpoint opens payloads for admins in full, for auditors
// redacted (and recorded), and for nobody else.
func TestCodecDecode(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CodecOrigins = []string{webUI} })
	body := sealedBody(t, `{"name":"نورة"}`)
	call := func(token string) resp {
		return f.do(req{method: "POST", path: "/api/v1/codec/decode", token: token, body: body,
			headers: map[string]string{"X-Namespace": "default", "Origin": webUI}})
	}

	r := call(testTokens["admin"])
	if r.Code != http.StatusOK {
		t.Fatalf("admin: %d %s", r.Code, r.Body)
	}
	if ps := decoded(t, r); len(ps) != 1 || string(ps[0].GetData()) != `{"name":"نورة"}` {
		t.Fatalf("admin got %v", ps)
	}
	if got := r.Header().Get("Access-Control-Allow-Origin"); got != webUI {
		t.Fatalf("the Web UI's origin is not allowed: %q", got)
	}

	before := len(f.auditLog())
	r = call(testTokens["auditor"])
	if ps := decoded(t, r); r.Code != http.StatusOK || len(ps) != 1 || string(ps[0].GetData()) != `"[redacted]"` {
		t.Fatalf("auditor: %d %v", r.Code, ps)
	}
	log := f.auditLog()
	if len(log) != before+1 || log[len(log)-1].Action != auditPayloadsDecoded {
		t.Fatalf("the auditor's read is not recorded: %v", log[before:])
	}

	for token, want := range map[string]int{testTokens["agent"]: http.StatusForbidden, "": http.StatusUnauthorized} {
		if r := call(token); r.Code != want {
			t.Errorf("token %q: %d, want %d", token, r.Code, want)
		}
	}

	// What Tawasul did not seal comes back as sent, opening nothing.
	plain := []byte(`{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"eyJ4IjoxfQ=="}]}`)
	r = f.do(req{method: "POST", path: "/api/v1/codec/decode", token: testTokens["admin"], body: plain})
	if ps := decoded(t, r); r.Code != http.StatusOK || len(ps) != 1 || string(ps[0].GetData()) != `{"x":1}` {
		t.Fatalf("a plain payload: %d %v", r.Code, ps)
	}
	f.do(req{method: "POST", path: "/api/v1/codec/decode", token: testTokens["admin"], body: "not payloads"}.outsideContract()).
		expectProblem(http.StatusBadRequest, codeMalformedJSON)
	f.do(req{method: "POST", path: "/api/v1/codec/decode", token: testTokens["admin"], body: `{"payloads":"x"}`}.outsideContract()).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	// No encoding on request: that would forge what only Tawasul writes.
	r = f.do(req{method: "POST", path: "/api/v1/codec/encode", token: testTokens["admin"], body: body}.outsideContract())
	if r.Code != http.StatusNotFound {
		t.Fatalf("encode: %d", r.Code)
	}
}

// Browsers get CORS answers from the configured Web UI origins only.
func TestCodecCORS(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CodecOrigins = []string{webUI} })
	pre := func(origin string) *http.Response {
		hr, _ := http.NewRequest("OPTIONS", "/api/v1/codec/decode", bytes.NewReader(nil))
		hr.Header.Set("Origin", origin)
		hr.Header.Set("Access-Control-Request-Method", "POST")
		hr.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
		w := httptest.NewRecorder()
		f.api.Handler().ServeHTTP(w, hr)
		return w.Result()
	}
	r := pre(webUI)
	if r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != webUI ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight from the Web UI: %d %v", r.StatusCode, r.Header)
	}
	r = pre("https://evil.example")
	if r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin allowed: %v", r.Header)
	}
	// A refusal still carries the origin, so the Web UI can say why.
	w := f.do(req{method: "POST", path: "/api/v1/codec/decode", body: sealedBody(t, "1"), headers: map[string]string{"Origin": webUI}})
	if w.Code != http.StatusUnauthorized || w.Header().Get("Access-Control-Allow-Origin") != webUI {
		t.Fatalf("unauthenticated from the Web UI: %d %v", w.Code, w.Header())
	}
}

// The Temporal Web UI calls the codec endpoint from the browser of someone
// signed in to Tawasul's web pages: their session cookie, sent along
// (includeCredentials), is enough for an admin or an auditor, and for
// nobody else; a bearer token, when sent, is what counts.
func TestCodecDecodeWithBrowserSession(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CodecOrigins = []string{webUI} })
	f.account("aud", domain.RoleAuditor, "", goodPassword)
	f.account("coord", domain.RoleCoordinator, "KSU", goodPassword)
	body := sealedBody(t, `{"name":"نورة"}`)
	call := func(cookie, token string) resp {
		h := map[string]string{"X-Namespace": "default", "Origin": webUI}
		if cookie != "" {
			h["Cookie"] = signin.CookieName + "=" + cookie
		}
		return f.do(req{method: "POST", path: "/api/v1/codec/decode", token: token, body: body, headers: h})
	}
	auditor := f.mustLogin("aud", goodPassword).AccessToken
	if r := call(auditor, ""); r.Code != http.StatusOK || string(decoded(t, r)[0].GetData()) != `"[redacted]"` {
		t.Fatalf("an auditor's browser session: %d %s", r.Code, r.Body)
	}
	coordinator := f.mustLogin("coord", goodPassword).AccessToken
	for name, c := range map[string]struct {
		cookie, token string
		want          int
	}{
		"a coordinator's session":        {coordinator, "", http.StatusForbidden},
		"a session that does not exist":  {"not-a-session", "", http.StatusUnauthorized},
		"a wrong bearer beside a cookie": {auditor, "wrong", http.StatusUnauthorized},
	} {
		if r := call(c.cookie, c.token); r.Code != c.want {
			t.Errorf("%s: %d, want %d", name, r.Code, c.want)
		}
	}
}
