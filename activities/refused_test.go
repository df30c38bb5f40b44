package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/activities"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/store/storetest"
	"github.com/tawasul/tawasul/workflows"
)

// openPostgres is openStore on a throwaway PostgreSQL schema.
func openPostgres(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.PostgresDSN(t, "activities_test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// A projection PostgreSQL refuses for good (a NUL in a line: SQLSTATE
// 22021) fails the activity for good with ErrRefusedByDatabase, the type
// the workflow carries on past; an error a retry may cure stays retryable.
func TestRecordChangeRefusedByTheDatabaseFailsForGood(t *testing.T) {
	st := openPostgres(t)
	filed := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	tk := intake(t, st, filed)
	acts := &activities.Activities{Store: st, Notifier: notify.New(st, nil)}
	ch := workflows.Change{
		State: workflows.TicketState{Number: tk.Number, Version: 2, Status: domain.StatusWithdrawn, SLADueAt: filed},
		Events: []workflows.Event{{Seq: 1, Type: workflows.EventWithdrawn, At: filed,
			Actor: workflows.Actor{ID: "beneficiary", Role: domain.RoleBeneficiary}, Public: true, Message: "\x00"}},
	}
	err := acts.RecordChange(context.Background(), ch)
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !ae.NonRetryable() || ae.Type() != workflows.ErrRefusedByDatabase {
		t.Fatalf("want a non-retryable %s, got %v", workflows.ErrRefusedByDatabase, err)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ch.Events[0].Message = "ok"
	if err := acts.RecordChange(cancelled, ch); err == nil || errors.As(err, &ae) {
		t.Fatalf("a cancelled write must stay retryable, got %v", err)
	}
	if err := acts.RecordChange(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
}

// A lookup by a code PostgreSQL cannot compare (a NUL, from a signal that
// bypassed the API) fails for good too: the workflow falls back (the
// ticket's entity holds the level, nobody is suggested) instead of
// retrying without end.
func TestLookupRefusedByTheDatabaseFailsForGood(t *testing.T) {
	st := openPostgres(t)
	acts := &activities.Activities{Store: st, Notifier: notify.New(st, nil)}
	ctx := context.Background()
	_, err := acts.ResolveLevel(ctx, workflows.ResolveLevelInput{Entity: "K\x00SU", Role: domain.RoleEntityHead})
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !ae.NonRetryable() {
		t.Errorf("ResolveLevel: want a non-retryable failure, got %v", err)
	}
	_, err = acts.SuggestAssignee(ctx, workflows.SuggestAssigneeInput{Entity: "K\x00SU"})
	if !errors.As(err, &ae) || !ae.NonRetryable() {
		t.Errorf("SuggestAssignee: want a non-retryable failure, got %v", err)
	}
}
