package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/tawasul/tawasul/workflows"
)

func TestPolicyRollout(t *testing.T) {
	f := newFixture(t)
	admin := testTokens["admin"]

	f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: testTokens["coord-ksu"]}).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/policies/99/rollout", token: admin}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: admin, body: map[string]any{"per_second": -1}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if n := len(f.tc.startCalls()); n != 0 {
		t.Fatalf("refused requests started %d workflows", n)
	}

	r := f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: admin, body: map[string]any{"per_second": 5}})
	r.expect(http.StatusAccepted)
	starts := f.tc.startCalls()
	if len(starts) != 1 || starts[0].opts.ID != "policy-rollout-v1" || starts[0].workflow != "PolicyRolloutWorkflow" {
		t.Fatalf("start: %+v", starts)
	}
	in := starts[0].args[0].(workflows.RolloutInput)
	if in.Policy.Version != 1 || in.PerSecond != 5 || in.By.ID == "" {
		t.Fatalf("input: %+v", in)
	}
	es, err := f.store.ListAudit(context.Background(), 0, 100)
	if err != nil || len(es) != 1 || es[0].Action != auditPolicyApplied || es[0].Subject != "policy/1" {
		t.Fatalf("audit: %+v %v", es, err)
	}

	// Progress comes from the workflow's query; before it exists, 404.
	f.do(req{method: "GET", path: "/api/v1/policies/1/rollout", token: admin}).expectProblem(http.StatusNotFound, codeNotFound)
	f.tc.mu.Lock()
	f.tc.query = func(id, q string) (any, error) {
		if id != "policy-rollout-v1" || q != workflows.QueryRolloutProgress {
			t.Errorf("query %s %s", id, q)
		}
		return workflows.RolloutProgress{Version: 1, Sent: 40, Last: "2026-000040"}, nil
	}
	f.tc.mu.Unlock()
	var p workflows.RolloutProgress
	g := f.do(req{method: "GET", path: "/api/v1/policies/1/rollout", token: testTokens["auditor"]})
	g.expect(http.StatusOK)
	g.json(&p)
	if p.Sent != 40 || p.Finished {
		t.Fatalf("progress: %+v", p)
	}
}
