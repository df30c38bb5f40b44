package api

import (
	"net/http"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
)

// Limits of text, counted in runes after normalization: the core's.
const (
	maxSubject     = tickets.MaxSubject
	maxDescription = tickets.MaxDescription
	maxMessage     = tickets.MaxMessage
)

// checkText adds field's error to errs when s (already normalized) is missing
// but required, or too long: the core's rule (tickets.CheckText).
func checkText(errs *[]fieldErr, field, s string, max int, required bool) {
	var fs []refusal.Field
	tickets.CheckText(&fs, field, s, max, required)
	for _, f := range fs {
		*errs = append(*errs, fieldErr{field: f.Name, code: f.Code})
	}
}

// idempotencyKey reads the optional Idempotency-Key header: absent is "",
// present must be 1..200 printable ASCII characters.
func idempotencyKey(h http.Header) (string, error) {
	vs, present := h["Idempotency-Key"]
	if !present {
		return "", nil
	}
	if len(vs) != 1 || !printableToken(vs[0], 200) {
		return "", problem(http.StatusBadRequest, codeBadIdempotencyKey)
	}
	return vs[0], nil
}
