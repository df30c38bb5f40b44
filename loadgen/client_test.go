package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestClassification(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		want   string
		retry  bool
	}{
		{503, "temporal_unavailable", "503 temporal_unavailable", true},
		{503, "action_not_confirmed", "503 action_not_confirmed", true},
		{500, "", "500", true},
		{429, "rate_limited", "429 rate_limited", true},
		{422, "validation_failed", "422 validation_failed", false},
		{409, "ticket_closed", "409 ticket_closed", false},
		{401, "unauthorized", "401 unauthorized", false},
	} {
		if got := HTTPClass(c.status, c.code); got != c.want {
			t.Errorf("HTTPClass(%d, %q) = %q, want %q", c.status, c.code, got, c.want)
		}
		if got := retryable(Result{Status: c.status, Class: c.want}); got != c.retry {
			t.Errorf("retryable(%d) = %v", c.status, got)
		}
	}
	timeoutErr := &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}
	for err, want := range map[error]string{
		context.DeadlineExceeded: "timeout",
		timeoutErr:               "timeout",
		context.Canceled:         "canceled",
		fmt.Errorf("dial: %w", syscall.ECONNREFUSED): "connection_refused",
		fmt.Errorf("read: %w", syscall.ECONNRESET):   "connection_reset",
		io.ErrUnexpectedEOF:                          "connection_closed",
		errors.New("something else"):                 "transport",
	} {
		if got := TransportClass(err); got != want {
			t.Errorf("TransportClass(%v) = %q, want %q", err, got, want)
		}
	}
	if retryable(Result{Class: "canceled"}) || !retryable(Result{Class: "connection_reset"}) {
		t.Error("transport retry rules")
	}
}

// A create that meets a 503 and a dropped connection is retried with the
// same key and body until it is accepted; a 422 is final at once.
func TestClientRetriesWithTheSameKey(t *testing.T) {
	var mu sync.Mutex
	var keys, bodies []string
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls++
		n := calls
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(b))
		mu.Unlock()
		switch {
		case r.URL.Path == "/bad":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(422)
			fmt.Fprint(w, `{"status":422,"code":"validation_failed"}`)
		case n == 1:
			w.WriteHeader(503)
			fmt.Fprint(w, `{"status":503,"code":"temporal_unavailable"}`)
		case n == 2:
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		default:
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(201)
			fmt.Fprint(w, `{"number":"2026-000001"}`)
		}
	}))
	defer srv.Close()
	cl := NewClient(srv.URL, 2, 5*time.Second, 5)
	cl.sleep = func(context.Context, time.Duration) error { return nil }

	res := cl.Do(context.Background(), Call{Method: "POST", Path: "/api/v1/tickets", Token: "t",
		Header: map[string]string{"Idempotency-Key": "lg-x-000001"}, Body: map[string]string{"subject": "س"}})
	// net/http itself resends a request carrying an Idempotency-Key once on
	// a reused connection that drops, so the server may count one more
	// attempt than the client.
	if !res.OK() || res.Status != 201 || res.Attempts < 2 || !res.Replayed || len(keys) != 3 {
		t.Fatalf("result %+v after %d calls", res, len(keys))
	}
	if len(res.Retried) != res.Attempts-1 || res.Retried[0] != "503 temporal_unavailable" {
		t.Fatalf("retried attempts %q of %d", res.Retried, res.Attempts)
	}
	for i := range keys {
		if keys[i] != "lg-x-000001" || bodies[i] != bodies[0] {
			t.Fatalf("attempt %d sent key %q body %q", i, keys[i], bodies[i])
		}
	}

	res = cl.Do(context.Background(), Call{Method: "POST", Path: "/bad", Body: map[string]string{}})
	if res.OK() || res.Attempts != 1 || res.Class != "422 validation_failed" || res.Code != "validation_failed" {
		t.Fatalf("422 result %+v", res)
	}

	rec := NewRecorder()
	rec.Add("create", Result{Attempts: 3, Replayed: true, Latency: time.Millisecond,
		Retried: []string{"503 temporal_unavailable", "transport"}})
	rec.Add("create", Result{Attempts: 2, Class: "422 validation_failed", Status: 422, Retried: []string{"503 temporal_unavailable"}})
	op := rec.Report()["create"]
	if op.OK != 1 || op.Retries != 3 || op.Replays != 1 || op.Errors["422 validation_failed"] != 1 || rec.Errors() != 1 ||
		op.RetriedBy["503 temporal_unavailable"] != 2 || op.RetriedBy["transport"] != 1 {
		t.Fatalf("recorded %+v", op)
	}
}

func TestClientGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	cl := NewClient(srv.URL, 1, time.Second, 2)
	var waits []time.Duration
	cl.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	res := cl.Do(context.Background(), Call{Method: "GET", Path: "/"})
	if res.OK() || res.Attempts != 3 || res.Class != "429" {
		t.Fatalf("result %+v", res)
	}
	if len(waits) != 2 || waits[0] != time.Second {
		t.Fatalf("waits %v: Retry-After not honoured", waits)
	}
}

// Several APIs: calls take turns, and a retry goes to the next API, so a
// dead one costs an attempt, never the call; the Idempotency-Key travels
// with the retry to the other replica.
func TestClientSpreadsOverTargetsAndFailsOver(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	keys := map[string]string{}
	serve := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[name]++
			keys[name] = r.Header.Get("Idempotency-Key")
			mu.Unlock()
			w.WriteHeader(200)
			fmt.Fprint(w, `{}`)
		}))
	}
	a, b := serve("a"), serve("b")
	defer a.Close()
	defer b.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more

	cl := NewClient(a.URL+", "+b.URL+"/", 2, 5*time.Second, 3)
	cl.sleep = func(context.Context, time.Duration) error { return nil }
	for range 10 {
		if res := cl.Do(context.Background(), Call{Method: "GET", Path: "/x"}); !res.OK() || res.Attempts != 1 {
			t.Fatalf("result %+v", res)
		}
	}
	if hits["a"] != 5 || hits["b"] != 5 {
		t.Fatalf("calls per API %v, want 5 and 5", hits)
	}

	cl = NewClient(dead.URL+","+b.URL, 2, 5*time.Second, 3)
	cl.sleep = func(context.Context, time.Duration) error { return nil }
	for i := range 4 {
		res := cl.Do(context.Background(), Call{Method: "POST", Path: "/x", Body: map[string]string{},
			Header: map[string]string{"Idempotency-Key": fmt.Sprintf("k-%d", i)}})
		if !res.OK() {
			t.Fatalf("call %d failed over no API: %+v", i, res)
		}
		// Calls that began at the dead API needed a second attempt.
		if want := 1 + (i+1)%2; res.Attempts != want {
			t.Errorf("call %d: %d attempts, want %d", i, res.Attempts, want)
		}
	}
	if keys["b"] != "k-3" {
		t.Errorf("last key at the live API %q", keys["b"])
	}
}
