// Package worker builds the Temporal worker that runs tickets: it registers the
// workflows and the activities under the names the workflows call them by.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/activities"
	"github.com/tawasul/tawasul/workflows"
)

// Options tunes the worker; zero values keep the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	MaxConcurrentWorkflows  int
}

// New returns a worker polling workflows.TaskQueue, with everything registered.
// The caller starts it (Run or Start) and stops it.
func New(c client.Client, acts *activities.Activities, opts Options) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: opts.MaxConcurrentWorkflows,
	})
	Register(w, acts)
	return w
}

// Register puts the workflows and (when acts != nil) the activities on r. The
// replay tests call it with acts == nil: replay needs the workflows only.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.TicketWorkflow, workflow.RegisterOptions{Name: "TicketWorkflow"})
	r.RegisterWorkflowWithOptions(workflows.EscalationWorkflow, workflow.RegisterOptions{Name: "EscalationWorkflow"})
	r.RegisterWorkflowWithOptions(workflows.PolicyRolloutWorkflow, workflow.RegisterOptions{Name: "PolicyRolloutWorkflow"})
	r.RegisterWorkflowWithOptions(workflows.SurveyCallsWorkflow, workflow.RegisterOptions{Name: workflows.SurveyCallsWorkflowName})
	if acts == nil {
		return
	}
	r.RegisterActivityWithOptions(acts.RecordChange, activity.RegisterOptions{Name: workflows.ActivityRecordChange})
	r.RegisterActivityWithOptions(acts.ResolveLevel, activity.RegisterOptions{Name: workflows.ActivityResolveLevel})
	r.RegisterActivityWithOptions(acts.ReviewEntity, activity.RegisterOptions{Name: workflows.ActivityReviewEntity})
	r.RegisterActivityWithOptions(acts.Notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
	r.RegisterActivityWithOptions(acts.OpenTickets, activity.RegisterOptions{Name: workflows.ActivityOpenTickets})
	r.RegisterActivityWithOptions(acts.SuggestAssignee, activity.RegisterOptions{Name: workflows.ActivitySuggestAssignee})
	r.RegisterActivityWithOptions(acts.SampleSurveyCalls, activity.RegisterOptions{Name: workflows.ActivitySampleSurveyCalls})
}
