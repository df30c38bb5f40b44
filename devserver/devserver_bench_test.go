package devserver

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// BenchmarkStartWorkflow measures workflow starts per second from 32
// concurrent callers (GOMAXPROCS × parallelism), the shape of the API under
// load, on both stores. No worker runs: this is the cost of the start alone.
// On the 2-core build machine, shared with other builds: file ~95-145/s,
// memory ~200/s; the frontend rate limits are far above either.
//
//	go test ./devserver/ -run '^$' -bench StartWorkflow -benchtime 3000x
func BenchmarkStartWorkflow(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchmarkStarts(b, Options{DataDir: b.TempDir(), UIPort: -1}) })
	b.Run("memory", func(b *testing.B) { benchmarkStarts(b, Options{Memory: true, UIPort: -1}) })
}

func benchmarkStarts(b *testing.B, opts Options) {
	s := start(b, opts)
	c := dial(b, s)
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(max(1, 32/runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			opts := client.StartWorkflowOptions{ID: fmt.Sprintf("bench-%d", seq.Add(1)), TaskQueue: "bench-no-worker"}
			if _, err := c.ExecuteWorkflow(ctx, opts, "NotRegistered"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "starts/s")
}

func sleepUntil(ctx workflow.Context, due time.Time) error {
	return workflow.Sleep(ctx, max(0, due.Sub(workflow.Now(ctx))))
}

// BenchmarkTimerBurst starts 500 workflows whose timers are all due at the
// same instant and reports how long after that instant the last one
// completed (a deadline sweep over open tickets looks like this).
// Measured here: 10-20 s with the worker's default 2 workflow task pollers,
// 6-7 s with 16, with little difference between file and memory store or
// between 1 and 4 history shards: the worker side dominates.
//
//	go test ./devserver/ -run '^$' -bench TimerBurst -benchtime 1x
func BenchmarkTimerBurst(b *testing.B) {
	const n = 500
	s := start(b, Options{DataDir: b.TempDir(), UIPort: -1})
	c := dial(b, s)
	w := runWorker(b, c)
	defer w.Stop()
	ctx := context.Background()
	var worst time.Duration
	for i := range b.N {
		due := time.Now().Add(n*time.Second/100 + 5*time.Second) // starts run at >100/s
		runs := make(chan client.WorkflowRun, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for j := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				opts := client.StartWorkflowOptions{ID: fmt.Sprintf("burst-%d-%d", i, j), TaskQueue: taskQueue}
				run, err := c.ExecuteWorkflow(ctx, opts, sleepUntil, due)
				if err != nil {
					b.Error(err)
					return
				}
				runs <- run
			}()
		}
		wg.Wait()
		close(runs)
		if time.Now().After(due) {
			b.Fatalf("starting %d workflows overran the due time; raise the margin", n)
		}
		for run := range runs {
			if err := run.Get(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
		worst = max(worst, time.Since(due))
	}
	b.ReportMetric(worst.Seconds(), "s-last-fired-after-due")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
