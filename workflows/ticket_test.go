package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
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
	env.RegisterWorkflowWithOptions(workflows.TicketWorkflow, workflow.RegisterOptions{Name: "TicketWorkflow"})
	env.RegisterWorkflowWithOptions(workflows.EscalationWorkflow, workflow.RegisterOptions{Name: "EscalationWorkflow"})
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
	h.env.ExecuteWorkflow("TicketWorkflow", in)
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

// Filed Sunday 10:00 with nobody answering: the ticket climbs every rung to the
// minister's office, each rung starting exactly when the previous one's working
// allowance runs out on the Sunday–Thursday 08:00–15:00 calendar.
func TestFullLadderToMinister(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	// Long after the top rung expired, the beneficiary withdraws so the run ends.
	h.update(at(12, 20, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "no answer"})
	st := h.run()

	wantStart := []time.Time{
		at(11, 23, 10, 0), // first-response SLA (1d) breached: care-center manager
		at(11, 24, 10, 0), // +1d: entity head
		at(11, 25, 10, 0), // +1d: sector deputy minister
		at(11, 29, 10, 0), // +2d (Wed 10–15, Thu, Sun 08–10): general supervisor
		at(12, 1, 10, 0),  // +2d: minister's office
	}
	wantDue := []time.Time{at(11, 24, 10, 0), at(11, 25, 10, 0), at(11, 29, 10, 0), at(12, 1, 10, 0), at(12, 6, 10, 0)}
	wantRole := domain.LadderRoles()
	wantEntity := []string{"KSU", "KSU", "UNIV", "MOE", "MOE"}

	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 5 {
		t.Fatalf("want 5 escalations, got %d: %+v", len(esc), esc)
	}
	for i, e := range esc {
		sameInstant(t, "escalation start", e.At, wantStart[i])
		if e.Level != i+1 || e.Role != wantRole[i] || e.Entity != wantEntity[i] || !e.Public {
			t.Errorf("escalation %d: %+v", i+1, e)
		}
	}
	// The deadline recorded with each escalation is that rung's due time.
	for _, c := range h.rec.changes {
		for _, e := range c.Events {
			if e.Type == workflows.EventEscalated {
				sameInstant(t, "rung deadline", c.State.SLADueAt, wantDue[e.Level-1])
			}
		}
	}
	if top := h.rec.eventsOf(workflows.EventTopReached); len(top) != 1 {
		t.Fatalf("want the top-reached line once, got %+v", top)
	} else {
		sameInstant(t, "top reached", top[0].At, at(12, 6, 10, 0))
	}
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 5 || st.EscalationRole != domain.RoleMinisterOffice {
		t.Fatalf("final state: %+v", st)
	}
	// Each rung's holder was told and reminded once; the beneficiary heard of every escalation.
	off := h.rec.templates("official")
	if count(off, "escalation_assigned") != 5 || count(off, "escalation_reminder") != 5 || count(off, "ticket_assigned") != 1 || len(off) != 11 {
		t.Errorf("want 5 rungs assigned + 5 reminders + the coordinator's assignment, got %v", off)
	}
	if got := count(h.rec.templates("beneficiary"), "escalated"); got != 5 {
		t.Errorf("want 5 escalation messages to the beneficiary, got %d", got)
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

// An answer while level 2 holds the ticket cancels level 2's child and the climb stops.
func TestResponseAtLevelTwoStopsTheClimb(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	ans := h.update(at(11, 24, 11, 0), workflows.UpdateRespond, respond("KSU", "تم إصدار الشهادة"))
	st := h.run()

	if ans.rejected != nil || ans.failed != nil || ans.state.Status != domain.StatusAnswered {
		t.Fatalf("answer: %+v", ans)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 2 {
		t.Fatalf("want exactly 2 escalations before the answer, got %d", n)
	}
	down := h.rec.eventsOf(workflows.EventStoodDown)
	if len(down) != 1 || down[0].Level != 2 {
		t.Fatalf("want level 2 stood down once, got %+v", down)
	}
	// Level 2's reminder would have gone out Tue 13:30; the answer at 11:00 cancelled it.
	for _, n := range h.rec.notes {
		if n.Template == "escalation_reminder" && n.Params["level"] == "2" {
			t.Fatalf("cancelled rung still reminded: %+v", n)
		}
	}
	// No objection: the ticket closes when the 5-day window passes.
	if st.Status != domain.StatusClosed {
		t.Fatalf("want closed, got %s", st.Status)
	}
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 {
		t.Fatalf("closed events: %+v", closed)
	}
	sameInstant(t, "closed at window end", closed[0].At, at(11, 29, 11, 0))
}

func TestObjectionInsideWindowReopensWithNewSLA(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	obj := h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "الرد غير كاف"})
	again := h.update(at(11, 23, 9, 30), workflows.UpdateObject, workflows.ObjectRequest{Reason: "again"})
	rev := h.update(at(11, 24, 9, 0), workflows.UpdateRespond, respond("UNIV", "reviewed"))
	st := h.run()

	if obj.rejected != nil || obj.failed != nil {
		t.Fatalf("objection refused: %+v", obj)
	}
	if obj.state.Status != domain.StatusReopened || obj.state.ResponsibleEntity != "UNIV" || obj.state.Round != 1 {
		t.Fatalf("after objection: %+v", obj.state)
	}
	// Review allowance 3 working days from Monday 09:00: Mon 6h + Tue 7h + Wed 7h + Thu 1h.
	sameInstant(t, "review deadline", obj.state.SLADueAt, at(11, 26, 9, 0))
	wantErrType(t, again.rejected, workflows.ErrAlreadyObjected)
	if rev.state.Status != domain.StatusClosed || st.Status != domain.StatusClosed {
		t.Fatalf("review answer must close the ticket: %+v / %+v", rev.state, st)
	}
	if len(st.Responses) != 2 || st.Responses[1].Round != 1 {
		t.Fatalf("responses: %+v", st.Responses)
	}
}

// The review round has its own SLA and its own ladder, starting above the entity.
func TestReviewEscalatesFromTheSector(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	h.update(at(11, 30, 12, 0), workflows.UpdateRespond, respond("UNIV", "reviewed late"))
	h.run()

	// Review due Thu 26th 09:00 -> the sector official (2d: Thu 6h, Sun 7h, Mon 1h)
	// -> the general supervisor on Mon 30th 09:00, who answers at noon.
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 2 || esc[0].Role != domain.RoleSectorOfficial || esc[0].Entity != "UNIV" ||
		esc[1].Role != domain.RoleSupervisor || esc[1].Entity != "MOE" {
		t.Fatalf("review escalation: %+v", esc)
	}
	sameInstant(t, "review breach", esc[0].At, at(11, 26, 9, 0))
	sameInstant(t, "review level 2", esc[1].At, at(11, 30, 9, 0))
}

func TestObjectionAfterWindowIsRefused(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	// The window (5 x 24h) ends Friday 27th 12:00: an objection at that instant is
	// too late (the window is half-open), and the ticket closes.
	late := h.update(at(11, 27, 12, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "late"})
	st := h.run()
	if st.Status != domain.StatusClosed {
		t.Fatalf("want closed, got %+v", st)
	}
	if !late.done {
		t.Fatal("the late objection got no answer")
	}
	wantErrType(t, late.rejected, workflows.ErrObjectionWindowClosed)
}

func TestObjectionBeforeAnswerAndAfterWithdrawalRefused(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	early := h.update(at(11, 22, 11, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "early"})
	emptyAnswer := h.update(at(11, 22, 11, 30), workflows.UpdateRespond, respond("KSU", ""))
	w := h.update(at(11, 22, 12, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "solved"})
	st := h.run()
	wantErrType(t, early.rejected, workflows.ErrNothingToObject)
	wantErrType(t, emptyAnswer.rejected, workflows.ErrInvalidMessage)
	if w.state.Status != domain.StatusWithdrawn || st.Status != domain.StatusWithdrawn || st.ClosedAt == nil {
		t.Fatalf("withdrawal: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Fatalf("withdrawn before the SLA yet escalated %d times", n)
	}
	if got := h.rec.templates("beneficiary"); count(got, "withdrawn") != 1 || count(got, "created") != 1 {
		t.Fatalf("beneficiary messages: %v", got)
	}
}

func TestWithdrawalDuringEscalationCancelsTheRung(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 23, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if st.Status != domain.StatusWithdrawn {
		t.Fatalf("status %s", st.Status)
	}
	if down := h.rec.eventsOf(workflows.EventStoodDown); len(down) != 1 || down[0].Level != 1 {
		t.Fatalf("stood down: %+v", down)
	}
}

// Signals take the same path as updates (for fire-and-forget integrations).
func TestRespondBySignal(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateRespond, respond("KSU", "by signal"))
	}, time.Hour)
	st := h.run()
	if st.Status != domain.StatusClosed || len(st.Responses) != 1 || st.Responses[0].Message != "by signal" {
		t.Fatalf("signal response: %+v", st)
	}
}

// Signals of several kinds, one kind twice, are each handled once by the
// one listener: both notes, the answer, then the withdrawal.
func TestSignalsOfSeveralKinds(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "first"})
		h.env.SignalWorkflow(workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "second"})
		h.env.SignalWorkflow(workflows.UpdateRespond, respond("KSU", "by signal"))
		h.env.SignalWorkflow(workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "too late"})
	}, time.Hour)
	st := h.run()
	if len(st.Responses) != 1 || st.Status != domain.StatusWithdrawn {
		t.Fatalf("after the signals: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventNote)); n != 2 {
		t.Fatalf("want both notes, got %d", n)
	}
}

// The read-model projection always moves forward: every projection carries a
// distinct version (activities may run concurrently, so arrival order is not
// version order; the store keeps the highest), the highest carries the final
// state, and sequence numbers are unique and gapless.
func TestProjectionVersionsAndSequence(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 23, 12, 0), workflows.UpdateRespond, respond("KSU", "ok"))
	final := h.run()
	versions := map[int64]bool{}
	for _, c := range h.rec.changes {
		if versions[c.State.Version] {
			t.Fatalf("version %d projected twice", c.State.Version)
		}
		versions[c.State.Version] = true
	}
	seqs := map[int]bool{}
	for _, e := range h.rec.events() {
		if seqs[e.Seq] {
			t.Fatalf("seq %d recorded twice", e.Seq)
		}
		seqs[e.Seq] = true
	}
	for i := 1; i <= len(seqs); i++ {
		if !seqs[i] {
			t.Fatalf("seq %d missing from %v", i, seqs)
		}
	}
	if st := h.rec.last(); st.Status != domain.StatusClosed || st.Version != final.Version || st.Seq != len(seqs) {
		t.Fatalf("highest projection %+v, final %+v", st, final)
	}
}

// A failing activity is retried by Temporal and the workflow carries on.
func TestActivityFailureIsRetried(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.failOnce[workflows.ActivityRecordChange] = true
	h.update(at(11, 22, 11, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if st.Status != domain.StatusWithdrawn || len(h.rec.eventsOf(workflows.EventCreated)) != 1 {
		t.Fatalf("after retry: %+v, events %+v", st, h.rec.events())
	}
}

// A database outage of minutes while the sector's rung is looked up and
// recorded delays the escalation; it neither fails the lookup (which would
// hand the rung to the ticket's own entity) nor the ticket. Local activities
// stop retrying after their schedule-to-close timeout, which the SDK sets to
// the start-to-close one unless told otherwise.
func TestLongOutageDelaysTheEscalation(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		// Backing off 1, 2, 4 … 60 s: some seven minutes of failures each.
		h.rec.failMany[workflows.ActivityResolveLevel] = 12
		h.rec.failMany[workflows.ActivityRecordChange] = 12
	}, at(11, 25, 9, 0).Sub(h.t0))
	h.update(at(12, 20, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "no answer"})
	st := h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 5 || esc[2].Entity != "UNIV" || esc[2].Level != 3 {
		t.Fatalf("escalations after the outage: %+v", esc)
	}
	if late := esc[2].At.Sub(at(11, 25, 10, 0)); late < 5*time.Minute || late > 10*time.Minute {
		t.Errorf("the sector's rung started %v after its time, want the outage's length", late)
	}
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 5 {
		t.Fatalf("final state: %+v", st)
	}
}

// A ticket whose history grows too long (here: Temporal suggests it while level
// 2 holds the ticket, as a flood of signals would) continues as new; the next
// run resumes the running rung with the same deadline and carries on.
func TestContinueAsNewResumesTheRunningRung(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.RegisterDelayedCallback(func() {
		h.env.SetContinueAsNewSuggested(true)
		// A refused signal wakes the workflow, like any of a flood would.
		h.env.SignalWorkflow(workflows.UpdateObject, workflows.ObjectRequest{Reason: "spam"})
	}, at(11, 24, 12, 0).Sub(h.t0))
	in := input(h.t0)
	if h.edit != nil {
		h.edit(&in)
	}
	h.env.ExecuteWorkflow("TicketWorkflow", in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.TicketInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	r := next.Resume
	if r == nil || r.Rung == nil || r.Rung.Level != 2 || r.State.EscalationLevel != 2 || !r.Breached {
		t.Fatalf("resume: %+v", r)
	}
	sameInstant(t, "resumed rung deadline", r.Rung.DueAt, at(11, 25, 10, 0))
	seqBefore := r.State.Seq

	// The next run: level 2's deadline passes, level 3 takes over, then an answer.
	h2 := newHarness(t, at(11, 24, 12, 0))
	ans := h2.update(at(11, 26, 9, 0), workflows.UpdateRespond, respond("KSU", "late but done"))
	h2.env.ExecuteWorkflow("TicketWorkflow", next)
	if err := h2.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if ans.rejected != nil || ans.state.Status != domain.StatusAnswered {
		t.Fatalf("answer after resume: %+v", ans)
	}
	esc := h2.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 1 || esc[0].Level != 3 {
		t.Fatalf("after resume want exactly level 3, got %+v", esc)
	}
	sameInstant(t, "level 3 start", esc[0].At, at(11, 25, 10, 0))
	if created := h2.rec.eventsOf(workflows.EventCreated); len(created) != 0 {
		t.Fatalf("resumed run re-created the ticket: %+v", created)
	}
	if first := h2.rec.events()[0]; first.Seq != seqBefore+1 {
		t.Fatalf("sequence restarted: first seq %d after %d", first.Seq, seqBefore)
	}
	// Level 2's holder is re-notified under the same key (the outbox keeps one).
	keys := map[string]int{}
	for _, n := range append(h.rec.notes, h2.rec.notes...) {
		if n.Template == "escalation_assigned" && n.Params["level"] == "2" {
			keys[n.Key]++
		}
	}
	if len(keys) != 1 {
		t.Fatalf("level 2 assignment keys: %v", keys)
	}
}

// A withdrawal that arrives while the objection's reviewer is still being looked
// up wins: the ticket ends withdrawn, never reopened behind the beneficiary's back.
func TestWithdrawalDuringObjectionSetupWins(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityReviewEntity, mock.Anything, mock.Anything).
		Return(workflows.LevelHolder{Entity: "UNIV", NameEN: "Universities"}, nil).After(time.Hour)
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	obj := h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	again := h.update(at(11, 23, 9, 10), workflows.UpdateObject, workflows.ObjectRequest{Reason: "twice"})
	w := h.update(at(11, 23, 9, 30), workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "never mind"})
	st := h.run()
	wantErrType(t, again.rejected, workflows.ErrAlreadyObjected)
	if w.rejected != nil || obj.rejected != nil {
		t.Fatalf("objection %v / withdrawal %v refused", obj.rejected, w.rejected)
	}
	if st.Status != domain.StatusWithdrawn || st.ResponsibleEntity != "KSU" {
		t.Fatalf("final: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventReopened)); n != 0 {
		t.Fatalf("reopened after the withdrawal: %d", n)
	}
}

// An answer and an objection that land while the escalation's holder is being
// looked up leave the review alone: no rung of the old round starts, and the
// review keeps its own deadline.
func TestEscalationGoesStaleWhenAnsweredMeanwhile(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityResolveLevel, mock.Anything, mock.Anything).
		Return(workflows.LevelHolder{Role: domain.RoleCareCenterManager, Entity: "KSU"}, nil).After(time.Hour)
	h.update(at(11, 23, 10, 10), workflows.UpdateRespond, respond("KSU", "answered during the lookup"))
	obj := h.update(at(11, 23, 10, 20), workflows.UpdateObject, workflows.ObjectRequest{Reason: "no"})
	self := h.update(at(11, 23, 10, 30), workflows.UpdateRespond, respond("KSU", "closing my own review"))
	h.update(at(11, 24, 9, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if obj.rejected != nil || obj.state.Round != 1 {
		t.Fatalf("objection: %+v", obj)
	}
	wantErrType(t, self.rejected, workflows.ErrNotResponsible)
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Fatalf("a stale escalation was recorded %d times", n)
	}
	for _, n := range h.rec.notes {
		if n.Template == "escalation_assigned" {
			t.Fatalf("a stale rung started: %+v", n)
		}
	}
	sameInstant(t, "review deadline kept", obj.state.SLADueAt, at(11, 26, 10, 20))
	if st.Status != domain.StatusWithdrawn || st.EscalationLevel != 0 {
		t.Fatalf("final: %+v", st)
	}
}

// A withdrawal sent as a signal is projected before the workflow completes,
// even when the projection is slow.
func TestSignalHandlerFinishesBeforeCompletion(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.env.OnActivity(workflows.ActivityRecordChange, mock.Anything, mock.Anything).
		Return(func(ctx context.Context, ch workflows.Change) error { return h.rec.RecordChange(ctx, ch) }).
		After(10 * time.Minute)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.UpdateWithdraw, workflows.WithdrawRequest{Reason: "by signal"})
	}, time.Hour)
	st := h.run()
	if st.Status != domain.StatusWithdrawn {
		t.Fatalf("status %s", st.Status)
	}
	if last := h.rec.last(); last.Status != domain.StatusWithdrawn || last.Version != st.Version {
		t.Fatalf("read model left at %s v%d, workflow ended at v%d", last.Status, last.Version, st.Version)
	}
}

// newerPolicy is testPolicy with complaints/normal at 2 days and the entity
// head's rung at 2 days, as version 8.
func newerPolicy() sla.Policy {
	p := testPolicy()
	p.Version = 8
	for i := range p.Responses {
		if p.Responses[i].Kind == domain.KindComplaint && p.Responses[i].Priority == domain.PriorityNormal {
			p.Responses[i].Allowance = sla.MustParseAllowance("2d")
		}
	}
	p.Ladder[1].Allowance = sla.MustParseAllowance("2d")
	return p
}

func (h *harness) applyPolicy(when time.Time, p sla.Policy) {
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.SignalApplyPolicy, workflows.ApplyPolicyRequest{
			Policy: p, By: workflows.Actor{ID: "admin", Role: domain.RoleAdmin}})
	}, when.Sub(h.t0))
}

// A newer policy reaches a ticket still waiting for its first answer: the
// deadline is recomputed from filing under the new allowance.
func TestApplyPolicyBeforeTheBreach(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.applyPolicy(at(11, 22, 12, 0), newerPolicy())
	h.update(at(11, 25, 9, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) == 0 {
		t.Fatal("no escalation")
	}
	// Filed Sunday 10:00 + 2 working days: Tuesday 10:00 (not Monday, as under v7).
	sameInstant(t, "first escalation", esc[0].At, at(11, 24, 10, 0))
	if st.PolicyVersion != 8 || len(h.rec.eventsOf(workflows.EventPolicy)) != 1 {
		t.Fatalf("policy not recorded: v%d, events %+v", st.PolicyVersion, h.rec.eventsOf(workflows.EventPolicy))
	}
}

// A ticket already at level 2 keeps its rung but gets the rung's new allowance,
// counted from when the rung began; an older version sent later is ignored.
func TestApplyPolicyAtLevelTwo(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	// Level 2 (entity head) starts Tue 24th 10:00, due Wed 10:00 under v7.
	h.applyPolicy(at(11, 24, 12, 0), newerPolicy())
	old := testPolicy()
	old.Version = 7
	h.applyPolicy(at(11, 24, 13, 0), old)
	h.update(at(11, 26, 12, 0), workflows.UpdateRespond, respond("KSU", "done"))
	h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 3 {
		t.Fatalf("want levels 1-3, got %+v", esc)
	}
	// Under v8 level 2 has 2 days from Tue 10:00: level 3 starts Thu 26th 10:00, not Wed.
	sameInstant(t, "level 3 start", esc[2].At, at(11, 26, 10, 0))
	if n := len(h.rec.eventsOf(workflows.EventPolicy)); n != 1 {
		t.Fatalf("want one policy switch (the older version ignored), got %d", n)
	}
	// Level 2's holder was told once: the restarted rung reuses the key.
	keys := map[string]bool{}
	for _, n := range h.rec.notes {
		if n.Template == "escalation_assigned" && n.Params["level"] == "2" {
			keys[n.Key] = true
		}
	}
	if len(keys) != 1 {
		t.Fatalf("level 2 assignment keys: %v", keys)
	}
}

// An answered ticket gets the new objection window, counted from the answer.
func TestApplyPolicyMovesTheObjectionWindow(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	p := newerPolicy()
	p.ObjectionWindow = sla.MustParseAllowance("2d")
	h.applyPolicy(at(11, 23, 9, 0), p)
	st := h.run()
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 || st.Status != domain.StatusClosed {
		t.Fatalf("closed: %+v", closed)
	}
	sameInstant(t, "closed at the new window's end", closed[0].At, at(11, 24, 12, 0))
}

// The beneficiary's language rides on each of their messages; officials'
// messages carry none (they read Arabic then English).
func TestBeneficiaryMessagesCarryTheLanguage(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.edit = func(in *workflows.TicketInput) { in.Beneficiary.Language = "en" }
	h.update(at(11, 24, 11, 0), workflows.UpdateRespond, respond("KSU", "تم إصدار الشهادة"))
	h.run()
	var beneficiary, official int
	for _, n := range h.rec.notes {
		switch n.Audience {
		case "beneficiary":
			beneficiary++
			if n.Language != "en" {
				t.Errorf("%s to the beneficiary has language %q", n.Template, n.Language)
			}
		case "official":
			official++
			if n.Language != "" {
				t.Errorf("%s to an official has language %q", n.Template, n.Language)
			}
		}
	}
	if beneficiary == 0 || official == 0 {
		t.Fatalf("%d beneficiary and %d official messages", beneficiary, official)
	}
}
