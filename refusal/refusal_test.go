package refusal

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestAsFindsTheRefusalThroughWrapping(t *testing.T) {
	cause := errors.New("connection refused")
	err := fmt.Errorf("respond to 2026-000001: %w", Because(Busy, CodeTemporalUnavailable, cause))
	r, ok := As(err)
	if !ok || r.Kind != Busy || r.Code != CodeTemporalUnavailable {
		t.Fatalf("As = %+v, %v", r, ok)
	}
	if !errors.Is(err, cause) {
		t.Fatal("the cause is lost")
	}
	if !Is(err, CodeTemporalUnavailable) || Is(err, CodeNotFound) || Is(cause, CodeTemporalUnavailable) {
		t.Fatal("Is answers wrongly")
	}
}

func TestFieldsAreInvalidInput(t *testing.T) {
	e := Fields(Field{Name: "subject", Code: FieldRequired}, Field{Name: "beneficiary.mobile", Code: FieldInvalidMobile})
	if e.Kind != Invalid || e.Code != CodeValidation || len(e.Fields) != 2 {
		t.Fatalf("%+v", e)
	}
	if got := e.Error(); got != "invalid: validation_failed [subject: required] [beneficiary.mobile: invalid_mobile]" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestLaterCarriesTheWait(t *testing.T) {
	e := Later(Throttled, CodeRateLimited, 1500*time.Millisecond)
	r, ok := As(fmt.Errorf("sign in: %w", e))
	if !ok || r.Kind != Throttled || r.RetryAfter != 1500*time.Millisecond {
		t.Fatalf("As = %+v, %v", r, ok)
	}
	if got := e.Error(); got != "throttled: rate_limited (retry after 1.5s)" {
		t.Fatalf("Error() = %q", got)
	}
	if got := New(Unauthenticated, CodeInvalidCredentials).Error(); got != "unauthenticated: invalid_credentials" {
		t.Fatalf("Error() = %q", got)
	}
}
