// Package refusal is the one typed error the application core returns when it
// will not do what was asked: a stable code (the same strings the workflows
// refuse with), a kind that says whose move it is, and for bad input the
// fields at fault. Each front end maps a kind to its answer once: the JSON
// API to an HTTP status and a problem document, the web pages to the form
// again with the error at its field.
package refusal

import (
	"errors"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/texts"
)

// Kind says why a request was refused, and so what its caller can do.
type Kind int

const (
	// Invalid: the request itself is wrong (fix the input).
	Invalid Kind = iota + 1
	// Conflict: the ticket's state does not allow it now.
	Conflict
	// Forbidden: not this caller's to do.
	Forbidden
	// NotFound: no such thing, or none the caller may see.
	NotFound
	// Busy: try again shortly (the ticket is busy, an action was not
	// confirmed in time, or a dependency such as Temporal is unreachable).
	Busy
	// Unauthenticated: the caller's credentials were refused (sign in
	// again). The one answer to every refused sign-in, whatever the reason,
	// so the caller learns nothing about which.
	Unauthenticated
	// Throttled: too many attempts from this caller; wait RetryAfter.
	Throttled
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not found"
	case Busy:
		return "busy"
	case Unauthenticated:
		return "unauthenticated"
	case Throttled:
		return "throttled"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Codes the core refuses with besides the workflows' own (workflows.Err*).
const (
	CodeValidation          = "validation_failed"
	CodeForbidden           = "forbidden"
	CodeNotFound            = "not_found"
	CodeNoPolicy            = "no_policy"
	CodeIdempotencyReused   = "idempotency_key_reused"
	CodeTemporalUnavailable = "temporal_unavailable"
	CodeActionNotConfirmed  = "action_not_confirmed"
	CodeActionRefused       = "action_refused"
	// CodeBadCursor: a page cursor that no page handed out.
	CodeBadCursor = "bad_cursor"
	// Sign-in (package signin).
	CodeUnauthorized        = "unauthorized"
	CodeInvalidCredentials  = "invalid_credentials"
	CodeInvalidRefreshToken = "invalid_refresh_token"
	CodeRateLimited         = "rate_limited"
	CodePasswordsBusy       = "passwords_busy"
	CodeNotAnAccount        = "not_an_account"
)

// Field codes: what is wrong with one field.
const (
	FieldRequired          = "required"
	FieldInvalidValue      = "invalid_value"
	FieldTooLong           = "too_long"
	FieldTooShort          = "too_short"
	FieldInvalidNationalID = "invalid_national_id"
	FieldInvalidMobile     = "invalid_mobile"
	FieldInvalidEmail      = "invalid_email"
	FieldNationality       = "nationality_mismatch"
	FieldUnknownEntity     = "unknown_entity"
	FieldOutOfRange        = "out_of_range"
	FieldStaffOnlyChannel  = "staff_only_channel"
	FieldNotInList         = "not_in_list"
	FieldStaffOnly         = "staff_only"
	FieldNotForChannel     = "not_for_channel"
	FieldNotCoordinator    = "not_a_coordinator"
	// FieldNotYourMobile: a beneficiary signed in filed for another mobile.
	FieldNotYourMobile = "not_your_mobile"
	// FieldTooFewLetters: a search by words has no word of two letters.
	FieldTooFewLetters = "too_few_letters"
)

// Field is one field at fault, named by its JSON path ("beneficiary.mobile").
type Field struct {
	Name string
	Code string
	// Args fill the %s of the code's text, in order (the kind and priority
	// of a missing policy rule): codes and numbers, never prose.
	Args []string
	// Text, when set, is what the generic code means for this one field (how
	// long a reason must be), in both languages; it replaces the code's text.
	Text *texts.Text
}

// Error is a refusal. Err, when set, is the cause, kept for the log only.
// RetryAfter, when set, is how long the caller should wait before trying
// again (a throttled sign-in, a busy password hasher).
type Error struct {
	Kind       Kind
	Code       string
	Fields     []Field
	Err        error
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := e.Kind.String() + ": " + e.Code
	for _, f := range e.Fields {
		s += fmt.Sprintf(" [%s: %s]", f.Name, f.Code)
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New is a refusal of kind with code.
func New(kind Kind, code string) *Error { return &Error{Kind: kind, Code: code} }

// Because is New with the cause kept for the log.
func Because(kind Kind, code string, cause error) *Error {
	return &Error{Kind: kind, Code: code, Err: cause}
}

// Later is New for a caller who may try again after wait.
func Later(kind Kind, code string, wait time.Duration) *Error {
	return &Error{Kind: kind, Code: code, RetryAfter: wait}
}

// Fields refuses bad input, naming every field at fault.
func Fields(fields ...Field) *Error {
	return &Error{Kind: Invalid, Code: CodeValidation, Fields: fields}
}

// As finds the refusal in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is a refusal with code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
