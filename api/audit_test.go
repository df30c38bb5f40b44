package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// auditLog returns every audit entry and checks the chain is intact.
func (f *fixture) auditLog() []store.AuditEntry {
	f.t.Helper()
	ctx := context.Background()
	es, err := f.store.ListAudit(ctx, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	if rep, err := f.store.VerifyAudit(ctx, nil); err != nil || rep.Broken != 0 || rep.Checked != len(es) {
		f.t.Fatalf("VerifyAudit = %+v, %v; want %d intact", rep, err, len(es))
	}
	return es
}

func expectAudit(t *testing.T, e store.AuditEntry, actor, role, action, subject string, detail map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(e.Detail), &got); err != nil {
		t.Fatalf("detail %q: %v", e.Detail, err)
	}
	want, _ := json.Marshal(detail)
	var wantMap map[string]any
	_ = json.Unmarshal(want, &wantMap)
	if e.ActorID != actor || e.ActorRole != role || e.Action != action || e.Subject != subject {
		t.Fatalf("audit entry %+v; want %s/%s %s %s", e, actor, role, action, subject)
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(wantMap)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("audit detail %s; want %s", gotJSON, wantJSON)
	}
}

// breakAudit makes every audit append fail from now on (a trigger refuses inserts).
func (f *fixture) breakAudit() {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END`); err != nil {
		f.t.Fatal(err)
	}
}

func TestAuditPolicyCreated(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/policies/current", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	var cur map[string]any
	r.json(&cur)
	cur["reason"] = "  تمديد مهلة الاعتراض\u200f "
	f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: cur}).expect(http.StatusCreated)
	es := f.auditLog()
	if len(es) != 1 {
		t.Fatalf("audit log %+v", es)
	}
	// The reason as stored: normalized.
	expectAudit(t, es[0], "admin", "admin", "policy.created", "policy/2", map[string]any{"reason": "تمديد مهلة الاعتراض"})
	if !es[0].At.Equal(f.clock.Now()) {
		t.Errorf("at %v; want %v", es[0].At, f.clock.Now())
	}

	// A refused policy is not audited.
	f.do(req{offContract: true, method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: `{"colour":"red"}`}).
		expectProblem(http.StatusBadRequest, codeUnknownField)
	if es := f.auditLog(); len(es) != 1 {
		t.Fatalf("refused policy audited: %+v", es)
	}

	// No audit, no change: the version and its entry commit together.
	before, err := f.store.CurrentPolicy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.breakAudit()
	f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: cur}).
		expectProblem(http.StatusInternalServerError, codeInternal)
	if after, err := f.store.CurrentPolicy(t.Context()); err != nil || after.Version != before.Version {
		t.Fatalf("a policy was saved without its audit entry: v%d -> v%d (%v)", before.Version, after.Version, err)
	}
}

func TestAuditEntitiesImported(t *testing.T) {
	f := newFixture(t)
	good := "code,name_ar,name_en,kind,parent\nNEWC,كلية جديدة,New College,private_university,SEC-UNI\n"
	csv := map[string]string{"Content-Type": "text/csv"}
	f.do(req{method: "POST", path: "/api/v1/entities/import", token: testTokens["admin"], body: good, headers: csv}).
		expect(http.StatusOK)
	es := f.auditLog()
	if len(es) != 1 {
		t.Fatalf("audit log %+v", es)
	}
	newc := map[string]any{"code": "NEWC", "name_ar": "كلية جديدة", "name_en": "New College", "kind": "private_university", "parent": "SEC-UNI"}
	expectAudit(t, es[0], "admin", "admin", "entities.imported", "entities", map[string]any{"count": 1,
		"changes": []any{map[string]any{"code": "NEWC", "before": nil, "after": newc}}})

	// Re-parenting KSU moves its tickets from one sector official's view to
	// another's: the entry says so, entity by entity; KSU's unchanged
	// neighbour, imported again as it was, is not listed.
	moved := "code,name_ar,name_en,kind,parent\n" +
		"KSU,جامعة الملك سعود,King Saud University,public_university,SEC-EDU\n" +
		"UQU,جامعة أم القرى,Umm Al-Qura University,public_university,SEC-UNI\n"
	f.do(req{method: "POST", path: "/api/v1/entities/import", token: testTokens["admin"], body: moved, headers: csv}).
		expect(http.StatusOK)
	es = f.auditLog()
	ksu := map[string]any{"code": "KSU", "name_ar": "جامعة الملك سعود", "name_en": "King Saud University", "kind": "public_university", "parent": "SEC-UNI"}
	ksuMoved := maps.Clone(ksu)
	ksuMoved["parent"] = "SEC-EDU"
	expectAudit(t, es[1], "admin", "admin", "entities.imported", "entities", map[string]any{"count": 2,
		"changes": []any{map[string]any{"code": "KSU", "before": ksu, "after": ksuMoved}}})

	f.breakAudit()
	other := "code,name_ar,name_en,kind,parent\nOTHR,كلية أخرى,Other College,private_university,SEC-UNI\n"
	f.do(req{method: "POST", path: "/api/v1/entities/import", token: testTokens["admin"], body: other, headers: csv}).
		expectProblem(http.StatusInternalServerError, codeInternal)
	if _, err := f.store.GetEntity(t.Context(), "OTHR"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("entities imported without their audit entry: %v", err)
	}
}

func TestAuditHistoryRead(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	parent := workflows.TicketWorkflowID(c.Number)
	f.tc.history = func(*workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
		return &workflowservice.GetWorkflowExecutionHistoryResponse{
			History: &historypb.History{Events: []*historypb.HistoryEvent{{EventId: 1}}},
		}, nil
	}
	base := "/api/v1/tickets/" + c.Number + "/history"

	f.do(req{method: "GET", path: base, token: testTokens["auditor"]}).expect(http.StatusOK)
	es := f.auditLog()
	if len(es) != 1 {
		t.Fatalf("audit log %+v", es)
	}
	expectAudit(t, es[0], "auditor", "auditor", "history.read", "ticket/"+c.Number,
		map[string]any{"workflow_id": parent, "events": 1})

	// Admins and supervisors reading history are not audited (only auditors' reads are).
	f.do(req{method: "GET", path: base, token: testTokens["admin"]}).expect(http.StatusOK)
	// A refused read is not audited.
	f.do(req{offContract: true, method: "GET", path: base + "?page_size=0", token: testTokens["auditor"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if es := f.auditLog(); len(es) != 1 {
		t.Fatalf("audit log %+v", es)
	}

	// No record, no history.
	f.breakAudit()
	r := f.do(req{method: "GET", path: base, token: testTokens["auditor"]})
	r.expectProblem(http.StatusInternalServerError, codeInternal)
	if strings.Contains(r.Body.String(), "events") {
		t.Errorf("history shown without an audit entry: %s", r.Body.String())
	}
}
