package activities_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/activities"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+t.TempDir()+"/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := seed.Entities()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertEntities(ctx, es); err != nil {
		t.Fatal(err)
	}
	return s
}

// intake writes the row the API writes before it starts the workflow.
func intake(t *testing.T, s *store.Store, filed time.Time) store.Ticket {
	t.Helper()
	tk, _, _, err := s.CreateTicket(context.Background(), store.Ticket{
		Kind: domain.KindComplaint, Channel: domain.ChannelPortal, Priority: domain.PriorityNormal,
		Status: domain.StatusOpen, Subject: "s", Description: "d", Entity: "KSU", ResponsibleEntity: "KSU",
		BeneficiaryName: "n", BeneficiaryNationalID: "1000000008", BeneficiaryMobile: "+966512345678",
		BeneficiaryType: domain.BeneficiaryStudent, TrackingHash: "00", SLADueAt: filed.Add(time.Hour), CreatedAt: filed,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// An activity whose work committed but whose completion was lost is run again by
// Temporal; the keyed writes make the second run a no-op: one row, one event,
// one message.
func TestRetriedActivitiesLeaveOneRowOneEventOneMessage(t *testing.T) {
	st := openStore(t)
	filed := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC) // Sunday 10:00 Riyadh
	tk := intake(t, st, filed)
	acts := &activities.Activities{Store: st, Notifier: notify.New(st, nil)}

	// The credential behind the withdrawal reaches its timeline line.
	via := workflows.Credential{Kind: workflows.ViaTrackingCode, Caller: "user:alice", Client: "0123456789abcdef"}
	var recordCalls, notifyCalls atomic.Int32
	lostAck := errors.New("completion lost after commit")
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(filed)
	env.RegisterWorkflowWithOptions(workflows.TicketWorkflow, workflow.RegisterOptions{Name: workflows.TicketWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.EscalationWorkflow, workflow.RegisterOptions{Name: workflows.EscalationWorkflowName})
	env.RegisterActivityWithOptions(func(ctx context.Context, ch workflows.Change) error {
		if err := acts.RecordChange(ctx, ch); err != nil {
			return err
		}
		if recordCalls.Add(1) == 1 {
			return lostAck
		}
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityRecordChange})
	env.RegisterActivityWithOptions(func(ctx context.Context, n workflows.Notification) error {
		if err := acts.Notify(ctx, n); err != nil {
			return err
		}
		if notifyCalls.Add(1) == 1 {
			return lostAck
		}
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityNotify})
	env.RegisterActivityWithOptions(acts.ResolveLevel, activity.RegisterOptions{Name: workflows.ActivityResolveLevel})
	env.RegisterActivityWithOptions(acts.ReviewEntity, activity.RegisterOptions{Name: workflows.ActivityReviewEntity})

	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateWithdraw, "w1", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("withdraw rejected: %v", err) },
			OnComplete: func(any, error) {},
		}, workflows.WithdrawRequest{Reason: "done", Via: via})
	}, 30*time.Minute)

	p := sla.Default()
	p.Version = 1
	env.ExecuteWorkflow(workflows.TicketWorkflowName, workflows.TicketInput{
		Number: tk.Number, Kind: tk.Kind, Channel: tk.Channel, Priority: tk.Priority, Subject: "s", Entity: "KSU",
		Beneficiary: workflows.Beneficiary{Name: "n", Mobile: "+966512345678", Type: domain.BeneficiaryStudent},
		FiledBy:     workflows.Actor{ID: "portal", Role: domain.RoleBeneficiary}, FiledAt: filed, Policy: p,
	})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if recordCalls.Load() < 2 || notifyCalls.Load() < 2 {
		t.Fatalf("the failing activities were not retried: record %d notify %d", recordCalls.Load(), notifyCalls.Load())
	}

	ctx := context.Background()
	got, err := st.GetTicket(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusWithdrawn || got.Version < 2 {
		t.Fatalf("row: status %s version %d", got.Status, got.Version)
	}
	events, err := st.Timeline(ctx, tk.Number, false)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if len(events) != 2 || types[0] != workflows.EventCreated || types[1] != workflows.EventWithdrawn {
		t.Fatalf("want exactly [created withdrawn], got %v", types)
	}
	if w := events[1]; w.ActorID != "beneficiary" || w.ActorVia != via.Kind || w.ActorCaller != via.Caller || w.ActorClient != via.Client {
		t.Errorf("withdrawn line traced as %q via %q by %q from %q, want %+v", w.ActorID, w.ActorVia, w.ActorCaller, w.ActorClient, via)
	}
	if c := events[0]; c.ActorVia != "" || c.ActorCaller != "" || c.ActorClient != "" {
		t.Errorf("the filing line carries a credential it was not given: %+v", c)
	}
	msgs, err := st.Outbox(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	var created int
	for _, m := range msgs {
		if m.Template == "created" {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("want one 'created' message, got %d of %d", created, len(msgs))
	}
}

func TestResolveLevelWalksTheHierarchy(t *testing.T) {
	st := openStore(t)
	acts := &activities.Activities{Store: st}
	ctx := context.Background()
	cases := []struct {
		entity string
		role   domain.Role
		want   string
	}{
		{"KSU", domain.RoleCareCenterManager, "KSU"},
		{"KSU", domain.RoleEntityHead, "KSU"},
		{"KSU", domain.RoleSectorOfficial, "UNIV"},
		{"RUH-EDU", domain.RoleSectorOfficial, "GEN-EDU"},
		{"US-ATT", domain.RoleSupervisor, "MOE"},
		{"KSU", domain.RoleMinisterOffice, "MOE"},
	}
	for _, c := range cases {
		h, err := acts.ResolveLevel(ctx, workflows.ResolveLevelInput{Entity: c.entity, Role: c.role})
		if err != nil {
			t.Fatal(err)
		}
		if h.Entity != c.want || h.Role != c.role || h.NameAR == "" {
			t.Errorf("%s/%s: got %+v, want %s", c.entity, c.role, h, c.want)
		}
	}
	if _, err := acts.ResolveLevel(ctx, workflows.ResolveLevelInput{Entity: "NOPE", Role: domain.RoleEntityHead}); err == nil {
		t.Fatal("unknown entity resolved")
	}
	r, err := acts.ReviewEntity(ctx, "KSU")
	if err != nil || r.Entity != "UNIV" {
		t.Fatalf("review of KSU: %+v %v", r, err)
	}
	r, err = acts.ReviewEntity(ctx, "MOE")
	if err != nil || r.Entity != "MOE" {
		t.Fatalf("review of the root: %+v %v", r, err)
	}
}
