package api

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/workflows"
)

func TestPolicyRollout(t *testing.T) {
	f := newFixture(t)
	admin := testTokens["admin"]

	f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: testTokens["coord-ksu"]}).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/policies/99/rollout", token: admin}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{offContract: true, method: "POST", path: "/api/v1/policies/1/rollout", token: admin, body: map[string]any{"per_second": -1}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if n := len(f.tc.startCalls()); n != 0 {
		t.Fatalf("refused requests started %d workflows", n)
	}

	r := f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: admin, body: map[string]any{"per_second": 5}})
	r.expect(http.StatusAccepted)
	starts := f.tc.startCalls()
	if len(starts) != 1 || starts[0].opts.ID != "policy-rollout-v1" || starts[0].workflow != workflows.PolicyRolloutWorkflowName {
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

	// The query fails (no worker replays the finished roll-out in time):
	// while the roll-out has no close event, 503; once it has completed, its
	// result answers.
	closed := false
	f.tc.mu.Lock()
	f.tc.query = func(string, string) (any, error) { return nil, errors.New("query timed out") }
	f.tc.history = func(r *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
		if r.GetExecution().GetWorkflowId() != "policy-rollout-v1" || r.GetHistoryEventFilterType() != enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT {
			t.Errorf("history request %v", r)
		}
		if !closed {
			return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{}}, nil
		}
		result, err := converter.GetDefaultDataConverter().ToPayloads(workflows.RolloutProgress{Version: 1, Sent: 101, Finished: true})
		if err != nil {
			t.Fatal(err)
		}
		return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{Events: []*historypb.HistoryEvent{{
			EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
				WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{Result: result},
			},
		}}}}, nil
	}
	f.tc.mu.Unlock()
	f.do(req{method: "GET", path: "/api/v1/policies/1/rollout", token: admin}).
		expectProblem(http.StatusServiceUnavailable, codeTemporalUnavailable)
	f.tc.mu.Lock()
	closed = true
	// The query runs out the whole wait, as it does when no worker replays.
	f.tc.query = func(string, string) (any, error) {
		time.Sleep(testTemporalTimeout + 100*time.Millisecond)
		return nil, context.DeadlineExceeded
	}
	f.tc.mu.Unlock()
	p = workflows.RolloutProgress{}
	g = f.do(req{method: "GET", path: "/api/v1/policies/1/rollout", token: admin})
	g.expect(http.StatusOK)
	g.json(&p)
	if p.Sent != 101 || !p.Finished {
		t.Fatalf("progress of the finished roll-out: %+v", p)
	}
}

// A roll-out is recorded before its workflow starts: with the audit log
// down nothing starts; a start that fails after its entry leaves a second
// entry saying so.
func TestPolicyRolloutAuditedFirst(t *testing.T) {
	f := newFixture(t)
	admin := testTokens["admin"]

	f.tc.mu.Lock()
	f.tc.startErr = errors.New("temporal down")
	f.tc.mu.Unlock()
	f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: admin}).
		expectProblem(http.StatusServiceUnavailable, codeTemporalUnavailable)
	es := f.auditLog()
	detail := map[string]any{"version": 1, "workflow_id": "policy-rollout-v1", "per_second": 0}
	if len(es) != 2 {
		t.Fatalf("audit log of a failed start: %+v", es)
	}
	expectAudit(t, es[0], "admin", "admin", auditPolicyApplied, "policy/1", detail)
	expectAudit(t, es[1], "admin", "admin", auditPolicyNotApplied, "policy/1", detail)

	f.tc.mu.Lock()
	f.tc.startErr = nil
	f.tc.mu.Unlock()
	f.breakAudit()
	before := len(f.tc.startCalls())
	f.do(req{method: "POST", path: "/api/v1/policies/1/rollout", token: admin}).
		expectProblem(http.StatusInternalServerError, codeInternal)
	if n := len(f.tc.startCalls()) - before; n != 0 {
		t.Fatalf("a roll-out started without its audit entry (%d starts)", n)
	}
}
