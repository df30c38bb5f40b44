package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Client drives the HTTP API. Every call is retried on what may pass (a
// transport error, 429, 5xx) with the very same bytes and headers, so a
// create's Idempotency-Key makes a retry a replay, never a second ticket.
type Client struct {
	// bases are the APIs calls go to: each call starts at the next one in
	// turn and a retry moves on to the one after, so a dead API costs a
	// retry, not the call (several replicas behind no balancer).
	bases   []string
	next    atomic.Uint64
	http    *http.Client
	retries int
	backoff time.Duration
	// sleep is time.Sleep made cancellable; tests shorten it.
	sleep func(context.Context, time.Duration) error
}

// NewClient talks to target (e.g. http://127.0.0.1:8080, or several base
// URLs separated by commas) with up to conns connections kept open per API,
// timeout per attempt and retries per call.
func NewClient(target string, conns int, timeout time.Duration, retries int) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2 * max(1, strings.Count(target, ",")+1)
	tr.MaxIdleConnsPerHost = conns * 2
	var bases []string
	for _, b := range strings.Split(target, ",") {
		if b = strings.TrimRight(strings.TrimSpace(b), "/"); b != "" {
			bases = append(bases, b)
		}
	}
	return &Client{
		bases:   bases,
		http:    &http.Client{Transport: tr, Timeout: timeout},
		retries: retries,
		backoff: 200 * time.Millisecond,
		sleep:   sleepCtx,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Call is one logical request.
type Call struct {
	Method string
	Path   string
	Token  string            // bearer token, "" for none
	Header map[string]string // e.g. Idempotency-Key, X-Tracking-Code
	Body   any               // marshalled once, resent as is
}

// Result is the outcome of a call after its retries.
type Result struct {
	Status   int    // last HTTP status, 0 if none was received
	Code     string // the problem document's code on failure
	Class    string // "" on success, else what ErrorClass says
	Attempts int
	// Retried lists the class of each failed attempt that was retried
	// (what the retries were for, whatever the call's final outcome).
	Retried  []string
	Replayed bool // the API answered Idempotent-Replayed
	Latency  time.Duration
	Body     []byte
}

func (r Result) OK() bool { return r.Class == "" }

// Do runs c with retries; the latency spans every attempt and the waits
// between them, which is what the caller lives through.
func (cl *Client) Do(ctx context.Context, c Call) Result {
	var body []byte
	if c.Body != nil {
		var err error
		if body, err = json.Marshal(c.Body); err != nil {
			return Result{Class: "encode", Code: err.Error()}
		}
	}
	began := time.Now()
	var res Result
	var retried []string
	first := cl.next.Add(1) - 1
	for attempt := 0; ; attempt++ {
		var wait time.Duration
		base := ""
		if n := uint64(len(cl.bases)); n > 0 {
			base = cl.bases[(first+uint64(attempt))%n]
		}
		res, wait = cl.once(ctx, base, c, body)
		res.Attempts = attempt + 1
		if res.OK() || !retryable(res) || attempt >= cl.retries || ctx.Err() != nil {
			break
		}
		retried = append(retried, res.Class)
		if wait <= 0 {
			wait = cl.backoff << min(attempt, 5)
		}
		if cl.sleep(ctx, min(wait, 10*time.Second)) != nil {
			break
		}
	}
	res.Latency = time.Since(began)
	res.Retried = retried
	return res
}

func (cl *Client) once(ctx context.Context, base string, c Call, body []byte) (Result, time.Duration) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, base+c.Path, rd)
	if err != nil {
		return Result{Class: "request", Code: err.Error()}, 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Language", "en")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return Result{Class: TransportClass(err)}, 0
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Result{Status: resp.StatusCode, Class: TransportClass(err)}, 0
	}
	res := Result{Status: resp.StatusCode, Body: raw, Replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return res, 0
	}
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(raw, &p)
	res.Code = p.Code
	res.Class = HTTPClass(resp.StatusCode, p.Code)
	var wait time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		wait = time.Duration(s) * time.Second
	}
	return res, wait
}

// retryable: only what may succeed unchanged. A refusal (4xx) is the answer.
func retryable(r Result) bool {
	switch {
	case r.Status == 0:
		return r.Class != "request" && r.Class != "encode" && r.Class != "canceled"
	case r.Status == http.StatusTooManyRequests:
		return true
	case r.Status >= 500:
		return true
	}
	return false
}

// HTTPClass names a failed answer by status and problem code, the way errors
// are counted in the report ("503 temporal_unavailable", "500").
func HTTPClass(status int, code string) string {
	if code == "" {
		return strconv.Itoa(status)
	}
	return fmt.Sprintf("%d %s", status, code)
}

// TransportClass names a failure with no HTTP answer.
func TransportClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection_reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_closed"
	}
	return "transport"
}

// GetJSON is a plain GET decoded into out, with the client's retries.
func (cl *Client) GetJSON(ctx context.Context, path, token string, out any) error {
	r := cl.Do(ctx, Call{Method: http.MethodGet, Path: path, Token: token})
	if !r.OK() {
		return fmt.Errorf("GET %s: %s", path, r.Class)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("GET %s: decoding: %w", path, err)
	}
	return nil
}
