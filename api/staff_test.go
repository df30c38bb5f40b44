package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

type listAnswer struct {
	Items      []summaryJSON `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

func (f *fixture) list(token, query string) listAnswer {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/tickets" + query, token: token})
	r.expect(http.StatusOK)
	var l listAnswer
	r.json(&l)
	return l
}

func numbersOf(l listAnswer) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Number)
	}
	slices.Sort(out)
	return out
}

// escalate moves a ticket's row as the workflow's projection would.
func (f *fixture) escalate(number string, version int64, level int, role domain.Role) {
	f.t.Helper()
	row, err := f.store.GetTicket(context.Background(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	// The rung's holder, as activities.ResolveLevel finds it.
	holder := row.ResponsibleEntity
	switch domain.LadderScope(role) {
	case domain.ScopeSector:
		holder = mxSectorOf(holder)
	case domain.ScopeMinistry:
		holder = "MOE"
	}
	err = f.store.ApplyChange(context.Background(), store.TicketChange{
		Number: number, Version: version, Status: row.Status, ResponsibleEntity: row.ResponsibleEntity,
		PolicyVersion: row.PolicyVersion, EscalationLevel: level, EscalationRole: role, EscalationEntity: holder,
		SLADueAt: row.SLADueAt,
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/tickets"})
	r.expectProblem(http.StatusUnauthorized, codeUnauthorized)
	if !strings.HasPrefix(r.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", r.Header().Get("WWW-Authenticate"))
	}
	f.do(req{method: "GET", path: "/api/v1/tickets", token: "wrong"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "GET", path: "/api/v1/tickets", headers: map[string]string{"Authorization": "Basic " + testTokens["admin"]}}).
		expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "GET", path: "/api/v1/tickets", token: testTokens["agent"]}).expect(http.StatusOK)

	f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["supervisor"], body: map[string]any{}}).
		expectProblem(http.StatusForbidden, codeForbidden)
	number := f.file("").Number
	f.do(req{method: "GET", path: "/api/v1/tickets/" + number + "/history", token: testTokens["coord-ksu"]}).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "GET", path: "/api/v1/policies/current"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
}

// The people holding a rung find the tickets that climbed to it in their
// inbox (view=escalated); the view narrows the read scope, never widens it.
func TestEscalatedInbox(t *testing.T) {
	f := newFixture(t)
	ksu := f.file("").Number
	uqu := f.file("", func(m map[string]any) { m["entity"] = "UQU" }).Number
	edu := f.file("", func(m map[string]any) { m["entity"] = "EDU-RIY" }).Number
	f.escalate(ksu, 1, 3, domain.RoleSectorOfficial)
	f.escalate(uqu, 1, 1, domain.RoleCareCenterManager)
	f.escalate(edu, 1, 4, domain.RoleSupervisor)

	view := func(who string) []string { return numbersOf(f.list(testTokens[who], "?view=escalated")) }
	if got := view("sector-uni"); !slices.Equal(got, []string{ksu}) {
		t.Errorf("sector official's escalated inbox %v, want [%s]", got, ksu)
	}
	if got := view("manager-ksu"); len(got) != 0 {
		t.Errorf("KSU's manager holds no rung, sees %v", got)
	}
	if got := view("supervisor"); !slices.Equal(got, []string{edu}) {
		t.Errorf("supervisor's escalated inbox %v, want [%s]", got, edu)
	}
	f.escalate(ksu, 2, 4, domain.RoleSupervisor)
	want := []string{ksu, edu}
	slices.Sort(want)
	if got := view("supervisor"); !slices.Equal(got, want) {
		t.Errorf("after a climb, supervisor's escalated inbox %v, want %v", got, want)
	}
	if got := view("sector-uni"); len(got) != 0 {
		t.Errorf("the rung moved on; sector official still holds %v", got)
	}
	// Roles that never hold a rung have no escalated view.
	f.do(req{method: "GET", path: "/api/v1/tickets?view=escalated", token: testTokens["coord-ksu"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "GET", path: "/api/v1/tickets?view=mine-and-more", token: testTokens["admin"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
}

// The badges beside the inbox's views count what each view lists, for the
// views the caller's role has.
func TestInboxCounts(t *testing.T) {
	f := newFixture(t)
	f.file("")
	f.file("")
	uqu := f.file("", func(m map[string]any) { m["entity"] = "UQU" }).Number
	f.escalate(uqu, 1, 4, domain.RoleSupervisor)
	counts := func(who string) map[string]int {
		var body struct {
			Items []viewCountJSON `json:"items"`
		}
		r := f.do(req{method: "GET", path: "/api/v1/tickets/counts", token: testTokens[who]})
		r.expect(http.StatusOK)
		r.json(&body)
		out := map[string]int{}
		for _, c := range body.Items {
			if c.More {
				t.Errorf("%s: view %s has more than %d", who, c.View, c.Count)
			}
			out[string(c.View)] = c.Count
		}
		return out
	}
	for who, want := range map[string]map[string]int{
		"coord-ksu":  {"all": 2, "assigned": 0, "unassigned": 2, "overdue": 0, "awaiting": 0},
		"coord-edu":  {"all": 0, "assigned": 0, "unassigned": 0, "overdue": 0, "awaiting": 0},
		"supervisor": {"all": 3, "overdue": 0, "awaiting": 0, "escalated": 1, "follow_ups": 0},
	} {
		if got := counts(who); !maps.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", who, got, want)
		}
		for view, n := range want {
			if listed := len(f.list(testTokens[who], "?view="+view).Items); listed != n {
				t.Errorf("%s: view %s lists %d, counted %d", who, view, listed, n)
			}
		}
	}
	f.do(req{method: "GET", path: "/api/v1/tickets/counts", token: testTokens["survey"]}).
		expectProblem(http.StatusForbidden, codeForbidden)
}

func TestNewRefusesBadCredentials(t *testing.T) {
	good := testCredentials()[0]
	cases := map[string]Credential{
		"short hash":     {Name: "x", TokenHash: "abcd", Role: domain.RoleAdmin},
		"unknown role":   {Name: "x", TokenHash: good.TokenHash, Role: "king"},
		"beneficiary":    {Name: "x", TokenHash: good.TokenHash, Role: domain.RoleBeneficiary},
		"scoped no unit": {Name: "x", TokenHash: good.TokenHash, Role: domain.RoleCoordinator},
		"no name":        {TokenHash: good.TokenHash, Role: domain.RoleAdmin},
	}
	for name, c := range cases {
		if _, err := newAPI(Options{Store: &store.Store{}, Credentials: []Credential{c}}, &fakeTemporal{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dup := good
	dup.Name = "other"
	if _, err := newAPI(Options{Store: &store.Store{}, Credentials: []Credential{good, dup}}, &fakeTemporal{}); err == nil {
		t.Error("duplicate token accepted")
	}
	if _, err := New(Options{Store: &store.Store{}}); err == nil {
		t.Error("New without Temporal accepted")
	}
}

func TestListScopes(t *testing.T) {
	f := newFixture(t)
	ksu := f.file("").Number
	uqu := f.file("", func(m map[string]any) { m["entity"] = "UQU" }).Number
	edu := f.file("", func(m map[string]any) { m["entity"] = "EDU-RIY" }).Number
	all := []string{ksu, uqu, edu}
	slices.Sort(all)

	cases := map[string][]string{
		"coord-ksu":   {ksu},
		"manager-ksu": {ksu},
		"head-ksu":    {ksu},
		"coord-edu":   {edu},
		"sector-uni":  {ksu, uqu},
		"supervisor":  all,
		"minister":    all,
		"admin":       all,
		"auditor":     all,
		"agent":       {}, // front-line staff follow what they filed (none of these)
	}
	for who, want := range cases {
		slices.Sort(want)
		if got := numbersOf(f.list(testTokens[who], "")); !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", who, got, want)
		}
	}
	// Front-line staff follow what they filed, and only that.
	byAgent := f.file(testTokens["agent"], func(m map[string]any) { m["channel"] = "call_center" }).Number
	byReception := f.file(testTokens["reception"], func(m map[string]any) { m["channel"] = "walk_in" }).Number
	if got := numbersOf(f.list(testTokens["agent"], "")); !slices.Equal(got, []string{byAgent}) {
		t.Errorf("agent sees %v, want only its own %s", got, byAgent)
	}
	if got := numbersOf(f.list(testTokens["reception"], "")); !slices.Equal(got, []string{byReception}) {
		t.Errorf("reception sees %v, want only its own %s", got, byReception)
	}
	f.do(req{method: "GET", path: "/api/v1/tickets/" + byAgent, token: testTokens["reception"]}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + byAgent, token: testTokens["agent"]}).expect(http.StatusOK)
	// The entity filter narrows, never widens, a scope.
	if got := numbersOf(f.list(testTokens["coord-ksu"], "?entity=EDU-RIY")); len(got) != 0 {
		t.Errorf("coordinator reached another entity through ?entity: %v", got)
	}
	if got := numbersOf(f.list(testTokens["supervisor"], "?entity=UQU")); !slices.Equal(got, []string{uqu}) {
		t.Errorf("?entity=UQU gave %v", got)
	}

	// Out of scope reads like missing.
	f.do(req{method: "GET", path: "/api/v1/tickets/" + edu, token: testTokens["coord-ksu"]}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + uqu, token: testTokens["sector-uni"]}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + edu, token: testTokens["sector-uni"]}).expectProblem(http.StatusNotFound, codeNotFound)
}

func TestListFiltersAndPaging(t *testing.T) {
	f := newFixture(t)
	var nums []string
	for range 5 {
		nums = append(nums, f.file(testTokens["agent"]).Number)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	over := f.list(testTokens["admin"], "?overdue=true")
	if len(over.Items) != 5 || !over.Items[0].Overdue {
		t.Errorf("overdue list %+v", over)
	}
	if l := f.list(testTokens["admin"], "?status=closed,withdrawn"); len(l.Items) != 0 {
		t.Errorf("closed list %+v", l)
	}
	if l := f.list(testTokens["admin"], "?status=open&status=reopened"); len(l.Items) != 5 {
		t.Errorf("open list has %d", len(l.Items))
	}

	var got []string
	cursor := ""
	for range 10 {
		q := "?limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		p := f.list(testTokens["admin"], q)
		if len(p.Items) > 2 {
			t.Fatalf("page of %d", len(p.Items))
		}
		for _, it := range p.Items {
			got = append(got, it.Number)
		}
		cursor = p.NextCursor
		if cursor == "" {
			break
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, nums) {
		t.Errorf("paged %v, want %v", got, nums)
	}

	for _, q := range []string{"?limit=0", "?limit=201", "?limit=x", "?status=lost", "?overdue=maybe", "?sort=asc"} {
		f.do(req{offContract: true, method: "GET", path: "/api/v1/tickets" + q, token: testTokens["admin"]}).
			expectProblem(http.StatusUnprocessableEntity, codeValidation)
	}
	f.do(req{method: "GET", path: "/api/v1/tickets?cursor=%25%25garbage", token: testTokens["admin"]}).
		expectProblem(http.StatusBadRequest, codeBadCursor)
}

func TestTicketDetail(t *testing.T) {
	f := newFixture(t)
	c := f.file(testTokens["agent"], func(m map[string]any) { benef(m)["email"] = "sara@example.com" })
	at := f.clock.Now()
	err := f.store.ApplyChange(context.Background(), store.TicketChange{
		Number: c.Number, Version: 1, Status: domain.StatusOpen, ResponsibleEntity: "KSU", PolicyVersion: 1,
		SLADueAt: c.SLADueAt,
		Events: []store.TicketEvent{
			{Seq: 1, Type: workflows.EventCreated, At: at, ActorID: "agent", ActorRole: domain.RoleAgent, Public: true},
			{Seq: 2, Type: "internal_note", At: at.Add(time.Minute), ActorID: "coord-ksu", ActorRole: domain.RoleCoordinator, Message: "calling the dean"},
			{Seq: 3, Type: workflows.EventWithdrawn, At: at.Add(2 * time.Minute), ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary,
				ActorVia: workflows.ViaTrackingCode, ActorCaller: "coord-ksu", ActorClient: "0123456789abcdef", Public: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d ticketJSON
	r := f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["coord-ksu"]})
	r.expect(http.StatusOK)
	r.json(&d)
	if d.Number != c.Number || d.Description == "" || d.Beneficiary.NationalID != validID("108765432") ||
		d.Beneficiary.Mobile != "+966501234567" || d.FiledBy.ID != "agent" {
		t.Errorf("detail %+v", d)
	}
	if len(d.Timeline) != 3 || d.Timeline[1].Actor.ID != "coord-ksu" || d.Timeline[1].Public || d.Timeline[0].Actor.Role != domain.RoleAgent {
		t.Errorf("timeline %+v", d.Timeline)
	}
	// Staff see who really acted behind a beneficiary's credential.
	if a := d.Timeline[2].Actor; a.Via != (workflows.Credential{Kind: workflows.ViaTrackingCode, Caller: "coord-ksu", Client: "0123456789abcdef"}) {
		t.Errorf("the withdrawal's credential: %+v", a)
	}

	var audit ticketJSON
	r = f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["auditor"]})
	r.expect(http.StatusOK)
	r.json(&audit)
	if audit.Beneficiary.NationalID != normalize.MaskID(validID("108765432")) || audit.Beneficiary.NationalID == validID("108765432") ||
		audit.Beneficiary.Mobile == "+966501234567" || audit.Beneficiary.Email != "" {
		t.Errorf("auditor sees %+v", audit.Beneficiary)
	}

	f.do(req{method: "GET", path: "/api/v1/tickets/2026-999999", token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{offContract: true, method: "GET", path: "/api/v1/tickets/..%2fetc", token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
}

func stateFor(number string) workflows.TicketState {
	now := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
	until := now.Add(5 * 24 * time.Hour)
	return workflows.TicketState{
		Number: number, Status: domain.StatusAnswered, Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Entity: "KSU",
		ResponsibleEntity: "KSU", ObjectionUntil: &until, Version: 2,
		Responses: []workflows.Response{{Actor: workflows.Actor{ID: "coord-ksu", Role: domain.RoleCoordinator}, Message: "تم الصرف", At: now}},
	}
}

func TestRespond(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	var seen []client.UpdateWorkflowOptions
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		seen = append(seen, o)
		return stateFor(c.Number), nil
	}
	path := "/api/v1/tickets/" + c.Number + "/responses"
	r := f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": "  تم صرف المكافأة\u0640 "},
		headers: map[string]string{"Idempotency-Key": "answer-1"}})
	r.expect(http.StatusOK)
	var st workflows.TicketState
	r.json(&st)
	if st.Status != domain.StatusAnswered || st.Number != c.Number {
		t.Errorf("state %+v", st)
	}
	if len(seen) != 1 {
		t.Fatalf("%d updates", len(seen))
	}
	o := seen[0]
	if o.WorkflowID != "ticket-"+c.Number || o.UpdateName != workflows.UpdateRespond ||
		o.WaitForStage != client.WorkflowUpdateStageCompleted || !strings.HasPrefix(o.UpdateID, workflows.UpdateRespond+"/coord-ksu/") {
		t.Errorf("update options %+v", o)
	}
	rr, ok := o.Args[0].(workflows.RespondRequest)
	if !ok || rr.Message != "تم صرف المكافأة" || rr.Actor.ID != "coord-ksu" || rr.Actor.Role != domain.RoleCoordinator || rr.Actor.Entity != "KSU" ||
		rr.Actor.Via != (workflows.Credential{Kind: workflows.ViaToken}) {
		t.Errorf("args %+v", o.Args)
	}
	// A retry carries the same update id, so Temporal applies it once.
	f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": "تم صرف المكافأة"},
		headers: map[string]string{"Idempotency-Key": "answer-1"}}).expect(http.StatusOK)
	if seen[1].UpdateID != o.UpdateID {
		t.Errorf("retry update id %q != %q", seen[1].UpdateID, o.UpdateID)
	}
	// The same key with another message is refused, not answered with the
	// first one's result.
	f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": "تم الصرف أمس"},
		headers: map[string]string{"Idempotency-Key": "answer-1"}}).expectProblem(http.StatusUnprocessableEntity, codeIdempotencyReused)
	if len(seen) != 2 {
		t.Fatalf("the refused request reached Temporal: %d updates", len(seen))
	}
	// X-Request-ID is not a key: the same one twice is two updates.
	for range 2 {
		f.do(req{method: "POST", path: path, token: testTokens["admin"], body: map[string]any{"message": "x"},
			headers: map[string]string{"X-Request-ID": "req-42"}}).expect(http.StatusOK)
	}
	if seen[2].UpdateID == seen[3].UpdateID || strings.Contains(seen[2].UpdateID, "req-42") {
		t.Errorf("update ids %q, %q", seen[2].UpdateID, seen[3].UpdateID)
	}

	before := len(seen)
	// Who may not answer: refused before any update.
	f.do(req{method: "POST", path: path, token: testTokens["agent"], body: map[string]any{"message": "x"}}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: path, token: testTokens["auditor"], body: map[string]any{"message": "x"}}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: path, token: testTokens["sector-uni"], body: map[string]any{"message": "x"}}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: path, token: testTokens["coord-edu"], body: map[string]any{"message": "x"}}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": " \u200f "}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": strings.Repeat("م", maxMessage+1)}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"text": "x"}}).
		expectProblem(http.StatusBadRequest, codeUnknownField)
	if len(seen) != before {
		t.Errorf("refused requests reached Temporal")
	}
}

func TestRespondEscalationHolders(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) { return stateFor(c.Number), nil }
	path := "/api/v1/tickets/" + c.Number + "/responses"
	answer := func(who string) int {
		return f.do(req{method: "POST", path: path, token: testTokens[who], body: map[string]any{"message": "x"}}).Code
	}
	if got := answer("supervisor"); got != http.StatusForbidden {
		t.Errorf("supervisor before escalation: %d", got)
	}
	f.escalate(c.Number, 1, 3, domain.RoleSectorOfficial)
	if got := answer("sector-uni"); got != http.StatusOK {
		t.Errorf("sector official holding level 3: %d", got)
	}
	if got := answer("supervisor"); got != http.StatusForbidden {
		t.Errorf("supervisor while the sector holds it: %d", got)
	}
	f.escalate(c.Number, 2, 4, domain.RoleSupervisor)
	if got := answer("supervisor"); got != http.StatusOK {
		t.Errorf("supervisor holding level 4: %d", got)
	}
	if got := answer("coord-ksu"); got != http.StatusOK {
		t.Errorf("the entity's coordinator may still answer: %d", got)
	}
	if got := answer("minister"); got != http.StatusForbidden {
		t.Errorf("minister's office below its level: %d", got)
	}
}

func TestRespondTemporalAnswers(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"closed", temporal.NewApplicationError("ticket is closed", workflows.ErrTicketClosed), 409, codeTicketClosed},
		{"answered", temporal.NewApplicationError("answered", workflows.ErrNotAwaitingResponse), 409, codeNotAwaitingResponse},
		{"invalid message", temporal.NewApplicationError("empty", workflows.ErrInvalidMessage), 422, codeInvalidMessage},
		{"unknown refusal", temporal.NewApplicationError("nope", "SomethingElse"), 409, codeActionRefused},
		{"workflow finished", serviceerror.NewNotFound("workflow execution already completed"), 409, codeTicketClosed},
		{"server down", serviceerror.NewUnavailable("down"), 503, codeTemporalUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			c := f.file("")
			f.tc.update = func(client.UpdateWorkflowOptions) (any, error) { return nil, tc.err }
			f.do(req{method: "POST", path: "/api/v1/tickets/" + c.Number + "/responses", token: testTokens["coord-ksu"],
				body: map[string]any{"message": "x"}}).expectProblem(tc.status, tc.code)
		})
	}
}

func TestRespondNoWorkerTimesOut(t *testing.T) {
	f := newFixture(t)
	svc, err := newTestTickets(Options{Store: f.store, Entities: f.api.entities, Now: f.clock.Now}, f.tc, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	f.api.tickets = svc
	c := f.file("")
	f.tc.update = nil // blocks until the deadline, as with no worker polling
	f.do(req{method: "POST", path: "/api/v1/tickets/" + c.Number + "/responses", token: testTokens["coord-ksu"],
		body: map[string]any{"message": "x"}}).expectProblem(http.StatusServiceUnavailable, codeActionNotConfirmed)
}

func TestRespondStartsAnUnstartedTicket(t *testing.T) {
	f := newFixture(t)
	f.tc.startErr = serviceerror.NewUnavailable("down")
	f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: testTokens["agent"]}).
		expect(http.StatusCreated)
	rows, _ := f.store.UnstartedTickets(context.Background(), f.clock.Now().Add(time.Hour), 1)
	if len(rows) != 1 {
		t.Fatal("no unstarted row")
	}
	f.tc.update = func(client.UpdateWorkflowOptions) (any, error) { return stateFor(rows[0].Number), nil }
	path := "/api/v1/tickets/" + rows[0].Number + "/responses"
	f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": "x"}}).
		expectProblem(http.StatusServiceUnavailable, codeTemporalUnavailable)
	if len(f.tc.updateCalls()) != 0 {
		t.Error("update sent to a workflow that was never started")
	}
	f.tc.mu.Lock()
	f.tc.startErr = nil
	f.tc.mu.Unlock()
	f.do(req{method: "POST", path: path, token: testTokens["coord-ksu"], body: map[string]any{"message": "x"}}).expect(http.StatusOK)
	row, _ := f.store.GetTicket(context.Background(), rows[0].Number)
	if !row.WorkflowStarted {
		t.Error("start not recorded")
	}
}

func childStarted(id string) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{
		EventType: enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
		Attributes: &historypb.HistoryEvent_ChildWorkflowExecutionStartedEventAttributes{
			ChildWorkflowExecutionStartedEventAttributes: &historypb.ChildWorkflowExecutionStartedEventAttributes{
				WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "r"},
			},
		},
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	parent := workflows.TicketWorkflowID(c.Number)
	child := workflows.EscalationWorkflowID(c.Number, 0, 1)
	var reqs []*workflowservice.GetWorkflowExecutionHistoryRequest
	f.tc.history = func(r *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
		reqs = append(reqs, r)
		ev := func(id int64) *historypb.HistoryEvent {
			return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED}
		}
		switch {
		case r.Execution.GetWorkflowId() == parent && len(r.NextPageToken) == 0:
			// Parent, first page: the child appears on the second page.
			return &workflowservice.GetWorkflowExecutionHistoryResponse{
				History: &historypb.History{Events: []*historypb.HistoryEvent{ev(1), ev(2)}}, NextPageToken: []byte("p2"),
			}, nil
		case r.Execution.GetWorkflowId() == parent:
			e := childStarted(child)
			e.EventId = 3
			return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{Events: []*historypb.HistoryEvent{e}}}, nil
		case r.Execution.GetWorkflowId() == child:
			return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{Events: []*historypb.HistoryEvent{ev(1)}}}, nil
		}
		return nil, serviceerror.NewNotFound("no such workflow")
	}
	base := "/api/v1/tickets/" + c.Number + "/history"

	r := f.do(req{method: "GET", path: base + "?page_size=2", token: testTokens["auditor"]})
	r.expect(http.StatusOK)
	var h historyJSON
	r.json(&h)
	if !slices.Equal(h.Workflows, []string{parent, child}) || h.WorkflowID != parent || len(h.Events) != 2 {
		t.Fatalf("history %+v", h)
	}
	var first map[string]any
	if err := json.Unmarshal(h.Events[0], &first); err != nil || first["eventId"] != "1" || first["eventType"] != "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED" {
		t.Errorf("event JSON %s (%v)", h.Events[0], err)
	}
	if tok, err := base64.RawURLEncoding.DecodeString(h.NextPageToken); err != nil || string(tok) != "p2" {
		t.Errorf("next page token %q", h.NextPageToken)
	}
	last := reqs[len(reqs)-1]
	if last.MaximumPageSize != 2 || last.Namespace != "default" {
		t.Errorf("page request %+v", last)
	}

	r = f.do(req{method: "GET", path: base + "?page_token=" + h.NextPageToken, token: testTokens["admin"]})
	r.expect(http.StatusOK)
	h = historyJSON{}
	r.json(&h)
	if len(h.Events) != 1 || h.NextPageToken != "" {
		t.Errorf("second page %+v", h)
	}
	if string(reqs[len(reqs)-1].NextPageToken) != "p2" {
		t.Error("page token not passed through")
	}

	r = f.do(req{method: "GET", path: base + "?workflow_id=" + child, token: testTokens["supervisor"]})
	r.expect(http.StatusOK)
	h = historyJSON{}
	r.json(&h)
	if h.WorkflowID != child || len(h.Events) != 1 {
		t.Errorf("child history %+v", h)
	}

	f.do(req{method: "GET", path: base + "?workflow_id=ticket-2026-999999", token: testTokens["auditor"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "GET", path: base + "?page_size=0", token: testTokens["auditor"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{method: "GET", path: base + "?page_token=***", token: testTokens["auditor"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{method: "GET", path: "/api/v1/tickets/2026-999999/history", token: testTokens["auditor"]}).
		expectProblem(http.StatusNotFound, codeNotFound)

	f.tc.history = func(*workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
		return nil, errors.New("connection refused")
	}
	f.do(req{method: "GET", path: base, token: testTokens["auditor"]}).expectProblem(http.StatusServiceUnavailable, codeTemporalUnavailable)
}

func TestPolicies(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/policies/current", token: testTokens["coord-ksu"]})
	r.expect(http.StatusOK)
	var cur map[string]any
	r.json(&cur)
	if cur["version"] != float64(1) {
		t.Fatalf("current %v", cur["version"])
	}

	// Change the objection window; version and author are the server's.
	cur["objection_window"] = "7d"
	cur["version"] = 99
	cur["created_by"] = "someone else"
	cur["reason"] = "Longer objection window"
	r = f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: cur})
	r.expect(http.StatusCreated)
	if loc := r.Header().Get("Location"); loc != "/api/v1/policies/2" {
		t.Errorf("Location %q", loc)
	}
	var saved map[string]any
	r.json(&saved)
	if saved["version"] != float64(2) || saved["objection_window"] != "7d" || saved["created_by"] != "admin" ||
		saved["reason"] != "Longer objection window" {
		t.Errorf("saved %v %v %v %v", saved["version"], saved["objection_window"], saved["created_by"], saved["reason"])
	}
	p, err := f.store.CurrentPolicy(context.Background())
	if err != nil || p.Version != 2 {
		t.Fatalf("store has v%d (%v)", p.Version, err)
	}
	// New tickets take the new version.
	c := f.file("")
	row, _ := f.store.GetTicket(context.Background(), c.Number)
	if row.PolicyVersion != 2 {
		t.Errorf("ticket filed under v%d", row.PolicyVersion)
	}

	bad := map[string]any{"calendar": cur["calendar"], "responses": []any{}, "ladder": cur["ladder"],
		"objection_window": "0s", "objection_review": "3d"}
	r = f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: bad,
		headers: map[string]string{"Accept-Language": "en"}})
	pr := r.expectProblem(http.StatusUnprocessableEntity, codeValidation)
	fields := map[string]bool{}
	for _, e := range pr.Errors {
		fields[e.Field] = true
	}
	if !fields["responses"] || !fields["objection_window"] {
		t.Errorf("errors %+v", pr.Errors)
	}
	f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: `{"objection_window":"soon"}`}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: `{"colour":"red"}`}).
		expectProblem(http.StatusBadRequest, codeUnknownField)
	if p, _ := f.store.CurrentPolicy(context.Background()); p.Version != 2 {
		t.Errorf("refused policies were stored: v%d", p.Version)
	}
}

func TestCurrentPolicyMissing(t *testing.T) {
	f := newFixtureOpts(t, false)
	f.do(req{method: "GET", path: "/api/v1/policies/current", token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
}

// The entity whose answer is under objection, which still sees the review
// held above it, is told why it may not answer: 403 not_responsible, as the
// README, the OpenAPI document and the architecture note say (it was 403
// forbidden, and only the workflow gave the code, when a review was handed
// back). Whoever may not answer for another reason stays forbidden; the
// sector holding the review answers.
func TestReviewRefusesTheAnsweringEntity(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	row, err := f.store.GetTicket(context.Background(), c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.ApplyChange(context.Background(), store.TicketChange{
		Number: c.Number, Version: 1, Status: domain.StatusReopened, ResponsibleEntity: "SEC-UNI",
		PolicyVersion: row.PolicyVersion, Round: 1, SLADueAt: row.SLADueAt,
	}); err != nil {
		t.Fatal(err)
	}
	var updates int
	f.tc.update = func(client.UpdateWorkflowOptions) (any, error) { updates++; return stateFor(c.Number), nil }
	path := "/api/v1/tickets/" + c.Number + "/responses"
	answer := func(who string) resp {
		return f.do(req{method: "POST", path: path, token: testTokens[who], body: map[string]any{"message": "x"}})
	}
	for _, who := range []string{"coord-ksu", "manager-ksu", "head-ksu"} {
		if p := answer(who).expectProblem(http.StatusForbidden, codeNotResponsible); p.Title == "" {
			t.Errorf("%s: a not_responsible problem without its text", who)
		}
	}
	for _, who := range []string{"auditor", "supervisor"} {
		answer(who).expectProblem(http.StatusForbidden, codeForbidden)
	}
	answer("coord-edu").expectProblem(http.StatusNotFound, codeNotFound)
	if updates != 0 {
		t.Fatalf("%d refused answers reached the workflow", updates)
	}
	answer("sector-uni").expect(http.StatusOK)
}
