package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/dispatch"
)

// gateway is a fake SMS gateway answering each request with the next
// scripted status (200 once the script runs out); a status of 0 stalls
// past the client's timeout.
type gateway struct {
	mu       sync.Mutex
	script   []int
	requests []*http.Request
	bodies   []string
	release  chan struct{}
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	g.requests = append(g.requests, r)
	g.bodies = append(g.bodies, string(body))
	status := http.StatusOK
	if len(g.script) > 0 {
		status, g.script = g.script[0], g.script[1:]
	}
	g.mu.Unlock()
	if status == 0 {
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":"number +966500000001 rejected"}`)
}

func newGateway(t *testing.T, script ...int) (*gateway, *httptest.Server) {
	t.Helper()
	g := &gateway{script: script, release: make(chan struct{})}
	srv := httptest.NewServer(g)
	t.Cleanup(func() { close(g.release); srv.Close() })
	return g, srv
}

// The body carries the directional isolates notify puts around values
// (U+2066 … U+2069): the gateway must get them as they are.
var msg = dispatch.Message{Key: "ticket-2026-000001/3/created", TicketNumber: "2026-000001", Channel: "sms",
	Recipient: "+966500000001", Template: "created", Body: "استلمنا طلبكم رقم \u20662026-000001\u2069، \"شكرًا\"\nسطر ثانٍ"}

// The gateway fails, stalls past the timeout, then takes the message: the
// first two are retryable, the request carries the key and the credentials,
// and the body is the template with JSON-escaped values.
func TestFailsTimesOutAndSucceeds(t *testing.T) {
	g, srv := newGateway(t, http.StatusInternalServerError, 0, http.StatusAccepted)
	gw, err := New(Config{URL: srv.URL + "/send?api_key=secret-in-query", Auth: "bearer", Token: "tok-123",
		Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, want := range []string{"HTTP 500", "no answer within 200ms", ""} {
		err := gw.Send(ctx, msg)
		switch {
		case want == "" && err != nil:
			t.Fatalf("attempt %d: %v", i+1, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || errors.Is(err, dispatch.ErrPermanent)):
			t.Fatalf("attempt %d: %v, want a retryable %q", i+1, err, want)
		case err != nil && (strings.Contains(err.Error(), "secret-in-query") || strings.Contains(err.Error(), "tok-123")):
			t.Fatalf("attempt %d: the error carries a secret: %v", i+1, err)
		}
	}
	if len(g.requests) != 3 {
		t.Fatalf("%d requests", len(g.requests))
	}
	for i, r := range g.requests {
		if r.Method != http.MethodPost || r.Header.Get("Idempotency-Key") != msg.Key ||
			r.Header.Get("Authorization") != "Bearer tok-123" || r.Header.Get("Content-Type") != "application/json" ||
			r.URL.Query().Get("api_key") != "secret-in-query" {
			t.Fatalf("request %d: %s %s %v", i, r.Method, r.URL, r.Header)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(g.bodies[i]), &got); err != nil {
			t.Fatalf("body %q: %v", g.bodies[i], err)
		}
		if got["to"] != msg.Recipient || got["text"] != msg.Body || got["reference"] != msg.Key {
			t.Fatalf("body %q decodes to %v", g.bodies[i], got)
		}
	}
	if gw.String() != srv.URL {
		t.Fatalf("String() = %q", gw.String())
	}
}

// A 4xx refuses the message for good, except 429 (slow down), which is
// retried; the gateway's answer, which echoes the number, is not kept.
func TestRefusalsAndThrottling(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{400, true}, {401, true}, {404, true}, {429, false}, {503, false}, {302, false}} {
		_, srv := newGateway(t, tc.status)
		gw, err := New(Config{URL: srv.URL, Auth: "basic", Username: "u", Password: "p4ss"})
		if err != nil {
			t.Fatal(err)
		}
		err = gw.Send(context.Background(), msg)
		if err == nil || errors.Is(err, dispatch.ErrPermanent) != tc.permanent {
			t.Fatalf("HTTP %d: %v, want permanent=%v", tc.status, err, tc.permanent)
		}
		if strings.Contains(err.Error(), "+966") || strings.Contains(err.Error(), "p4ss") {
			t.Fatalf("HTTP %d: the error leaks: %v", tc.status, err)
		}
	}
}

func TestCustomTemplateAndBasicAuth(t *testing.T) {
	g, srv := newGateway(t)
	gw, err := New(Config{URL: srv.URL, Method: "put", Auth: "basic", Username: "moe", Password: "p4ss",
		Body: `{"messages":[{"dest":"{to}","content":"{text}"}],"ref":"{key}"}`, ContentType: "application/vnd.gw+json",
		IdempotencyHeader: "X-Request-Id"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	r := g.requests[0]
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPut || !ok || user != "moe" || pass != "p4ss" || r.Header.Get("X-Request-Id") != msg.Key ||
		r.Header.Get("Content-Type") != "application/vnd.gw+json" {
		t.Fatalf("request %s %v", r.Method, r.Header)
	}
	var got struct {
		Messages []struct{ Dest, Content string }
		Ref      string
	}
	if err := json.Unmarshal([]byte(g.bodies[0]), &got); err != nil || got.Messages[0].Content != msg.Body ||
		got.Messages[0].Dest != msg.Recipient || got.Ref != msg.Key {
		t.Fatalf("body %q: %+v, %v", g.bodies[0], got, err)
	}
}

func TestConfigChecks(t *testing.T) {
	for _, c := range []Config{
		{URL: "ftp://gw"}, {URL: "not a url"}, {URL: "https://gw", Auth: "digest"},
		{URL: "https://gw", Auth: "basic"}, {URL: "https://gw", Auth: "bearer"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
