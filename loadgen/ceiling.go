package loadgen

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The ceiling is what the same Temporal server does with no Tawasul logic at
// all, measured from this process with its own tiny worker on its own task
// queue, so each figure of a run can be read as a share of what the platform
// itself allows on that machine.
const (
	CeilingTaskQueue = "loadgen-ceiling"
	ceilingNoop      = "LoadgenNoop"
	ceilingLife      = "LoadgenLifecycle"
	ceilingStep      = "LoadgenStep"
	ceilingTimer     = "LoadgenTimer"
	ceilingSignal    = "respond"
)

// noopWorkflow does nothing: its start is the whole cost.
func noopWorkflow(workflow.Context) error { return nil }

// lifecycleWorkflow has the shape of a ticket's life at its smallest: record
// the filing, wait for the answer, record it, end.
func lifecycleWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	if err := workflow.ExecuteActivity(ctx, ceilingStep, "filed").Get(ctx, nil); err != nil {
		return err
	}
	workflow.GetSignalChannel(ctx, ceilingSignal).Receive(ctx, nil)
	return workflow.ExecuteActivity(ctx, ceilingStep, "answered").Get(ctx, nil)
}

func ceilingStepActivity(context.Context, string) error { return nil }

// timerWorkflow is a deadline at its smallest: wait until at, then say how
// late the workflow task that the timer woke ran. A first task that runs
// after at (the start was queued) counts as late too, as a ticket's does.
func timerWorkflow(ctx workflow.Context, at time.Time) (time.Duration, error) {
	if d := at.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return 0, err
		}
	}
	return workflow.Now(ctx).Sub(at), nil
}

// Ceiling measures the server with no Tawasul logic, from this process.
type Ceiling struct {
	Temporal    client.Client
	RunID       string
	N           int
	Concurrency int
	// Pollers is the ceiling worker's workflow and activity task pollers
	// (0: the SDK's default, as Tawasul's worker has unless configured):
	// with too few, the figures would be the worker's, not the server's.
	Pollers  int
	Progress *Progress
}

// worker runs the ceiling's workflows on their own task queue; fired counts
// the bare timers that woke, for the progress bar.
func (m Ceiling) worker(fired *atomic.Int64) (sdkworker.Worker, error) {
	w := sdkworker.New(m.Temporal, CeilingTaskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: m.Pollers,
		MaxConcurrentActivityTaskPollers: m.Pollers,
	})
	w.RegisterWorkflowWithOptions(noopWorkflow, workflow.RegisterOptions{Name: ceilingNoop})
	w.RegisterWorkflowWithOptions(lifecycleWorkflow, workflow.RegisterOptions{Name: ceilingLife})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, at time.Time) (time.Duration, error) {
		late, err := timerWorkflow(ctx, at)
		// Progress only, never part of a result: a task that fails after
		// this line and runs again counts twice.
		if err == nil && !workflow.IsReplaying(ctx) {
			fired.Add(1)
		}
		return late, err
	}, workflow.RegisterOptions{Name: ceilingTimer})
	w.RegisterActivityWithOptions(ceilingStepActivity, activity.RegisterOptions{Name: ceilingStep})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("starting the ceiling worker: %w", err)
	}
	return w, nil
}

// CeilingReport is what the server managed without Tawasul.
type CeilingReport struct {
	TaskQueue    string  `json:"task_queue"`
	N            int     `json:"n"`
	Concurrency  int     `json:"concurrency"`
	StartsPerSec float64 `json:"noop_starts_per_sec"`
	StartLatency Stats   `json:"noop_start_latency"`
	StartErrors  int     `json:"noop_start_errors"`
	// NoopDrainSec is from the first start until the worker had completed
	// every no-op.
	NoopDrainSec     float64 `json:"noop_drain_sec"`
	LifecyclesPerSec float64 `json:"lifecycles_per_sec"`
	LifecycleLatency Stats   `json:"lifecycle_latency"`
	LifecycleErrors  int     `json:"lifecycle_errors"`
}

// Measure runs N no-op starts, then N minimal lifecycles, each at the
// concurrency, with a worker it starts and stops itself.
func (m Ceiling) Measure(ctx context.Context) (*CeilingReport, error) {
	w, err := m.worker(new(atomic.Int64))
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	tc, runID, n, c, prog := m.Temporal, m.RunID, m.N, m.Concurrency, m.Progress

	rep := &CeilingReport{TaskQueue: CeilingTaskQueue, N: n, Concurrency: c}
	opts := func(kind string, i int) client.StartWorkflowOptions {
		return client.StartWorkflowOptions{ID: fmt.Sprintf("loadgen-%s-%s-%d", runID, kind, i), TaskQueue: CeilingTaskQueue}
	}

	var starts Histogram
	var done, failed atomic.Int64
	runs := make([]client.WorkflowRun, n)
	prog.Start("ceiling:start", n, time.Time{}, done.Load, failed.Load)
	el := pool(ctx, n, c, func(ctx context.Context, i int) {
		began := time.Now()
		run, err := tc.ExecuteWorkflow(ctx, opts("noop", i), ceilingNoop)
		if err != nil {
			failed.Add(1)
			return
		}
		starts.Record(time.Since(began))
		runs[i] = run
		done.Add(1)
	})
	prog.Stop()
	rep.StartErrors = int(failed.Load())
	rep.StartsPerSec = rate(done.Load(), el)
	rep.StartLatency = starts.Stats()
	// Let the no-ops finish before the lifecycles, so one phase does not
	// bill the other for its work.
	drained := pool(ctx, n, c, func(ctx context.Context, i int) {
		if runs[i] != nil {
			_ = runs[i].Get(ctx, nil)
		}
	})
	rep.NoopDrainSec = round2((el + drained).Seconds())

	var lives Histogram
	done.Store(0)
	failed.Store(0)
	prog.Start("ceiling:life", n, time.Time{}, done.Load, failed.Load)
	el = pool(ctx, n, c, func(ctx context.Context, i int) {
		began := time.Now()
		o := opts("life", i)
		run, err := tc.ExecuteWorkflow(ctx, o, ceilingLife)
		if err == nil {
			err = tc.SignalWorkflow(ctx, o.ID, run.GetRunID(), ceilingSignal, nil)
		}
		if err == nil {
			err = run.Get(ctx, nil)
		}
		if err != nil {
			failed.Add(1)
			return
		}
		lives.Record(time.Since(began))
		done.Add(1)
	})
	prog.Stop()
	rep.LifecycleErrors = int(failed.Load())
	rep.LifecyclesPerSec = rate(done.Load(), el)
	rep.LifecycleLatency = lives.Stats()
	return rep, ctx.Err()
}

// TimerCeiling is how late the same server wakes n bare workflows whose
// timers fall due together: the floor under a burst's escalation lateness.
type TimerCeiling struct {
	TaskQueue   string `json:"task_queue"`
	N           int    `json:"n"`
	Concurrency int    `json:"concurrency"`
	// Deadline is the one instant every timer fell due at; zero when each
	// was due a fixed time after its own start.
	Deadline     time.Time `json:"deadline,omitzero"`
	StartsPerSec float64   `json:"starts_per_sec"`
	StartErrors  int       `json:"start_errors"`
	// StartsEndedSec is when the last start returned, after the first; the
	// deadline should lie beyond it.
	StartsEndedSec float64 `json:"starts_ended_sec"`
	Fired          int     `json:"fired"`
	Lateness       Stats   `json:"lateness"`
}

// Timers starts N workflows at the concurrency whose timers all fall due at
// `at` (one instant, as an aligned burst's deadlines) or, with each set, at
// the start plus each (as an unaligned burst's), and reads how late each woke.
func (m Ceiling) Timers(ctx context.Context, at time.Time, each time.Duration) (*TimerCeiling, error) {
	var fired atomic.Int64
	w, err := m.worker(&fired)
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	tc, runID, n, c, prog := m.Temporal, m.RunID, m.N, m.Concurrency, m.Progress
	rep := &TimerCeiling{TaskQueue: CeilingTaskQueue, N: n, Concurrency: c}
	if each <= 0 {
		rep.Deadline = at
	}
	var done, failed atomic.Int64
	runs := make([]client.WorkflowRun, n)
	prog.Start("ceiling:timers", n, time.Time{}, done.Load, failed.Load)
	el := pool(ctx, n, c, func(ctx context.Context, i int) {
		due := at
		if each > 0 {
			due = time.Now().Add(each)
		}
		o := client.StartWorkflowOptions{ID: fmt.Sprintf("loadgen-%s-timer-%d", runID, i), TaskQueue: CeilingTaskQueue}
		run, err := tc.ExecuteWorkflow(ctx, o, ceilingTimer, due)
		if err != nil {
			failed.Add(1)
			return
		}
		runs[i] = run
		done.Add(1)
	})
	prog.Stop()
	rep.StartErrors = int(failed.Load())
	rep.StartsPerSec = rate(done.Load(), el)
	rep.StartsEndedSec = round2(el.Seconds())

	// The bar counts the timers as the worker sees them wake; the results
	// below are read in index order, c at a time, and would lag far behind.
	var late Histogram
	prog.Start("ceiling:fired", int(done.Load()), at, func() int64 { return min(fired.Load(), done.Load()) }, nil)
	pool(ctx, n, c, func(ctx context.Context, i int) {
		if runs[i] == nil {
			return
		}
		var d time.Duration
		if runs[i].Get(ctx, &d) == nil {
			late.Record(d)
		}
	})
	prog.Stop()
	rep.Fired = int(late.Count())
	rep.Lateness = late.Stats()
	return rep, ctx.Err()
}

func rate(n int64, el time.Duration) float64 {
	if el <= 0 {
		return 0
	}
	return round2(float64(n) / el.Seconds())
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
