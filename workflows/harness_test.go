package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/workflows"
)

var riyadh = time.FixedZone("AST", 3*3600)

// at builds a Riyadh local time in the week of Sunday 2026-11-22.
func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, riyadh)
}

// testPolicy: complaints/normal get one working day; the ladder climbs from the
// care-center manager to the minister's office.
func testPolicy() sla.Policy {
	p := sla.Default()
	p.Version = 7
	for i := range p.Responses {
		if p.Responses[i].Kind == domain.KindComplaint && p.Responses[i].Priority == domain.PriorityNormal {
			p.Responses[i].Allowance = sla.MustParseAllowance("1d")
			p.Responses[i].Clock = sla.ClockBusiness
		}
	}
	p.Ladder = []sla.Level{
		{Role: domain.RoleCareCenterManager, Allowance: sla.MustParseAllowance("1d")},
		{Role: domain.RoleEntityHead, Allowance: sla.MustParseAllowance("1d")},
		{Role: domain.RoleSectorOfficial, Allowance: sla.MustParseAllowance("2d")},
		{Role: domain.RoleSupervisor, Allowance: sla.MustParseAllowance("2d")},
		{Role: domain.RoleMinisterOffice, Allowance: sla.MustParseAllowance("3d")},
	}
	p.ObjectionWindow = sla.MustParseAllowance("5d")
	p.ObjectionReview = sla.MustParseAllowance("3d")
	return p
}

func input(filed time.Time) workflows.TicketInput {
	return workflows.TicketInput{
		Number: "2026-000001", Kind: domain.KindComplaint, Channel: domain.ChannelPortal,
		Priority: domain.PriorityNormal, Subject: "شهادة التخرج لم تصدر", Entity: "KSU",
		Beneficiary: workflows.Beneficiary{Name: "سارة", NationalID: "1000000008", Mobile: "+966512345678",
			Type: domain.BeneficiaryStudent},
		FiledBy: workflows.Actor{ID: "portal", Role: domain.RoleBeneficiary},
		FiledAt: filed, Policy: testPolicy(),
	}
}

// recorder stands in for the activities: it keeps what the workflow asked for.
type recorder struct {
	mu       sync.Mutex
	changes  []workflows.Change
	notes    []workflows.Notification
	failOnce map[string]bool // activity name -> fail its first call
	failMany map[string]int  // activity name -> fail this many more calls
	// refuse, when set, makes RecordChange refuse a change for good, as
	// the activity does when the database gives a permanent error.
	refuse  func(workflows.Change) bool
	refused []workflows.Change
}

var parents = map[string]workflows.LevelHolder{
	"KSU":      {Entity: "UNIV", NameEN: "Universities Deputyship"},
	"UNIV":     {Entity: "MOE", NameEN: "Ministry of Education"},
	"MOE":      {Entity: "MOE", NameEN: "Ministry of Education"},
	"RUH-EDU":  {Entity: "GEN-EDU", NameEN: "General Education Deputyship"},
	"GEN-EDU":  {Entity: "MOE", NameEN: "Ministry of Education"},
	"CULTURAL": {Entity: "MOE", NameEN: "Ministry of Education"},
}

func (r *recorder) fail(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failOnce[name] {
		delete(r.failOnce, name)
		return errors.New("injected failure")
	}
	if r.failMany[name] > 0 {
		r.failMany[name]--
		return errors.New("injected failure")
	}
	return nil
}

func (r *recorder) RecordChange(ctx context.Context, ch workflows.Change) error {
	if err := r.fail(workflows.ActivityRecordChange); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse != nil && r.refuse(ch) {
		r.refused = append(r.refused, ch)
		return temporal.NewNonRetryableApplicationError("refused", workflows.ErrRefusedByDatabase, nil)
	}
	r.changes = append(r.changes, ch)
	return nil
}

func (r *recorder) ResolveLevel(ctx context.Context, in workflows.ResolveLevelInput) (workflows.LevelHolder, error) {
	if err := r.fail(workflows.ActivityResolveLevel); err != nil {
		return workflows.LevelHolder{}, err
	}
	e := in.Entity
	switch domain.LadderScope(in.Role) {
	case domain.ScopeSector:
		e = parents[e].Entity
	case domain.ScopeMinistry:
		e = "MOE"
	}
	return workflows.LevelHolder{Role: in.Role, Entity: e, NameEN: e}, nil
}

// coordinators is who SuggestAssignee picks per entity (none for the others).
var coordinators = map[string]workflows.Actor{
	"KSU":  {ID: "user:sara", Name: "سارة", Role: domain.RoleCoordinator, Entity: "KSU"},
	"UNIV": {ID: "user:omar", Name: "عمر", Role: domain.RoleCoordinator, Entity: "UNIV"},
}

func (r *recorder) SuggestAssignee(ctx context.Context, in workflows.SuggestAssigneeInput) (workflows.Actor, error) {
	if err := r.fail(workflows.ActivitySuggestAssignee); err != nil {
		return workflows.Actor{}, err
	}
	return coordinators[in.Entity], nil
}

func (r *recorder) ReviewEntity(ctx context.Context, code string) (workflows.LevelHolder, error) {
	return parents[code], nil
}

func (r *recorder) Notify(ctx context.Context, n workflows.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
	return nil
}

// events returns every timeline line recorded, in order.
func (r *recorder) events() []workflows.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []workflows.Event
	for _, c := range r.changes {
		out = append(out, c.Events...)
	}
	return out
}

func (r *recorder) eventsOf(typ string) []workflows.Event {
	var out []workflows.Event
	for _, e := range r.events() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) last() workflows.TicketState {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best workflows.TicketState
	for _, c := range r.changes {
		if c.State.Version > best.Version {
			best = c.State
		}
	}
	return best
}

func (r *recorder) templates(audience string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notes {
		if n.Audience == audience {
			out = append(out, n.Template)
		}
	}
	return out
}

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	rec *recorder
	t0  time.Time
	// edit changes the ticket's input before the run (e.g. its policy).
	edit func(*workflows.TicketInput)
}

func newHarness(t *testing.T, filed time.Time) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(filed)
	rec := &recorder{failOnce: map[string]bool{}, failMany: map[string]int{}}
	env.RegisterWorkflowWithOptions(workflows.TicketWorkflow, workflow.RegisterOptions{Name: workflows.TicketWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.EscalationWorkflow, workflow.RegisterOptions{Name: workflows.EscalationWorkflowName})
	env.RegisterActivityWithOptions(rec.RecordChange, activity.RegisterOptions{Name: workflows.ActivityRecordChange})
	env.RegisterActivityWithOptions(rec.ResolveLevel, activity.RegisterOptions{Name: workflows.ActivityResolveLevel})
	env.RegisterActivityWithOptions(rec.ReviewEntity, activity.RegisterOptions{Name: workflows.ActivityReviewEntity})
	env.RegisterActivityWithOptions(rec.Notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
	env.RegisterActivityWithOptions(rec.SuggestAssignee, activity.RegisterOptions{Name: workflows.ActivitySuggestAssignee})
	return &harness{t: t, env: env, rec: rec, t0: filed}
}

// outcome of one update sent during the run.
type outcome struct {
	state    workflows.TicketState
	rejected error
	failed   error
	done     bool
}

// update schedules an update at local time when and returns where its outcome lands.
func (h *harness) update(when time.Time, name string, arg any) *outcome {
	o := &outcome{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, name+when.String(), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.rejected = err; o.done = true },
			OnComplete: func(v any, err error) {
				o.done = true
				o.failed = err
				if st, ok := v.(workflows.TicketState); ok {
					o.state = st
				}
			},
		}, arg)
	}, when.Sub(h.t0))
	return o
}

func (h *harness) run() workflows.TicketState {
	h.t.Helper()
	in := input(h.t0)
	if h.edit != nil {
		h.edit(&in)
	}
	h.env.ExecuteWorkflow(workflows.TicketWorkflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	var st workflows.TicketState
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func respond(entity, msg string) workflows.RespondRequest {
	return workflows.RespondRequest{Actor: workflows.Actor{ID: "coord-" + entity, Role: domain.RoleCoordinator, Entity: entity}, Message: msg}
}

func wantErrType(t *testing.T, err error, typ string) {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != typ {
		t.Fatalf("want refusal %q, got %v", typ, err)
	}
}

func sameInstant(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: got %s, want %s", what, got.In(riyadh).Format("Mon 2006-01-02 15:04"), want.Format("Mon 2006-01-02 15:04"))
	}
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
