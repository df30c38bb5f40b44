package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/workflows"
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

// Every beneficiary action carries the credential it came with and the
// caller behind it to the workflow (which writes them on its timeline
// line); the access log names the address as the line does, never in clear.
func TestBeneficiaryActionsAreTraced(t *testing.T) {
	f := newFixture(t)
	c := f.fileFor(mobileA)
	var vias []workflows.Credential
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		switch r := o.Args[0].(type) {
		case workflows.WithdrawRequest:
			vias = append(vias, r.Via)
		case workflows.ObjectRequest:
			vias = append(vias, r.Via)
		default:
			t.Errorf("unexpected update %s", o.UpdateName)
		}
		return stateFor(c.Number), nil
	}
	wd := "/api/v1/tickets/" + c.Number + "/withdrawal"
	code := map[string]string{trackingHeader: c.TrackingCode}

	// The tracking code alone: the address, hashed, is the only trace.
	f.do(req{method: "POST", path: wd, headers: code}).expect(http.StatusOK)
	// A staff member's token sent along: recorded as the caller.
	f.do(req{method: "POST", path: wd, headers: code, token: testTokens["coord-ksu"]}).expect(http.StatusOK)
	// A token that matches nobody is refused, not recorded as anonymous.
	f.do(req{method: "POST", path: wd, headers: code, token: "tok-nobody"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	// A beneficiary session names itself.
	token := f.signIn(mobileA)
	f.do(req{method: "POST", path: "/api/v1/tickets/" + c.Number + "/objections", token: token,
		body: map[string]any{"reason": "لم تحل"}}).expect(http.StatusOK)

	if len(vias) != 3 {
		t.Fatalf("%d actions reached Temporal, want 3: %+v", len(vias), vias)
	}
	client := vias[0].Client
	if len(client) != 16 || strings.Contains(client, "192.0.2") {
		t.Fatalf("client %q: want a 16-hex keyed hash of the address", client)
	}
	if want := (workflows.Credential{Kind: workflows.ViaTrackingCode, Client: client}); vias[0] != want {
		t.Errorf("tracking code: %+v, want %+v", vias[0], want)
	}
	if want := (workflows.Credential{Kind: workflows.ViaTrackingCode, Caller: "coord-ksu", Client: client}); vias[1] != want {
		t.Errorf("tracking code with a staff token: %+v, want %+v", vias[1], want)
	}
	sess, err := f.store.BeneficiarySessionByToken(context.Background(), tokenHash(token), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := (workflows.Credential{Kind: workflows.ViaBeneficiarySession, Caller: "session:" + strconv.FormatInt(sess.ID, 10), Client: client}); vias[2] != want {
		t.Errorf("session: %+v, want %+v", vias[2], want)
	}

	// The access log: the same hash and the /24, never the address.
	var traced bool
	for line := range strings.SplitSeq(f.logs.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["msg"] != "http request" || l["route"] != "/api/v1/tickets/:number/withdrawal" {
			continue
		}
		traced = true
		if l["client"] != client || l["client_net"] != "192.0.2.0/24" {
			t.Errorf("access log line %s: want client %s from 192.0.2.0/24", line, client)
		}
	}
	if !traced {
		t.Error("no access log line for the withdrawals")
	}
	if strings.Contains(f.logs.String(), "192.0.2.1") {
		t.Error("the log holds the client's address in clear")
	}
}
