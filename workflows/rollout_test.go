package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/workflows"
)

// The roll-out signals every open ticket once, at most PerSecond a second, and
// carries on past a ticket that closed meanwhile.
func TestPolicyRolloutSignalsEveryOpenTicketAtABoundedRate(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := at(11, 22, 10, 0)
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(workflows.PolicyRolloutWorkflow, workflow.RegisterOptions{Name: workflows.PolicyRolloutWorkflowName})
	numbers := []string{"2026-000001", "2026-000002", "2026-000004", "2026-000007", "2026-000009"}
	env.RegisterActivityWithOptions(func(ctx context.Context, in workflows.OpenTicketsInput) ([]string, error) {
		var out []string
		for _, n := range numbers {
			if n > in.After && len(out) < in.Limit {
				out = append(out, n)
			}
		}
		return out, nil
	}, activity.RegisterOptions{Name: workflows.ActivityOpenTickets})

	var mu sync.Mutex
	sent := map[string]time.Time{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", workflows.SignalApplyPolicy, mock.Anything).
		Return(func(namespace, id, runID, name string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			sent[id] = env.Now()
			if id == workflows.TicketWorkflowID("2026-000004") {
				return errors.New("workflow execution already completed")
			}
			if req, ok := arg.(workflows.ApplyPolicyRequest); !ok || req.Policy.Version != 8 {
				t.Errorf("signal carried %#v", arg)
			}
			return nil
		})

	env.ExecuteWorkflow(workflows.PolicyRolloutWorkflowName, workflows.RolloutInput{Policy: newerPolicy(), PerSecond: 2})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var p workflows.RolloutProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if !p.Finished || p.Sent != 5 || p.Last != "2026-000009" || p.Version != 8 {
		t.Fatalf("progress: %+v", p)
	}
	if len(sent) != 5 {
		t.Fatalf("signalled %d tickets, want 5: %v", len(sent), sent)
	}
	// Three batches of at most two, a second apart: the last lands 2 s after the start.
	if last := sent[workflows.TicketWorkflowID("2026-000009")]; last.Sub(start) < 2*time.Second {
		t.Fatalf("rate not bounded: last signal %s after start", last.Sub(start))
	}
}
