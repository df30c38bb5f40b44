package api

import (
	"net/http"
	"testing"

	"go.temporal.io/sdk/client"
)

// An action's Idempotency-Key is bound to its request on every action route,
// the beneficiary's included: the same key with another body is 422
// idempotency_key_reused and never reaches Temporal; a key used for one
// action cannot be replayed as another (claim).
func TestActionKeyReusedIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	var seen []client.UpdateWorkflowOptions
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		seen = append(seen, o)
		return stateFor(c.Number), nil
	}
	wd := "/api/v1/tickets/" + c.Number + "/withdrawal"
	key := map[string]string{trackingHeader: c.TrackingCode, "Idempotency-Key": "wd-1"}
	f.do(req{method: "POST", path: wd, headers: key, body: map[string]any{"reason": "حُلّت"}}).expect(http.StatusOK)
	f.do(req{method: "POST", path: wd, headers: key, body: map[string]any{"reason": "حُلّت"}}).expect(http.StatusOK)
	f.do(req{method: "POST", path: wd, headers: key, body: map[string]any{"reason": "غيّرت رأيي"}}).
		expectProblem(http.StatusUnprocessableEntity, codeIdempotencyReused)
	if len(seen) != 2 || seen[0].UpdateID != seen[1].UpdateID {
		t.Fatalf("updates %+v", seen)
	}

	staff := map[string]string{"Idempotency-Key": "act-1"}
	base := "/api/v1/tickets/" + c.Number
	f.do(req{method: "POST", path: base + "/notes", token: testTokens["coord-ksu"], headers: staff,
		body: map[string]any{"message": "ملاحظة"}}).expect(http.StatusOK)
	f.do(req{method: "POST", path: base + "/claim", token: testTokens["coord-ksu"], headers: staff}).
		expectProblem(http.StatusUnprocessableEntity, codeIdempotencyReused)
	if len(seen) != 3 {
		t.Fatalf("a refused key reached Temporal: %d updates", len(seen))
	}
}
