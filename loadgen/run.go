package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// Modes of a run.
const (
	ModeIntake    = "intake"
	ModeLifecycle = "lifecycle"
	ModeBurst     = "burst"
	ModeSoak      = "soak"
	ModeCeiling   = "ceiling"
)

var Modes = []string{ModeIntake, ModeLifecycle, ModeBurst, ModeSoak, ModeCeiling}

// Options is one run.
type Options struct {
	Mode        string
	Target      string
	N           int
	Concurrency int
	Rate        float64       // soak: filings per second
	Duration    time.Duration // soak
	Seed        uint64
	RunID       string
	Mix         Mix

	// FileToken files tickets (any staff role but auditor: staff may file on
	// every channel). AdminToken sets policies, answers what no coordinator
	// token covers and reads tickets for checks. Coordinators maps an entity
	// to a token of its coordinator, who answers that entity's tickets.
	FileToken    string
	AdminToken   string
	Coordinators map[string]string

	ObjectionShare  float64
	WithdrawalShare float64
	// ObjectionWindow, when positive, makes lifecycle save a policy with this
	// window so answered tickets close within the run (restored after).
	ObjectionWindow time.Duration
	// BurstAllowance is how long after the run's start the burst's
	// deadlines fall (aligned), or each ticket's allowance (not aligned).
	BurstAllowance time.Duration
	// BurstAligned puts every burst deadline on the same instant (alignBurst).
	BurstAligned bool

	Timeout   time.Duration // per HTTP attempt
	Retries   int
	MaxErrors int
	Check     bool
	Settle    time.Duration
	// WithCeiling measures the ceiling before the run (always in ceiling mode).
	WithCeiling bool
	CeilingN    int
	// CeilingPollers is the ceiling worker's pollers (0: the SDK's default).
	CeilingPollers int

	Temporal  client.Client // for the check and the ceiling; nil skips both
	ReadModel ReadModel     // nil reads through the API
	Progress  *Progress
}

func (o *Options) defaults() {
	o.Concurrency = max(o.Concurrency, 1)
	if o.Mix.Kinds.Shares == nil {
		o.Mix = DefaultMix()
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.BurstAllowance <= 0 {
		o.BurstAllowance = 2 * time.Minute
	}
	if o.CeilingN <= 0 {
		o.CeilingN = o.N
	}
	if o.FileToken == "" {
		o.FileToken = o.AdminToken
	}
}

func (o *Options) validate() error {
	var errs []error
	switch o.Mode {
	case ModeIntake, ModeLifecycle, ModeBurst, ModeSoak, ModeCeiling:
	default:
		errs = append(errs, fmt.Errorf("unknown mode %q (want one of %v)", o.Mode, Modes))
	}
	if o.Mode == ModeSoak {
		if o.Rate <= 0 || o.Duration <= 0 {
			errs = append(errs, errors.New("soak needs --rate and --duration"))
		}
	} else if o.N <= 0 {
		errs = append(errs, errors.New("-n must be positive"))
	}
	if o.Mode != ModeCeiling && o.FileToken == "" {
		// Anonymous filing is limited per address (intake.per_minute): a load
		// run would measure the limiter.
		errs = append(errs, errors.New("a staff token is needed to file (--token, TAWASUL_LOADGEN_TOKEN or --tokens-file)"))
	}
	if (o.Mode == ModeLifecycle || o.Mode == ModeBurst) && o.AdminToken == "" {
		errs = append(errs, fmt.Errorf("%s needs an admin token (--admin-token or --tokens-file)", o.Mode))
	}
	if (o.Mode == ModeCeiling || o.WithCeiling) && o.Temporal == nil {
		errs = append(errs, errors.New("the ceiling needs a Temporal connection"))
	}
	if o.ObjectionShare < 0 || o.WithdrawalShare < 0 || o.ObjectionShare+o.WithdrawalShare > 1 {
		errs = append(errs, errors.New("objection and withdrawal shares must be in 0..1 and add up to at most 1"))
	}
	return errors.Join(errs...)
}

type runner struct {
	o    Options
	cl   *Client
	gen  *Generator
	rec  *Recorder
	acc  *Accepted
	rep  *Report
	prog *Progress
}

// Run carries out one run and reports it; the error is for what prevented
// the run, a failed check is rep.Passed == false.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	r := &runner{o: o, cl: NewClient(o.Target, o.Concurrency, o.Timeout, o.Retries), rec: NewRecorder(),
		acc: NewAccepted(), prog: o.Progress}
	r.rep = &Report{Mode: o.Mode, Target: o.Target, RunID: o.RunID, Seed: o.Seed, N: o.N,
		Concurrency: o.Concurrency, Started: time.Now().UTC(), Machine: newMachine()}
	if o.Mode == ModeSoak {
		r.rep.N = 0
		r.rep.Rate, r.rep.DurationSec = o.Rate, o.Duration.Seconds()
	}

	// The ceiling goes first, on a server with nothing of this run in it:
	// after the run, Tawasul's worker is still projecting the tickets just
	// filed and would be measured along with Temporal.
	if o.Mode == ModeBurst && o.WithCeiling {
		// A burst's ceiling is bare timers falling due as its deadlines will,
		// so whether they share one instant is decided here, once, for both.
		at := burstDeadline(time.Now(), o.BurstAllowance)
		if o.BurstAligned {
			p, err := r.currentPolicy(ctx)
			if err != nil {
				return r.rep, err
			}
			_, r.o.BurstAligned = burstOpening(p.Calendar.TimeZone, at)
		}
		var each time.Duration
		if !r.o.BurstAligned {
			each = o.BurstAllowance
		}
		c, err := r.ceiling().Timers(ctx, at, each)
		if err != nil {
			return r.rep, fmt.Errorf("measuring the timer ceiling: %w", err)
		}
		r.rep.TimerCeiling = c
	} else if o.Mode == ModeCeiling || o.WithCeiling {
		c, err := r.ceiling().Measure(ctx)
		if err != nil {
			return r.rep, fmt.Errorf("measuring the ceiling: %w", err)
		}
		r.rep.Ceiling = c
	}
	if o.Mode != ModeCeiling {
		var es []Entity
		if err := r.cl.GetJSON(ctx, "/api/v1/entities", "", &es); err != nil {
			return nil, fmt.Errorf("loading the organization from %s: %w", o.Target, err)
		}
		gen, err := NewGenerator(o.Seed, o.RunID, o.Mix, es)
		if err != nil {
			return nil, err
		}
		r.gen = gen
		r.rep.Entities = len(gen.Entities())
		if err := r.drive(ctx); err != nil {
			return r.rep, err
		}
	}
	r.rep.finish(r.rec, o.MaxErrors)
	return r.rep, nil
}

func (r *runner) ceiling() Ceiling {
	return Ceiling{Temporal: r.o.Temporal, RunID: r.o.RunID, N: r.o.CeilingN, Concurrency: r.o.Concurrency,
		Pollers: r.o.CeilingPollers, Progress: r.prog}
}

// drive runs the mode, then the end check.
func (r *runner) drive(ctx context.Context) error {
	o := r.o
	rm := o.ReadModel
	if rm == nil {
		rm = APIReadModel{Client: r.cl, Token: o.AdminToken}
		if o.AdminToken == "" {
			rm = APIReadModel{Client: r.cl, Token: o.FileToken}
		}
	}
	began := time.Now()
	var expect func(string) []domain.Status
	switch o.Mode {
	case ModeIntake:
		el := r.phase(ctx, "intake", o.N, func(ctx context.Context, i int) bool { return r.create(ctx, i) })
		r.rep.throughput(r.rec, "create", el, "tickets/s")
		d, err := r.drain(ctx, rm, began)
		if err != nil {
			return fmt.Errorf("reading the drain: %w", err)
		}
		r.rep.Drain = d
	case ModeSoak:
		r.rep.Soak = r.soak(ctx)
	case ModeBurst:
		b, err := r.burst(ctx)
		if err != nil {
			return err
		}
		r.rep.Burst = b
	case ModeLifecycle:
		var err error
		if expect, err = r.lifecycle(ctx); err != nil {
			return err
		}
	}
	r.rep.MixSent = r.observedMix(r.rep.Filings)
	if !o.Check {
		return nil
	}
	settle := o.Settle
	if o.Mode == ModeLifecycle && o.ObjectionWindow > 0 {
		settle += o.ObjectionWindow
	}
	chk := Checker{ReadModel: rm, Temporal: o.Temporal, Settle: settle, Expect: expect, Since: began, Conc: o.Concurrency}
	r.prog.Start("check", 0, time.Now().Add(settle), nil, nil)
	rep, err := chk.Check(ctx, r.gen.RunID(), r.acc)
	r.prog.Stop()
	if err != nil {
		return err
	}
	r.rep.Check = rep
	return nil
}

// phase runs fn for 0..n-1 with the progress bar; fn says whether item i succeeded.
func (r *runner) phase(ctx context.Context, name string, n int, fn func(context.Context, int) bool) time.Duration {
	var done, failed atomic.Int64
	r.prog.Start(name, n, time.Time{}, done.Load, failed.Load)
	defer r.prog.Stop()
	r.rep.Filings = n
	return pool(ctx, n, r.o.Concurrency, func(ctx context.Context, i int) {
		if fn(ctx, i) {
			done.Add(1)
		} else {
			failed.Add(1)
		}
	})
}

// create files ticket seq and records what the API answered.
func (r *runner) create(ctx context.Context, seq int) bool {
	req := r.gen.Request(seq)
	res := r.cl.Do(ctx, Call{Method: http.MethodPost, Path: "/api/v1/tickets", Token: r.o.FileToken,
		Header: map[string]string{"Idempotency-Key": req.Key}, Body: req.Body})
	r.rec.Add("create", res)
	if !res.OK() {
		return false
	}
	var c Created
	if err := json.Unmarshal(res.Body, &c); err != nil || c.Number == "" {
		r.rec.Add("create:decode", Result{Class: "bad 201 body", Attempts: 1})
		return false
	}
	r.acc.Add(seq, c, res.Replayed && res.Attempts == 1)
	return true
}

// SoakReport is how well a steady rate was held.
type SoakReport struct {
	TargetRate   float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Sent         int     `json:"sent"`
	Behind       int     `json:"behind_schedule"`
}

func (r *runner) soak(ctx context.Context) *SoakReport {
	var done, failed atomic.Int64
	r.prog.Start("soak", 0, time.Now().Add(r.o.Duration), done.Load, failed.Load)
	sent, behind, el := paced(ctx, r.o.Rate, r.o.Duration, r.o.Concurrency, func(ctx context.Context, i int) {
		if r.create(ctx, i) {
			done.Add(1)
		} else {
			failed.Add(1)
		}
	})
	r.prog.Stop()
	r.rep.Filings = sent
	r.rep.throughput(r.rec, "create", el, "tickets/s")
	return &SoakReport{TargetRate: r.o.Rate, AchievedRate: rate(int64(sent), el), Sent: sent, Behind: behind}
}

// setPolicy saves a test policy made from the one in force by edit, and
// returns a function that saves the previous one again (as a new version:
// versions are never rewritten).
func (r *runner) setPolicy(ctx context.Context, edit func(*sla.Policy)) (restore func(context.Context) error, version int, err error) {
	prev, err := r.currentPolicy(ctx)
	if err != nil {
		return nil, 0, err
	}
	test := prev
	test.Responses = append([]sla.ResponseRule(nil), prev.Responses...)
	test.Reason = "loadgen " + r.gen.run + ": a test policy for this run"
	edit(&test)
	saved, err := r.putPolicy(ctx, test)
	if err != nil {
		return nil, 0, fmt.Errorf("saving the test policy: %w", err)
	}
	var once sync.Once
	return func(ctx context.Context) error {
		var err error
		once.Do(func() {
			var v sla.Policy
			back := prev
			back.Reason = "loadgen " + r.gen.run + ": the policy in force before the run, saved again"
			if v, err = r.putPolicy(ctx, back); err == nil {
				r.rep.PolicyRestored = v.Version
			}
		})
		return err
	}, saved.Version, nil
}

func (r *runner) currentPolicy(ctx context.Context) (sla.Policy, error) {
	var p sla.Policy
	if err := r.cl.GetJSON(ctx, "/api/v1/policies/current", r.o.AdminToken, &p); err != nil {
		return sla.Policy{}, fmt.Errorf("reading the policy in force: %w", err)
	}
	return p, nil
}

func (r *runner) putPolicy(ctx context.Context, p sla.Policy) (sla.Policy, error) {
	res := r.cl.Do(ctx, Call{Method: http.MethodPut, Path: "/api/v1/policies", Token: r.o.AdminToken, Body: p})
	if !res.OK() {
		return sla.Policy{}, fmt.Errorf("PUT /api/v1/policies: %s", res.Class)
	}
	var saved sla.Policy
	if err := json.Unmarshal(res.Body, &saved); err != nil {
		return sla.Policy{}, fmt.Errorf("decoding the saved policy: %w", err)
	}
	return saved, nil
}

// responder is the token that answers a ticket of entity: its coordinator
// when one was given, else the admin.
func (r *runner) responder(entity string) string {
	if t := r.o.Coordinators[entity]; t != "" {
		return t
	}
	return r.o.AdminToken
}

// lifecycle files, then answers, objects and withdraws, each ticket in its
// own chain; it returns the statuses each ticket may end in.
func (r *runner) lifecycle(ctx context.Context) (func(string) []domain.Status, error) {
	o := r.o
	if o.ObjectionWindow > 0 {
		restore, v, err := r.setPolicy(ctx, func(p *sla.Policy) {
			p.ObjectionWindow = sla.Allowance{Duration: o.ObjectionWindow}
		})
		if err != nil {
			return nil, err
		}
		r.rep.TestPolicy = v
		// Tickets keep the version they were filed under, so the usual
		// policy can come back as soon as the filings are in.
		defer func() {
			if err := restore(context.WithoutCancel(ctx)); err != nil {
				r.rep.Failures = append(r.rep.Failures, "restoring the policy: "+err.Error())
			}
		}()
	}
	fates := make([]Fate, o.N)
	el := r.phase(ctx, "lifecycle", o.N, func(ctx context.Context, i int) bool {
		fates[i] = r.gen.Fate(i, o.ObjectionShare, o.WithdrawalShare)
		return r.live(ctx, i, fates[i])
	})
	r.rep.throughput(r.rec, "lifecycle", el, "lifecycles/s")
	lc := &LifecycleReport{Fates: map[Fate]int{}}
	for _, f := range fates {
		lc.Fates[f]++
	}
	r.rep.Lifecycle = lc

	want := map[string][]domain.Status{}
	for i, f := range fates {
		c, ok := r.acc.Get(i)
		if !ok {
			continue
		}
		switch {
		case f == FateWithdrawn:
			want[c.Number] = []domain.Status{domain.StatusWithdrawn}
		case f == FateObjected, o.ObjectionWindow > 0:
			want[c.Number] = []domain.Status{domain.StatusClosed}
		default:
			want[c.Number] = []domain.Status{domain.StatusAnswered, domain.StatusClosed}
		}
	}
	return func(n string) []domain.Status { return want[n] }, nil
}

// LifecycleReport counts the fates drawn.
type LifecycleReport struct {
	Fates map[Fate]int `json:"fates"`
}

// live takes ticket seq through its fate; each action is recorded under its
// own name, and the chain under "lifecycle".
func (r *runner) live(ctx context.Context, seq int, fate Fate) bool {
	began := time.Now()
	ok := r.chain(ctx, seq, fate)
	res := Result{Attempts: 1, Latency: time.Since(began)}
	if !ok {
		res.Class = "chain broken"
	}
	r.rec.Add("lifecycle", res)
	return ok
}

func (r *runner) chain(ctx context.Context, seq int, fate Fate) bool {
	if !r.create(ctx, seq) {
		return false
	}
	c, _ := r.acc.Get(seq)
	key := r.gen.Marker(seq)
	path := "/api/v1/tickets/" + c.Number
	beneficiary := func(op, suffix string, body any) bool {
		res := r.cl.Do(ctx, Call{Method: http.MethodPost, Path: path + suffix, Body: body,
			Header: map[string]string{"X-Tracking-Code": c.TrackingCode, "Idempotency-Key": key + "-" + op}})
		r.rec.Add(op, res)
		return res.OK()
	}
	respond := func(token, step string) bool {
		res := r.cl.Do(ctx, Call{Method: http.MethodPost, Path: path + "/responses", Token: token,
			Body:   map[string]string{"message": r.gen.Text(seq, responses)},
			Header: map[string]string{"Idempotency-Key": key + "-" + step}})
		r.rec.Add("respond", res)
		return res.OK()
	}
	if fate == FateWithdrawn {
		return beneficiary("withdraw", "/withdrawal", map[string]string{"reason": r.gen.Text(seq, withdrawals)})
	}
	if !respond(r.responder(c.Entity), "respond") {
		return false
	}
	if fate != FateObjected {
		return true
	}
	if !beneficiary("object", "/objections", map[string]string{"reason": r.gen.Text(seq, objections)}) {
		return false
	}
	// The review sits one level above the entity that answered; the admin
	// may answer anywhere.
	return respond(r.o.AdminToken, "review")
}
