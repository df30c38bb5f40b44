package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/clientip"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

const (
	requestIDHeader = "X-Request-ID"
	requestIDKey    = "tawasul.request_id"
	// maxBody bounds every JSON body; larger requests get 413.
	maxBody = 1 << 20
)

// requestID takes the caller's X-Request-ID when it is sane, otherwise makes
// one, and echoes it so a problem report can be matched with the log line.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !printableToken(id, 128) {
			id = randomID()
		}
		c.Set(requestIDKey, id)
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// printableToken reports whether s is 1..max visible ASCII characters.
func printableToken(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// accessLog writes one line per request. Only the route template is logged,
// never the concrete path, query, headers or body: those carry ticket numbers,
// tokens and tracking codes.
func (a *API) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(unmatched)"
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", c.GetString(requestIDKey)),
		}
		if actor, ok := staffActor(c); ok {
			attrs = append(attrs, slog.String("actor", actor.ID))
		} else {
			// The beneficiary's routes and every other anonymous one: the
			// address is the caller's one trace. It is personal data, so it is
			// logged as the timeline records it (clientRef) and by network only.
			attrs = append(attrs, slog.String("client", a.clientRef(c)), slog.String("client_net", clientip.Masked(c.ClientIP())))
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		a.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

// recovery turns a panic into a 500 problem (and a log line with the request
// id) instead of a dropped connection.
func (a *API) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					panic(r)
				}
				a.log.Error("panic in handler", "panic", r, "route", c.FullPath(), "request_id", c.GetString(requestIDKey))
				if !c.Writer.Written() {
					a.fail(c, problem(http.StatusInternalServerError, codeInternal))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		c.Next()
	}
}

// decodeJSON reads a JSON body into v with the API's strict rules: at most
// 1 MiB (413), valid UTF-8 (400), a JSON media type if one is declared (415),
// no unknown fields (400), one value only. Wrong value types are field errors
// (422). allowEmpty accepts an empty body as "{}" (optional bodies).
func decodeJSON(c *gin.Context, v any, allowEmpty bool) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem(http.StatusUnsupportedMediaType, codeUnsupportedMedia)
		}
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if allowEmpty && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return problem(http.StatusBadRequest, codeMalformedJSON)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem(http.StatusBadRequest, codeMalformedJSON)
	}
	return nil
}

// readBody reads a whole request body of at most 1 MiB (413) that must be
// valid UTF-8 (400): encoding/json would quietly replace bad bytes with
// U+FFFD, a CSV parser would keep them; refuse instead.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, problem(http.StatusRequestEntityTooLarge, codeBodyTooLarge)
		}
		return nil, problem(http.StatusBadRequest, codeMalformedJSON)
	}
	if !utf8.Valid(body) {
		return nil, problem(http.StatusBadRequest, codeInvalidUTF8)
	}
	return body, nil
}

// onlyParams reports every query parameter not in allowed, in name order.
func onlyParams(q url.Values, allowed ...string) []fieldErr {
	var errs []fieldErr
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, k) {
			errs = append(errs, fieldErr{field: k, code: fieldUnknown})
		}
	}
	return errs
}

// limitParam reads a page size ?limit= of 1..200; 0 when absent (the store's default).
func limitParam(q url.Values) (int, []fieldErr) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, []fieldErr{{field: "limit", code: fieldOutOfRange}}
	}
	return n, nil
}

func jsonError(err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			return problem(http.StatusBadRequest, codeMalformedJSON)
		}
		return invalid(fieldErr{field: field, code: fieldWrongType})
	}
	// encoding/json has no typed error for unknown fields; its message is
	// `json: unknown field "name"`.
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		name, _ := strconv.Unquote(strings.TrimPrefix(msg, "json: unknown field "))
		e := problem(http.StatusBadRequest, codeUnknownField)
		e.fields = []fieldErr{{field: name, code: fieldUnknown}}
		return e
	}
	// Errors a field type raises itself (e.g. an allowance "2x") are not
	// syntax errors of the document: report them as invalid data.
	var syntaxErr *json.SyntaxError
	if !errors.As(err, &syntaxErr) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return &apiError{status: http.StatusUnprocessableEntity, code: codeValidation,
			detail: &text{AR: err.Error(), EN: err.Error()}}
	}
	return problem(http.StatusBadRequest, codeMalformedJSON)
}

// ipLimiter is a token bucket per client address (clientip.Key) for the routes
// the public reaches.
type ipLimiter struct {
	perMinute int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perMinute int) *ipLimiter {
	return &ipLimiter{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// clientAddress is the request's client address as per-address limits and
// login failure counts see it (clientip.Key of Gin's ClientIP, which believes
// X-Forwarded-For only from Options.TrustedProxies); "unknown" when the
// connection has no IP address.
func clientAddress(c *gin.Context) string {
	if ip := c.ClientIP(); ip != "" {
		return clientip.Key(ip)
	}
	return "unknown"
}

// allow takes one token for ip's address (clientip.Key); when refused it says
// how long to wait.
func (l *ipLimiter) allow(ip string, now time.Time) (bool, time.Duration) {
	key := clientip.Key(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget idle clients now and then; a full bucket is the same as a new one.
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 2*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimit answers 429 (with Retry-After) once the client's address has
// spent its budget on l; nil while it has not.
func (a *API) rateLimit(c *gin.Context, l *ipLimiter) error {
	ok, wait := l.allow(c.ClientIP(), a.now())
	if ok {
		return nil
	}
	e := problem(http.StatusTooManyRequests, codeRateLimited)
	e.headers = map[string]string{"Retry-After": strconv.Itoa(int(wait/time.Second) + 1)}
	return e
}

// limitPerAddress applies rateLimit to every request of a route group.
func (a *API) limitPerAddress(l *ipLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := a.rateLimit(c, l); err != nil {
			a.fail(c, err)
			return
		}
		c.Next()
	}
}
