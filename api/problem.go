package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/texts"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
)

// lang is the language of titles and messages: Arabic unless the client
// prefers English.
type lang int

const (
	langAR lang = iota
	langEN
)

func (l lang) String() string {
	if l == langEN {
		return "en"
	}
	return "ar"
}

// negotiate picks ar or en from an Accept-Language header by q-value; the
// first acceptable one wins and Arabic is the default.
func negotiate(header string) lang {
	type cand struct {
		l lang
		q float64
		i int
	}
	var cs []cand
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			if v, err := strconv.ParseFloat(p[2:], 64); err == nil {
				q = v
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch {
		case q <= 0:
		case primary == "ar":
			cs = append(cs, cand{langAR, q, i})
		case primary == "en":
			cs = append(cs, cand{langEN, q, i})
		}
	}
	if len(cs) == 0 {
		return langAR
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].q > cs[b].q })
	return cs[0].l
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Code     string       `json:"code"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// apiError is an error that knows its HTTP answer. Handlers return it (or
// any error, which becomes a 500) to fail (through handle).
type apiError struct {
	status int
	code   string
	fields []fieldErr
	// detail overrides the catalog's detail (already localized pair).
	detail *text
	// header values to set on the response (e.g. Retry-After).
	headers map[string]string
}

func (e *apiError) Error() string { return e.code }

// fieldErr is a field error before localization.
type fieldErr struct {
	field string
	code  string
	// msg, when set, replaces the catalog text (e.g. policy validation messages).
	msg string
	// text, when set, replaces the catalog text in both languages: what a
	// generic code means for this one field (how long a reason must be).
	text *text
	// args fill the %s of the code's text, in order (the kind and priority
	// of a missing policy rule): codes, never prose.
	args []string
}

func problem(status int, code string) *apiError { return &apiError{status: status, code: code} }

func invalid(fields ...fieldErr) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: codeValidation, fields: fields}
}

func problemTypeURI(code string) string { return "urn:tawasul:problem:" + code }

// build localizes e for language l.
func (e *apiError) build(l lang, instance string) Problem {
	pt, ok := texts.Of(e.code)
	if !ok {
		pt, _ = texts.Of(codeInternal)
	}
	p := Problem{
		Type:     problemTypeURI(e.code),
		Title:    in(pt.Title, l),
		Status:   e.status,
		Detail:   in(pt.Detail, l),
		Code:     e.code,
		Instance: instance,
	}
	if e.detail != nil {
		p.Detail = in(*e.detail, l)
	}
	for _, f := range e.fields {
		msg := f.msg
		if t, ok := texts.Field(f.code); ok && (msg == "" || l == langAR) {
			msg = in(t, l)
		}
		if f.text != nil {
			msg = in(*f.text, l)
		}
		if msg == "" {
			msg = f.code
		}
		if len(f.args) > 0 {
			args := make([]any, len(f.args))
			for i, a := range f.args {
				args[i] = a
			}
			msg = fmt.Sprintf(msg, args...)
		}
		p.Errors = append(p.Errors, FieldError{Field: f.field, Code: f.code, Message: msg})
	}
	return p
}

// writeProblem answers with e as application/problem+json and aborts the chain.
// Only fail calls it: every problem of the API goes through that one adapter.
func writeProblem(c *gin.Context, e *apiError) {
	l := negotiate(c.GetHeader("Accept-Language"))
	p := e.build(l, c.Request.URL.Path)
	for k, v := range e.headers {
		c.Header(k, v)
	}
	if e.status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="tawasul"`)
	}
	body, err := json.Marshal(p)
	if err != nil { // cannot happen with these field types
		body = []byte(`{"status":500,"code":"internal_error"}`)
	}
	c.Header("Content-Language", l.String())
	c.Header("Vary", "Accept-Language")
	c.Data(e.status, "application/problem+json", body)
	c.Abort()
}

// writeJSON answers with v as application/json. encoding/json is used directly
// so Arabic text stays readable UTF-8 and the output is the same everywhere.
// A value that cannot be encoded writes nothing and is the handler's error
// (a 500).
func writeJSON(c *gin.Context, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.Data(status, "application/json", body)
	return nil
}

// handle adapts a handler that returns an error: nil when it has answered,
// else the error that is its answer (fail). Every route goes through it, so a
// handler never writes a problem itself and then has to stop.
func (a *API) handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := urlText(c); err != nil {
			a.fail(c, err)
			return
		}
		if err := h(c); err != nil {
			a.fail(c, err)
		}
	}
}

// urlText refuses a path parameter or query value that is not valid UTF-8
// or holds a control character (normalize.Control), for every route at once:
// PostgreSQL refuses a NUL even in a lookup (a 500), and no code, number or
// search term has a reason to carry one. A path parameter names something
// to look up, and nothing by such a name can exist: 404, as for any other
// name of the wrong shape. A query value is input: 422 at its name. A CR is
// let through: in a free-text parameter (a search) it is a line break, which
// normalize.Text keeps.
func urlText(c *gin.Context) error {
	bad := func(v string) bool {
		return !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return r != '\r' && normalize.Control(r) }) >= 0
	}
	for _, p := range c.Params {
		if bad(p.Value) {
			return problem(http.StatusNotFound, codeNotFound)
		}
	}
	var errs []fieldErr
	q := c.Request.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if bad(k) || slices.ContainsFunc(q[k], bad) {
			errs = append(errs, fieldErr{field: strings.ToValidUTF8(k, "\uFFFD"), code: fieldInvalidValue})
		}
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

// kindStatus is the one mapping of the core's refusals to HTTP statuses.
var kindStatus = map[refusal.Kind]int{
	refusal.Invalid:   http.StatusUnprocessableEntity,
	refusal.Conflict:  http.StatusConflict,
	refusal.Forbidden: http.StatusForbidden,
	refusal.NotFound:  http.StatusNotFound,
	refusal.Busy:      http.StatusServiceUnavailable,
	// Unauthenticated and Throttled are the refusals of a sign-in.
	refusal.Unauthenticated: http.StatusUnauthorized,
	refusal.Throttled:       http.StatusTooManyRequests,
}

// refused is the problem answering a refusal of the application core.
func refused(r *refusal.Error) *apiError {
	status, ok := kindStatus[r.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	if r.Code == codeBadCursor {
		// A cursor is the API's own token handed back, not a field the
		// client filled in: a malformed request, as the other lists answer.
		status = http.StatusBadRequest
	}
	e := &apiError{status: status, code: r.Code, fields: fieldErrs(r.Fields)}
	if r.RetryAfter > 0 {
		// Whole seconds, rounded up: a client waiting less would be refused again.
		e.headers = map[string]string{"Retry-After": strconv.Itoa(int((r.RetryAfter + time.Second - 1) / time.Second))}
	}
	return e
}

// fieldErrs are the core's fields at fault as the API's field errors.
func fieldErrs(fs []refusal.Field) []fieldErr {
	var out []fieldErr
	for _, f := range fs {
		out = append(out, fieldErr{field: f.Name, code: f.Code, text: f.Text, args: f.Args})
	}
	return out
}

// fail answers err: an *apiError as itself, a refusal of the core by its
// kind, an unreachable database (store.Unavailable) as a 503 with
// Retry-After, anything else as a logged 500 (the cause stays in the log, never in
// the response).
func (a *API) fail(c *gin.Context, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeProblem(c, ae)
		return
	}
	if r, ok := refusal.As(err); ok {
		writeProblem(c, refused(r))
		return
	}
	if store.Unavailable(err) {
		// An outage is not the request's fault and passes: the client may
		// retry after a moment, as after a 503 from Temporal.
		a.log.Warn("database unavailable", "error", err, "route", c.FullPath(), "request_id", c.GetString(requestIDKey))
		e := problem(http.StatusServiceUnavailable, codeDatabaseUnavailable)
		e.headers = map[string]string{"Retry-After": strconv.Itoa(databaseRetryAfter)}
		writeProblem(c, e)
		return
	}
	a.log.Error("request failed", "error", err, "route", c.FullPath(), "request_id", c.GetString(requestIDKey))
	writeProblem(c, problem(http.StatusInternalServerError, codeInternal))
}

// databaseRetryAfter is the Retry-After, in seconds, of a database outage:
// long enough for a pool to reconnect or a failover to finish, short enough
// that a form is not abandoned.
const databaseRetryAfter = 5
