// Package worker builds the Temporal worker that runs tickets: it registers the
// workflows and the activities under the names the workflows call them by.
package worker

import (
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tawasul/tawasul/activities"
	"github.com/tawasul/tawasul/workflows"
)

// Options tunes the worker; zero values keep the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	MaxConcurrentWorkflows  int
	// MaxConcurrentLocal bounds the local activities (a ticket's database
	// steps) running at once; the others queue in the worker in order.
	MaxConcurrentLocal int
	// WorkflowPollers and ActivityPollers are the long polls kept open on the
	// task queue (the SDK's default is 2 each): when many timers fire at once
	// (a burst of deadlines) the tasks wait for a poller, not for the CPU.
	WorkflowPollers int
	ActivityPollers int
	// CacheSize is how many tickets' workflow state the worker keeps in
	// memory between tasks (the sticky cache, the SDK's default 10,000). It
	// is a per-process setting: the first worker built sets it.
	CacheSize int
	// AutoscalePollers: the server's backlog reports drive how many polls
	// are open, from 1 up to WorkflowPollers / ActivityPollers (0 = the
	// SDK's 100), instead of a fixed count.
	AutoscalePollers bool
	// StickyTimeout is how long a ticket's next workflow task waits on this
	// worker's own queue before it goes to any worker (which must replay
	// the ticket's history first); 0 keeps the SDK's 5 s.
	StickyTimeout time.Duration
}

var setCacheSize sync.Once

// New returns a worker polling workflows.TaskQueue, with everything registered.
// The caller starts it (Run or Start) and stops it.
func New(c client.Client, acts *activities.Activities, opts Options) sdkworker.Worker {
	if opts.CacheSize > 0 {
		setCacheSize.Do(func() { sdkworker.SetStickyWorkflowCacheSize(opts.CacheSize) })
	}
	w := sdkworker.New(c, workflows.TaskQueue, sdkOptions(opts))
	Register(w, acts)
	return w
}

func sdkOptions(opts Options) sdkworker.Options {
	o := sdkworker.Options{
		MaxConcurrentActivityExecutionSize:      opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  opts.MaxConcurrentWorkflows,
		MaxConcurrentLocalActivityExecutionSize: opts.MaxConcurrentLocal,
		StickyScheduleToStartTimeout:            opts.StickyTimeout,
	}
	if !opts.AutoscalePollers {
		o.MaxConcurrentWorkflowTaskPollers = opts.WorkflowPollers
		o.MaxConcurrentActivityTaskPollers = opts.ActivityPollers
		return o
	}
	// The SDK refuses a fixed count beside a behavior: the counts become maxima.
	o.WorkflowTaskPollerBehavior = sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{
		MaximumNumberOfPollers: opts.WorkflowPollers,
	})
	o.ActivityTaskPollerBehavior = sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{
		MaximumNumberOfPollers: opts.ActivityPollers,
	})
	return o
}

// Register puts the workflows (workflows.Register, which the replay test
// calls too) and, when acts != nil, the activities on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	workflows.Register(r)
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
