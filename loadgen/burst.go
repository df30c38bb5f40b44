package loadgen

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tawasul/tawasul/sla"
)

// BurstReport is how late escalations fire when many deadlines fall together.
type BurstReport struct {
	Allowance  string `json:"allowance"`
	TestPolicy int    `json:"test_policy_version"`
	// Aligned: the test policy made every ticket filed before its office
	// opened due at the same instant (else each is due the allowance after
	// its own filing, and the filing rate spreads the deadlines).
	Aligned        bool      `json:"aligned"`
	FirstDeadline  time.Time `json:"first_deadline"`
	LastDeadline   time.Time `json:"last_deadline"`
	SpreadSec      float64   `json:"deadline_spread_sec"`
	Escalated      int       `json:"escalated"`
	NotEscalated   int       `json:"not_escalated"`
	Lateness       Stats     `json:"lateness"`
	PolicyRestored int       `json:"policy_restored_version,omitempty"`
}

// burstDeadline is the instant a burst's deadlines fall on: the allowance
// from now, rounded up to the minute.
func burstDeadline(now time.Time, allowance time.Duration) time.Time {
	at := now.Add(allowance)
	if t := at.Truncate(time.Minute); t.Before(at) {
		at = t.Add(time.Minute)
	}
	return at.UTC()
}

// alignBurst makes p a policy under which every first answer asked before
// due−1m falls due at due: its office opens one minute before due, every
// day and with no holidays, and a first answer is due one working minute
// after filing — as tickets filed overnight fall due together when the
// office opens. It reports false when that window does not fit in due's
// local day (the office would have to open within the last hour before
// midnight): the caller then counts the allowance on the 24x7 clock.
func alignBurst(p *sla.Policy, due time.Time) bool {
	open, ok := burstOpening(p.Calendar.TimeZone, due)
	if !ok {
		return false
	}
	p.Calendar.WorkDays = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday,
		time.Thursday, time.Friday, time.Saturday}
	p.Calendar.OpensAt = open.Format("15:04")
	p.Calendar.ClosesAt = "23:59"
	p.Calendar.Holidays = []sla.Holiday{}
	for i := range p.Responses {
		p.Responses[i].Allowance = sla.Allowance{Duration: time.Minute}
		p.Responses[i].Clock = sla.ClockBusiness
	}
	return true
}

// burstOpening is when a burst's office opens, one minute before due in
// time zone tz; ok is false when it could not then close the same local day.
func burstOpening(tz string, due time.Time) (open time.Time, ok bool) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, false
	}
	open = due.Add(-time.Minute).In(loc)
	return open, open.Hour() < 23
}

// burst files N tickets under a test policy that makes their first answers
// fall due together (at one instant when aligned, else each a short
// allowance after its filing on the 24x7 clock); nobody answers; then it
// measures how late each escalation was recorded after its deadline.
func (r *runner) burst(ctx context.Context) (*BurstReport, error) {
	o := r.o
	at := burstDeadline(time.Now(), o.BurstAllowance)
	aligned := false
	restore, v, err := r.setPolicy(ctx, func(p *sla.Policy) {
		if o.BurstAligned && alignBurst(p, at) {
			aligned = true
			return
		}
		for i := range p.Responses {
			p.Responses[i].Allowance = sla.Allowance{Duration: o.BurstAllowance}
			p.Responses[i].Clock = sla.ClockAroundTheClock
		}
	})
	if err != nil {
		return nil, err
	}
	b := &BurstReport{Allowance: sla.Allowance{Duration: o.BurstAllowance}.String(), TestPolicy: v, Aligned: aligned}
	r.rep.TestPolicy = v
	el := r.phase(ctx, "burst", o.N, func(ctx context.Context, i int) bool { return r.create(ctx, i) })
	r.rep.throughput(r.rec, "create", el, "tickets/s")
	if err := restore(context.WithoutCancel(ctx)); err != nil {
		r.rep.Failures = append(r.rep.Failures, "restoring the policy: "+err.Error())
	}
	b.PolicyRestored = r.rep.PolicyRestored

	due := map[string]time.Time{}
	for i := range o.N {
		c, ok := r.acc.Get(i)
		if !ok {
			continue
		}
		due[c.Number] = c.SLADueAt
		if b.FirstDeadline.IsZero() || c.SLADueAt.Before(b.FirstDeadline) {
			b.FirstDeadline = c.SLADueAt
		}
		if c.SLADueAt.After(b.LastDeadline) {
			b.LastDeadline = c.SLADueAt
		}
	}
	b.SpreadSec = round2(b.LastDeadline.Sub(b.FirstDeadline).Seconds())
	if len(due) == 0 {
		return b, nil
	}

	r.prog.Start("deadlines", 0, b.LastDeadline, nil, nil)
	err = sleepCtx(ctx, time.Until(b.LastDeadline))
	r.prog.Stop()
	if err != nil {
		return b, err
	}
	var late Histogram
	pending := make([]string, 0, len(due))
	for n := range due {
		pending = append(pending, n)
	}
	giveUp := time.Now().Add(o.Settle + time.Minute)
	var seen atomic.Int64
	r.prog.Start("escalation", len(pending), time.Time{}, seen.Load, nil)
	// The workflow stamps each escalation's time itself, so how soon this
	// reads it changes nothing measured; a few gentle readers, rounds 5 s
	// apart, keep the reading from competing with the escalations.
	readers := min(o.Concurrency, 4)
	for len(pending) > 0 && time.Now().Before(giveUp) && ctx.Err() == nil {
		var mu sync.Mutex
		var still []string
		pool(ctx, len(pending), readers, func(ctx context.Context, i int) {
			at, ok := r.escalatedAt(ctx, pending[i])
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				still = append(still, pending[i])
				return
			}
			late.Record(at.Sub(due[pending[i]]))
			seen.Add(1)
		})
		pending = still
		if len(pending) > 0 {
			_ = sleepCtx(ctx, 5*time.Second)
		}
	}
	r.prog.Stop()
	b.Escalated, b.NotEscalated = int(late.Count()), len(pending)
	b.Lateness = late.Stats()
	return b, nil
}

// escalatedAt reads the ticket's timeline for its first escalation.
func (r *runner) escalatedAt(ctx context.Context, number string) (time.Time, bool) {
	var t struct {
		Timeline []struct {
			Type string    `json:"type"`
			At   time.Time `json:"at"`
		} `json:"timeline"`
	}
	res := r.cl.Do(ctx, Call{Method: http.MethodGet, Path: "/api/v1/tickets/" + number, Token: r.o.AdminToken})
	r.rec.Add("read", res)
	if !res.OK() || json.Unmarshal(res.Body, &t) != nil {
		return time.Time{}, false
	}
	for _, e := range t.Timeline {
		if e.Type == "escalated" {
			return e.At, true
		}
	}
	return time.Time{}, false
}
