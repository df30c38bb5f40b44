// Package sms sends text messages through an HTTP SMS gateway: one request
// per message, its body built from a configured template, the outbox key in
// a header so the gateway can drop a resend.
package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tawasul/tawasul/dispatch"
)

// DefaultBody is the request body unless one is configured.
const DefaultBody = `{"to":"{to}","text":"{text}","reference":"{key}"}`

// Config is one gateway.
type Config struct {
	URL    string
	Method string // default POST
	// Auth is "" (none), "basic" (Username, Password) or "bearer" (Token).
	Auth     string
	Username string
	Password string
	Token    string
	// Body is the request body; {to} (E.164), {text} and {key} are
	// replaced by the JSON-escaped values, without quotes (default DefaultBody).
	Body        string
	ContentType string // default application/json
	// IdempotencyHeader carries the outbox key (default Idempotency-Key).
	IdempotencyHeader string
	Timeout           time.Duration // per request, default 10s
	// Client sends the requests (default: a client of its own).
	Client *http.Client
}

// Gateway is an SMS gateway reached over HTTP.
type Gateway struct {
	c      Config
	target string // scheme and host, for errors: the URL may carry a key
}

// New checks c and fills in the defaults. Secrets in c never appear in
// errors or logs.
func New(c Config) (*Gateway, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("sms: the gateway URL must be an http(s) URL")
	}
	if c.Method == "" {
		c.Method = http.MethodPost
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Body == "" {
		c.Body = DefaultBody
	}
	if c.ContentType == "" {
		c.ContentType = "application/json"
	}
	if c.IdempotencyHeader == "" {
		c.IdempotencyHeader = "Idempotency-Key"
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	switch c.Auth {
	case "":
	case "basic":
		if c.Username == "" {
			return nil, errors.New("sms: basic auth needs a username")
		}
	case "bearer":
		if c.Token == "" {
			return nil, errors.New("sms: bearer auth needs a token")
		}
	default:
		return nil, fmt.Errorf("sms: auth %q is not basic or bearer", c.Auth)
	}
	if c.Client == nil {
		c.Client = &http.Client{
			// A gateway that redirects is misconfigured; following would
			// resend the credentials elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Gateway{c: c, target: u.Scheme + "://" + u.Host}, nil
}

// String names the gateway without its path or query (which may hold a key).
func (g *Gateway) String() string { return g.target }

// Send posts one message. A 2xx answer is success; a 4xx other than 429
// refuses the message for good; a 5xx, a 429, a timeout or a network error
// is retried by the dispatcher.
func (g *Gateway) Send(ctx context.Context, m dispatch.Message) error {
	ctx, cancel := context.WithTimeout(ctx, g.c.Timeout)
	defer cancel()
	body := strings.NewReplacer("{to}", jsonEscape(m.Recipient), "{text}", jsonEscape(m.Body),
		"{key}", jsonEscape(m.Key)).Replace(g.c.Body)
	req, err := http.NewRequestWithContext(ctx, g.c.Method, g.c.URL, strings.NewReader(body))
	if err != nil {
		return dispatch.Permanent(fmt.Errorf("sms gateway %s: building the request: %w", g.target, err))
	}
	req.Header.Set("Content-Type", g.c.ContentType)
	req.Header.Set(g.c.IdempotencyHeader, m.Key)
	switch g.c.Auth {
	case "basic":
		req.SetBasicAuth(g.c.Username, g.c.Password)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+g.c.Token)
	}
	res, err := g.c.Client.Do(req)
	if err != nil {
		// url.Error repeats the URL, which may carry a key: keep the cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("sms gateway %s: no answer within %s", g.target, g.c.Timeout)
		}
		return fmt.Errorf("sms gateway %s: %w", g.target, err)
	}
	// Drain a little so the connection can be reused; the body itself is
	// not kept: a gateway may echo the number or the text.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != http.StatusTooManyRequests:
		return dispatch.Permanent(fmt.Errorf("sms gateway %s: HTTP %d", g.target, code))
	default:
		// Busy, down, or (a redirect) misconfigured: a later attempt may pass.
		return fmt.Errorf("sms gateway %s: HTTP %d", g.target, code)
	}
}

// jsonEscape is s as the inside of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}
