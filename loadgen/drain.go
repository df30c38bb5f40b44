package loadgen

import (
	"context"
	"sync/atomic"
	"time"
)

// DrainReport is when the accepted tickets' workflows had all recorded them
// (their first workflow task ran: the read-model row's version left 0). An
// intake figure counts acceptances; under a flood the workflows, and the
// deadline timers they set, can run far behind them. This is the figure to
// hold against the ceiling's noop_drain_sec.
type DrainReport struct {
	// Sec runs from the first filing until every accepted ticket was
	// recorded, read every Every.
	Sec      float64 `json:"sec"`
	PerSec   float64 `json:"per_sec"`
	EverySec float64 `json:"every_sec"`
	Recorded int     `json:"recorded"`
	// Pending tickets were still unrecorded when the wait ended.
	Pending int `json:"pending"`
}

// drainEvery is how often the read model is read for the drain (or as
// long as a reading took, if longer): its figures are that coarse, and
// each reading is load of its own.
const drainEvery = time.Second

// drain reads rm until every accepted ticket of the run is recorded or
// the wait (the run's settle time) is over.
func (r *runner) drain(ctx context.Context, rm ReadModel, began time.Time) (*DrainReport, error) {
	want := map[string]bool{}
	for _, n := range r.acc.Numbers() {
		want[n] = true
	}
	d := &DrainReport{EverySec: drainEvery.Seconds()}
	giveUp := time.Now().Add(r.o.Settle)
	var recorded atomic.Int64
	r.prog.Start("drain", len(want), time.Time{}, recorded.Load, nil)
	defer r.prog.Stop()
	for {
		read := time.Now()
		rows, err := rm.RunRows(ctx, r.gen.RunID())
		if err != nil {
			return d, err
		}
		n := 0
		for _, row := range rows {
			if want[row.Number] && row.Version > 0 {
				n++
			}
		}
		recorded.Store(int64(n))
		d.Recorded, d.Pending = n, len(want)-n
		if d.Pending == 0 {
			el := time.Since(began)
			d.Sec, d.PerSec = round2(el.Seconds()), rate(int64(n), el)
			return d, nil
		}
		if time.Now().After(giveUp) {
			return d, nil
		}
		if err := sleepCtx(ctx, max(drainEvery, time.Since(read))); err != nil {
			return d, err
		}
	}
}
