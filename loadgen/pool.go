package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pool runs fn for 0..n-1 on c workers and returns the elapsed time. It stops
// handing out work when ctx ends.
func pool(ctx context.Context, n, c int, fn func(ctx context.Context, i int)) time.Duration {
	began := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(c, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(ctx, i)
			}
		}()
	}
	wg.Wait()
	return time.Since(began)
}

// paced hands out work at perSec for d on c workers: an open schedule, as
// real traffic arrives whether or not the system keeps up. When every
// worker is busy the schedule slips; behind counts the items that left late
// (more than one interval after their time). It returns how many it started.
func paced(ctx context.Context, perSec float64, d time.Duration, c int, fn func(ctx context.Context, i int)) (started, behind int, el time.Duration) {
	began := time.Now()
	interval := time.Duration(float64(time.Second) / perSec)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, c) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(ctx, i)
			}
		}()
	}
schedule:
	for i := 0; ctx.Err() == nil; i++ {
		at := began.Add(time.Duration(i) * interval)
		if at.Sub(began) >= d {
			break
		}
		if wait := time.Until(at); wait > 0 {
			if sleepCtx(ctx, wait) != nil {
				break
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			break schedule
		}
		if time.Since(at) > interval {
			behind++
		}
		started++
	}
	close(jobs)
	wg.Wait()
	return started, behind, time.Since(began)
}
