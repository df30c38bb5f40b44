package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/sla"
)

// Roll-out names.
const (
	QueryRolloutProgress    = "progress"
	ActivityOpenTickets     = "OpenTickets"
	DefaultRolloutPerSecond = 20
	rolloutPageSize         = 200
)

// PolicyRolloutWorkflowID names the roll-out of one policy version: starting
// it twice finds the one already running.
func PolicyRolloutWorkflowID(version int) string { return fmt.Sprintf("policy-rollout-v%d", version) }

// RolloutInput starts (or, across continue-as-new, resumes) a roll-out.
type RolloutInput struct {
	Policy    sla.Policy `json:"policy"`
	By        Actor      `json:"by"`
	PerSecond int        `json:"per_second"`
	// After is the last ticket number already signalled; Sent counts them.
	After string `json:"after,omitempty"`
	Sent  int    `json:"sent"`
}

// OpenTicketsInput pages through the tickets a roll-out must reach.
type OpenTicketsInput struct {
	After string `json:"after"`
	Limit int    `json:"limit"`
}

// RolloutProgress is what the "progress" query and the result report.
type RolloutProgress struct {
	Version  int    `json:"version"`
	Sent     int    `json:"sent"`
	Last     string `json:"last,omitempty"`
	Finished bool   `json:"finished"`
}

// PolicyRolloutWorkflow hands a new policy version to every open ticket, in
// number order, at most PerSecond signals a second so thousands of tickets do
// not hit the workers at once. It is resumable by nature: its progress is its
// state, a crash of any process changes nothing, and each page continues as
// new so the history stays small. A ticket that closed meanwhile is skipped;
// one that already has the version ignores it.
func PolicyRolloutWorkflow(ctx workflow.Context, in RolloutInput) (RolloutProgress, error) {
	perSecond := in.PerSecond
	if perSecond <= 0 {
		perSecond = DefaultRolloutPerSecond
	}
	progress := RolloutProgress{Version: in.Policy.Version, Sent: in.Sent, Last: in.After}
	if err := workflow.SetQueryHandler(ctx, QueryRolloutProgress, func() (RolloutProgress, error) { return progress, nil }); err != nil {
		return progress, fmt.Errorf("registering query: %w", err)
	}
	var page []string
	err := workflow.ExecuteActivity(activityCtx(ctx), ActivityOpenTickets,
		OpenTicketsInput{After: in.After, Limit: rolloutPageSize}).Get(ctx, &page)
	if err != nil {
		return progress, fmt.Errorf("listing open tickets after %q: %w", in.After, err)
	}
	req := ApplyPolicyRequest{Policy: in.Policy, By: in.By}
	for start := 0; start < len(page); start += perSecond {
		batch := page[start:min(start+perSecond, len(page))]
		began := workflow.Now(ctx)
		futures := make([]workflow.Future, len(batch))
		for i, number := range batch {
			futures[i] = workflow.SignalExternalWorkflow(ctx, TicketWorkflowID(number), "", SignalApplyPolicy, req)
		}
		for i, f := range futures {
			if err := f.Get(ctx, nil); err != nil {
				// Closed (or never started) since it was listed: nothing to apply.
				workflow.GetLogger(ctx).Info("ticket not signalled", "number", batch[i], "error", err.Error())
			}
		}
		progress.Sent += len(batch)
		progress.Last = batch[len(batch)-1]
		if rest := time.Second - workflow.Now(ctx).Sub(began); rest > 0 && start+perSecond < len(page) {
			if err := workflow.Sleep(ctx, rest); err != nil {
				return progress, err
			}
		}
	}
	if len(page) == rolloutPageSize {
		next := in
		next.After, next.Sent = progress.Last, progress.Sent
		return progress, workflow.NewContinueAsNewError(ctx, PolicyRolloutWorkflowName, next)
	}
	progress.Finished = true
	return progress, nil
}

// activityCtx: the roll-out's page of open tickets, a read of our own
// database on the task queue (a page is long work for a workflow task);
// retried for as long as it takes, so a database outage delays the roll-out,
// never fails it. 10 s is long for one query: a worker that dies mid-page
// holds the roll-out up for that long before the retry goes elsewhere.
func activityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         retryUntilDone(),
	})
}
