package auditlog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

var at = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

var admin = workflows.Actor{ID: "user:admin", Role: domain.RoleAdmin}

func newWriter(t *testing.T) (*Writer, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return New(st, func() time.Time { return at }, nil), st
}

func entries(t *testing.T, st *store.Store) []store.AuditEntry {
	t.Helper()
	es, err := st.ListAudit(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func newAccount(username string) store.NewAccount {
	return store.NewAccount{Username: username, Name: username, Role: domain.RoleAgent, Entity: "", PasswordHash: "x"}
}

func TestAppendRecordsActorActionAndDetail(t *testing.T) {
	w, st := newWriter(t)
	if err := w.Append(context.Background(), admin, HistoryRead, "ticket/2026-000001", map[string]any{"ip": "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	es := entries(t, st)
	if len(es) != 1 {
		t.Fatalf("%d entries, want 1", len(es))
	}
	e := es[0]
	if e.ActorID != "user:admin" || e.ActorRole != string(domain.RoleAdmin) || e.Action != HistoryRead ||
		e.Subject != "ticket/2026-000001" || e.Detail != `{"ip":"192.0.2.1"}` || !e.At.Equal(at) {
		t.Fatalf("entry %+v", e)
	}
}

func TestAppendRefusesAnUnencodableDetail(t *testing.T) {
	w, st := newWriter(t)
	if err := w.Append(context.Background(), admin, HistoryRead, "x", map[string]any{"f": func() {}}); err == nil {
		t.Fatal("a detail that is not JSON was taken")
	}
	if n := len(entries(t, st)); n != 0 {
		t.Fatalf("%d entries after a refused append", n)
	}
}

// The change and its entry commit together: a write that fails leaves no
// entry, one that succeeds leaves exactly one, taken inside its transaction.
func TestAuditedSharesTheWritesTransaction(t *testing.T) {
	w, st := newWriter(t)
	ctx := context.Background()
	create := func(ctx context.Context) error {
		_, err := st.CreateAccount(ctx, newAccount("nora"), at)
		return err
	}
	if err := w.Audited(ctx, admin, AccountCreated, "account/nora", nil, create); err != nil {
		t.Fatal(err)
	}
	es := entries(t, st)
	if len(es) != 1 || es[0].Action != AccountCreated {
		t.Fatalf("entries %+v", es)
	}
	// The store adds what only the write sees: the account's authority.
	if es[0].Detail == "" {
		t.Fatal("the write did not add its detail: the entry was not appended in its transaction")
	}
	// The same username again: the insert fails, and so does its entry.
	err := w.Audited(ctx, admin, AccountCreated, "account/nora", nil, create)
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if n := len(entries(t, st)); n != 1 {
		t.Fatalf("%d entries after a failed write, want 1", n)
	}
}

// A write that does not take part in the audit (no store write at all) still
// gets its entry, appended on its own afterwards.
func TestAuditedAppendsAloneWhenTheWriteDoesNotTakeTheEntry(t *testing.T) {
	w, st := newWriter(t)
	ran := false
	if err := w.Audited(context.Background(), admin, PolicyApplied, "policy/1", nil, func(context.Context) error {
		ran = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, st); !ran || len(es) != 1 || es[0].Action != PolicyApplied {
		t.Fatalf("ran %v, entries %+v", ran, es)
	}
}
