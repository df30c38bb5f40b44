package workflows

import "go.temporal.io/sdk/workflow"

// Registry is where workflows are registered: a worker, or the replayer of
// the recorded histories.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register puts every workflow on r under the name histories know it by.
// The worker and the replay test both call it, so a workflow added here is
// run and replayed alike.
func Register(r Registry) {
	r.RegisterWorkflowWithOptions(TicketWorkflow, workflow.RegisterOptions{Name: TicketWorkflowName})
	r.RegisterWorkflowWithOptions(EscalationWorkflow, workflow.RegisterOptions{Name: EscalationWorkflowName})
	r.RegisterWorkflowWithOptions(PolicyRolloutWorkflow, workflow.RegisterOptions{Name: PolicyRolloutWorkflowName})
	r.RegisterWorkflowWithOptions(SurveyCallsWorkflow, workflow.RegisterOptions{Name: SurveyCallsWorkflowName})
}
