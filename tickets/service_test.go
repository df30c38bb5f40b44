package tickets

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// fakeTemporal records starts and updates and answers with what a test set.
type fakeTemporal struct {
	mu       sync.Mutex
	starts   []string
	updates  []client.UpdateWorkflowOptions
	startErr error
	// update answers an update; nil blocks until the caller's deadline.
	update func(client.UpdateWorkflowOptions) (workflows.TicketState, error)
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.starts = append(f.starts, o.ID)
	return nil, nil
}

func (f *fakeTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	f.updates = append(f.updates, o)
	answer := f.update
	f.mu.Unlock()
	if answer == nil {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	st, err := answer(o)
	if err != nil {
		return nil, err
	}
	return handle{st}, nil
}

func (f *fakeTemporal) GetWorkflowExecutionHistory(context.Context, *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	return nil, errors.New("fake: no history")
}

func (f *fakeTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, serviceerror.NewNotFound("fake: no such workflow")
}

type handle struct{ st workflows.TicketState }

func (h handle) WorkflowID() string { return "" }
func (h handle) RunID() string      { return "" }
func (h handle) UpdateID() string   { return "" }
func (h handle) Get(_ context.Context, out any) error {
	*out.(*workflows.TicketState) = h.st
	return nil
}

type fixture struct {
	svc   *Service
	store *store.Store
	tc    *fakeTemporal
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+t.TempDir()+"/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEntities(ctx, []store.Entity{
		{Code: "MOE", NameAR: "وزارة التعليم", NameEN: "Ministry of Education", Kind: domain.EntityMinistry},
		{Code: "KSU", NameAR: "جامعة الملك سعود", NameEN: "King Saud University", Kind: domain.EntityPublicUniversity, Parent: "MOE"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsurePolicy(ctx, sla.Default()); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC) }
	tc := &fakeTemporal{}
	svc, err := New(Options{Store: st, Temporal: tc, Entities: entities.NewCache(st.ListEntities, 0, now),
		Keys: trackcode.NewKeys([]byte("secret")), Now: now, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, store: st, tc: tc}
}

func form() Form {
	return Form{Kind: "complaint", Channel: "portal", Subject: " تأخر صرف المكافأة ", Description: "لم تصرف",
		Entity: "KSU", Beneficiary: &BeneficiaryForm{Name: "سارة", NationalID: "1087654321", Mobile: "0501234567", Type: "student"}}
}

func (f fixture) file(t *testing.T, key string) Filed {
	t.Helper()
	in, err := f.svc.Check(context.Background(), form(), Filer{Actor: BeneficiaryActor})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	filed, err := f.svc.File(context.Background(), Filing{Intake: in, By: Filer{Actor: BeneficiaryActor}, Key: key})
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	return filed
}

func TestCheckNamesEveryFieldAtFault(t *testing.T) {
	f := newFixture(t)
	bad := form()
	bad.Kind, bad.Subject, bad.Entity = "gripe", "", "NOPE"
	bad.Beneficiary.Mobile = "12"
	_, err := f.svc.Check(context.Background(), bad, Filer{Actor: BeneficiaryActor})
	r, ok := refusal.As(err)
	if !ok || r.Kind != refusal.Invalid {
		t.Fatalf("err = %v, want an Invalid refusal", err)
	}
	got := map[string]string{}
	for _, fe := range r.Fields {
		got[fe.Name] = fe.Code
	}
	want := map[string]string{"kind": refusal.FieldInvalidValue, "subject": refusal.FieldRequired,
		"entity": refusal.FieldUnknownEntity, "beneficiary.mobile": refusal.FieldInvalidMobile}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	// A staffed channel from the public is forbidden outright.
	staffed := form()
	staffed.Channel = "call_center"
	if _, err := f.svc.Check(context.Background(), staffed, Filer{Actor: BeneficiaryActor}); !refusal.Is(err, refusal.CodeForbidden) {
		t.Fatalf("call_center by the public: %v", err)
	}
}

func TestFileWithAKeyIsOneTicket(t *testing.T) {
	f := newFixture(t)
	first := f.file(t, "key-1")
	again := f.file(t, "key-1")
	if again.Ticket.Number != first.Ticket.Number || again.TrackingCode != first.TrackingCode || !again.Replayed || first.Replayed {
		t.Fatalf("retry: %+v after %+v", again, first)
	}
	if len(f.tc.starts) != 1 {
		t.Fatalf("workflow starts = %d, want 1", len(f.tc.starts))
	}
	// The same key with another body is refused, not answered with the first ticket.
	other := form()
	other.Subject = "موضوع آخر"
	in, err := f.svc.Check(context.Background(), other, Filer{Actor: BeneficiaryActor})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.File(context.Background(), Filing{Intake: in, By: Filer{Actor: BeneficiaryActor}, Key: "key-1"})
	if !refusal.Is(err, refusal.CodeIdempotencyReused) {
		t.Fatalf("reused key: %v", err)
	}
}

func TestFileSurvivesTemporalDownAndStartPendingFinishes(t *testing.T) {
	f := newFixture(t)
	f.tc.startErr = serviceerror.NewUnavailable("down")
	filed := f.file(t, "")
	if filed.Ticket.WorkflowStarted {
		t.Fatal("marked started while Temporal is down")
	}
	// Later than the loop's 10 s grace: the row is pending.
	f.svc.now = func() time.Time { return time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC) }
	if n, err := f.svc.StartPending(context.Background()); err == nil || n != 0 {
		t.Fatalf("StartPending while down = %d, %v; want 0 and an error", n, err)
	}
	f.tc.startErr = nil
	if n, err := f.svc.StartPending(context.Background()); err != nil || n != 1 {
		t.Fatalf("StartPending = %d, %v; want 1", n, err)
	}
	row, err := f.svc.Get(context.Background(), filed.Ticket.Number)
	if err != nil || !row.WorkflowStarted {
		t.Fatalf("row after StartPending: %+v, %v", row, err)
	}
}

func TestTrackedFindsOnlyWithTheCode(t *testing.T) {
	f := newFixture(t)
	filed := f.file(t, "")
	ctx := context.Background()
	typed := strings.ToLower(filed.TrackingCode[:4]) + "-" + filed.TrackingCode[4:]
	if got, err := f.svc.Tracked(ctx, filed.Ticket.Number, typed); err != nil || got.Number != filed.Ticket.Number {
		t.Fatalf("tracked with the code as typed: %v", err)
	}
	for name, try := range map[string][2]string{
		"wrong code":     {filed.Ticket.Number, "AAAAAAAAAAAA"},
		"unknown number": {"2026-999999", filed.TrackingCode},
		"not a number":   {"../etc", filed.TrackingCode},
	} {
		if _, err := f.svc.Tracked(ctx, try[0], try[1]); !refusal.Is(err, refusal.CodeNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
}

func TestActionsNameTheirUpdate(t *testing.T) {
	f := newFixture(t)
	filed := f.file(t, "")
	coord := workflows.Actor{ID: "coord-1", Role: domain.RoleCoordinator, Entity: "KSU"}
	f.tc.update = func(o client.UpdateWorkflowOptions) (workflows.TicketState, error) {
		return workflows.TicketState{Number: filed.Ticket.Number}, nil
	}
	if _, err := f.svc.Respond(context.Background(), filed.Ticket, "k1", workflows.RespondRequest{Actor: coord, Message: "تم"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Object(context.Background(), filed.Ticket, "k1", workflows.ObjectRequest{Reason: "لا"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Claim(context.Background(), filed.Ticket, "", coord); err != nil {
		t.Fatal(err)
	}
	u := f.tc.updates
	if len(u) != 3 {
		t.Fatalf("updates = %d", len(u))
	}
	if !strings.HasPrefix(u[0].UpdateID, workflows.UpdateRespond+"/coord-1/") || u[0].WorkflowID != workflows.TicketWorkflowID(filed.Ticket.Number) {
		t.Errorf("respond: id %q on %q", u[0].UpdateID, u[0].WorkflowID)
	}
	if !strings.HasPrefix(u[1].UpdateID, workflows.UpdateObject+"/beneficiary/") {
		t.Errorf("object: id %q", u[1].UpdateID)
	}
	claim, ok := u[2].Args[0].(workflows.AssignRequest)
	if u[2].UpdateName != workflows.UpdateAssign || !ok || claim.To.ID != "coord-1" || strings.HasSuffix(u[2].UpdateID, "/") {
		t.Errorf("claim: %q %+v (id %q)", u[2].UpdateName, u[2].Args, u[2].UpdateID)
	}
}

func TestUpdateFailuresBecomeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		kind refusal.Kind
		code string
	}{
		{"closed", temporal.NewApplicationError("closed", workflows.ErrTicketClosed), refusal.Conflict, workflows.ErrTicketClosed},
		{"too soon", temporal.NewApplicationError("soon", workflows.ErrMeetingTooSoon), refusal.Invalid, workflows.ErrMeetingTooSoon},
		{"not responsible", temporal.NewApplicationError("no", workflows.ErrNotResponsible), refusal.Forbidden, workflows.ErrNotResponsible},
		{"busy", temporal.NewApplicationError("busy", workflows.ErrBusy), refusal.Busy, workflows.ErrBusy},
		{"unknown type", temporal.NewApplicationError("?", "something_new"), refusal.Conflict, refusal.CodeActionRefused},
		{"finished", serviceerror.NewNotFound("gone"), refusal.Conflict, workflows.ErrTicketClosed},
		{"down", serviceerror.NewUnavailable("down"), refusal.Busy, refusal.CodeTemporalUnavailable},
		{"no worker", nil, refusal.Busy, refusal.CodeActionNotConfirmed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			filed := f.file(t, "")
			if tc.err != nil {
				f.tc.update = func(client.UpdateWorkflowOptions) (workflows.TicketState, error) {
					return workflows.TicketState{}, tc.err
				}
			}
			_, err := f.svc.Respond(context.Background(), filed.Ticket, "", workflows.RespondRequest{Message: "x"})
			r, ok := refusal.As(err)
			if !ok || r.Kind != tc.kind || r.Code != tc.code {
				t.Fatalf("err = %v, want %s %s", err, tc.kind, tc.code)
			}
		})
	}
}

// An action's Idempotency-Key is bound to its request: a retry is the same
// update (whatever credential it comes through), another request under the
// key is refused before Temporal, a retry after a failed send goes through
// with the same id, and a key reused after its purge is a fresh update.
func TestActionKeyIsBoundToItsRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	filed := f.file(t, "")
	coord := workflows.Actor{ID: "coord-1", Role: domain.RoleCoordinator, Entity: "KSU",
		Via: workflows.Credential{Kind: workflows.ViaSession, Caller: "session:1"}}
	down := true
	f.tc.update = func(o client.UpdateWorkflowOptions) (workflows.TicketState, error) {
		if down {
			return workflows.TicketState{}, serviceerror.NewUnavailable("down")
		}
		return workflows.TicketState{Number: filed.Ticket.Number}, nil
	}
	respond := func(key, msg string, by workflows.Actor) error {
		_, err := f.svc.Respond(ctx, filed.Ticket, key, workflows.RespondRequest{Actor: by, Message: msg})
		return err
	}
	lastID := func() string { return f.tc.updates[len(f.tc.updates)-1].UpdateID }
	refused := func(what string, err error) {
		t.Helper()
		if r, ok := refusal.As(err); !ok || r.Kind != refusal.Invalid || r.Code != refusal.CodeIdempotencyReused {
			t.Errorf("%s: err = %v, want %s", what, err, refusal.CodeIdempotencyReused)
		}
	}

	// The key is claimed, then the send fails: the retry is the same update.
	if err := respond("k1", "تم", coord); err == nil {
		t.Fatal("the send did not fail")
	}
	first := lastID()
	down = false
	if err := respond("k1", "تم", coord); err != nil {
		t.Fatalf("retry after a failed send: %v", err)
	}
	if lastID() != first {
		t.Errorf("retry id %q != %q", lastID(), first)
	}
	// Through another session, the same request is still the same update.
	other := coord
	other.Via.Caller = "session:2"
	if err := respond("k1", "تم", other); err != nil || lastID() != first {
		t.Errorf("retry through another session: %v, id %q", err, lastID())
	}
	if strings.Contains(first, "k1") {
		t.Errorf("the client's key is in the update id %q", first)
	}

	sent := len(f.tc.updates)
	refused("another message", respond("k1", "تم الصرف", coord))
	_, err := f.svc.Note(ctx, filed.Ticket, "k1", workflows.NoteRequest{Actor: coord, Message: "تم"})
	refused("another action", err)
	if len(f.tc.updates) != sent {
		t.Errorf("a refused key reached Temporal")
	}
	// The key is the actor's: another person's k1 is their own.
	if err := respond("k1", "تم الصرف", workflows.Actor{ID: "coord-2", Role: domain.RoleCoordinator, Entity: "KSU"}); err != nil {
		t.Errorf("another actor's key: %v", err)
	}
	// Without a key, every request is a fresh update.
	_ = respond("", "تم", coord)
	a := lastID()
	_ = respond("", "تم", coord)
	if a == lastID() {
		t.Errorf("two keyless requests share the update id %q", a)
	}

	// Past the retention the key is free again, and another request under it
	// is a new update, never the first one's answer.
	if _, err := f.store.PurgeActionKeys(ctx, f.svc.now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := respond("k1", "تم الصرف", coord); err != nil {
		t.Fatalf("after the purge: %v", err)
	}
	if lastID() == first {
		t.Errorf("a purged key's new request reused the first update id %q", first)
	}
}
