package auditlog

import (
	"context"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/workflows"
)

var auditor = workflows.Actor{ID: "account:sara", Role: domain.RoleAuditor}

// Browse records the read first, then returns what the query chooses,
// newest first, page by page; it refuses who may not read the log and a
// query that cannot be what it says.
func TestBrowse(t *testing.T) {
	w, st := newWriter(t)
	ctx := context.Background()
	for _, s := range []string{"policy/1", "policy/2", "ticket/2026-000001"} {
		if err := w.Append(ctx, admin, PolicyCreated, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.Browse(ctx, auditor, Query{Action: PolicyCreated, SubjectPrefix: "policy/", Size: 1})
	if err != nil {
		t.Fatalf("Browse: %v", err)
	}
	if len(p.Entries) != 1 || p.Entries[0].Subject != "policy/2" || p.NextCursor == "" {
		t.Fatalf("first page = %+v", p)
	}
	p, err = w.Browse(ctx, auditor, Query{Action: PolicyCreated, SubjectPrefix: "policy/", Size: 1, Cursor: p.NextCursor})
	if err != nil || len(p.Entries) != 1 || p.Entries[0].Subject != "policy/1" {
		t.Fatalf("second page = %+v, %v", p, err)
	}
	es := entries(t, st)
	last := es[len(es)-1]
	if last.Action != AuditRead || last.ActorID != auditor.ID || !strings.Contains(last.Detail, `"cursor"`) {
		t.Errorf("the read was not recorded as it was asked: %+v", last)
	}
	all, err := w.Browse(ctx, auditor, Query{})
	if err != nil || len(all.Entries) != len(es)+1 || all.Entries[0].Action != AuditRead {
		t.Errorf("an unfiltered page should start with its own read: %+v, %v", all, err)
	}

	before := len(entries(t, st))
	coordinator := workflows.Actor{ID: "account:ali", Role: domain.RoleCoordinator}
	if _, err := w.Browse(ctx, coordinator, Query{}); !refused(err, refusal.Forbidden) {
		t.Errorf("a coordinator browsed the log: %v", err)
	}
	for name, q := range map[string]Query{
		"bad cursor":      {Cursor: "x"},
		"empty range":     {From: at, To: at},
		"long action":     {Action: strings.Repeat("a", 65)},
		"page too large":  {Size: 1001},
		"negative cursor": {Cursor: "-3"},
	} {
		if _, err := w.Browse(ctx, auditor, q); !refused(err, refusal.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(entries(t, st)); n != before {
		t.Errorf("refused reads were recorded: %d entries, want %d", n, before)
	}
}

// Verify says whether the chain holds, and that it cannot say without the
// key of a keyed log.
func TestVerify(t *testing.T) {
	w, st := newWriter(t)
	ctx := context.Background()
	st.SetAuditKey([]byte("0123456789abcdef0123456789abcdef"))
	for range 3 {
		if err := w.Append(ctx, admin, PolicyCreated, "policy/1", nil); err != nil {
			t.Fatal(err)
		}
	}
	c, err := w.Verify(ctx, auditor)
	if err != nil || !c.Intact() || c.Checked != 3 || c.Head.ID != 3 {
		t.Fatalf("Verify = %+v, %v; want intact, 3 checked, head 3", c, err)
	}
	st.SetAuditKey(nil)
	if c, err := w.Verify(ctx, auditor); err != nil || !c.Unverifiable || c.Intact() {
		t.Errorf("without the key: %+v, %v; want unverifiable", c, err)
	}
	if _, err := w.Verify(ctx, workflows.Actor{Role: domain.RoleSupervisor}); !refused(err, refusal.Forbidden) {
		t.Errorf("a supervisor verified the log: %v", err)
	}
}

func refused(err error, kind refusal.Kind) bool {
	r, ok := refusal.As(err)
	return ok && r.Kind == kind
}
