package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

// The fixture's today is Sunday 2026-03-01 in Riyadh; the list of today
// draws from the tickets closed on Saturday the 28th.
var saturday = time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC) // 15:00 in Riyadh

type surveyListJSON struct {
	Date       string           `json:"date"`
	Items      []surveyCallJSON `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// closeFiled files a ticket and projects it into status at at.
func (f *fixture) closeFiled(st domain.Status, at time.Time, edits ...func(m map[string]any)) string {
	f.t.Helper()
	c := f.file("", edits...)
	row, err := f.store.GetTicket(context.Background(), c.Number)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.ApplyChange(context.Background(), store.TicketChange{Number: c.Number, Version: 1, Status: st,
		ResponsibleEntity: row.ResponsibleEntity, PolicyVersion: row.PolicyVersion, SLADueAt: row.SLADueAt, ClosedAt: &at}); err != nil {
		f.t.Fatal(err)
	}
	return c.Number
}

// surveyFixture has today's list drawn from two closed tickets (one filed in
// English), with a withdrawn one left out.
func surveyFixture(t *testing.T) (*fixture, surveyListJSON) {
	t.Helper()
	f := newFixture(t, func(o *Options) { o.SurveyCalls = store.SurveySampling{Share: 1, MaxPerDay: 10} })
	f.closeFiled(domain.StatusClosed, saturday)
	f.closeFiled(domain.StatusClosed, saturday.Add(time.Hour), func(m map[string]any) { benef(m)["language"] = "en" })
	f.closeFiled(domain.StatusWithdrawn, saturday)
	r := f.do(req{method: "POST", path: "/api/v1/survey-calls/sample", token: testTokens["supervisor"]})
	r.expect(http.StatusOK)
	var sample store.SurveySample
	r.json(&sample)
	if sample != (store.SurveySample{Date: "2026-03-01", Closed: 2, Target: 2, Inserted: 2, Total: 2}) {
		t.Fatalf("sample: %+v", sample)
	}
	var list surveyListJSON
	r = f.do(req{method: "GET", path: "/api/v1/survey-calls", token: testTokens["survey"]})
	r.expect(http.StatusOK)
	r.json(&list)
	if list.Date != "2026-03-01" || len(list.Items) != 2 {
		t.Fatalf("list: %s", r.Body)
	}
	return f, list
}

func (f *fixture) outcome(id int64, body any, headers ...string) resp {
	f.t.Helper()
	return f.do(outcomeReq(id, body, headers...))
}

func outcomeReq(id int64, body any, headers ...string) req {
	rq := req{method: "POST", path: fmt.Sprintf("/api/v1/survey-calls/%d/outcome", id), body: body,
		token: testTokens["survey"], headers: map[string]string{}}
	for i := 0; i+1 < len(headers); i += 2 {
		rq.headers[headers[i]] = headers[i+1]
	}
	return rq
}

func auditCount(t *testing.T, s *store.Store, action string) int {
	t.Helper()
	es, err := s.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}

// The agent sees whom to call and how to reach them; the supervisor reviews
// the same list with mobiles masked; the list survives a re-run of the day.
func TestSurveyCallListAsEachRoleSeesIt(t *testing.T) {
	f, list := surveyFixture(t)
	langs := map[string]bool{}
	for _, it := range list.Items {
		if it.Status != domain.SurveyPending || it.Attempts != 0 || it.Kind != domain.KindComplaint || it.Entity != "KSU" ||
			it.BeneficiaryName == "" || it.BeneficiaryMobile != "+966501234567" || it.ClosedAt == nil || it.CallDate != "2026-03-01" {
			t.Fatalf("agent's line: %+v", it)
		}
		langs[it.Language] = true
	}
	if !langs["ar"] || !langs["en"] {
		t.Fatalf("languages: %v", langs)
	}

	var sup surveyListJSON
	r := f.do(req{method: "GET", path: "/api/v1/survey-calls?date=2026-03-01&limit=1", token: testTokens["supervisor"]})
	r.expect(http.StatusOK)
	r.json(&sup)
	if len(sup.Items) != 1 || sup.Items[0].BeneficiaryMobile == "+966501234567" || !strings.Contains(sup.Items[0].BeneficiaryMobile, "*") || sup.NextCursor == "" {
		t.Fatalf("supervisor's page: %s", r.Body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/survey-calls?cursor=" + sup.NextCursor, token: testTokens["admin"]})
	r.expect(http.StatusOK)
	var rest surveyListJSON
	r.json(&rest)
	if len(rest.Items) != 1 || rest.Items[0].ID == sup.Items[0].ID || rest.Items[0].BeneficiaryMobile != "+966501234567" {
		t.Fatalf("admin's second page: %s", r.Body)
	}

	// Drawing the day again adds nothing and is audited again.
	r = f.do(req{method: "POST", path: "/api/v1/survey-calls/sample?date=2026-03-01", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	if !strings.Contains(r.Body.String(), `"inserted":0`) || !strings.Contains(r.Body.String(), `"total":2`) {
		t.Fatalf("second sample: %s", r.Body)
	}
	if n := auditCount(t, f.store, auditSurveySampled); n != 2 {
		t.Fatalf("%d sampling audit entries, want 2", n)
	}

	// Nothing in the logs carries the mobile in full.
	if strings.Contains(f.logs.String(), "501234567") {
		t.Fatalf("a mobile in the logs: %s", f.logs.String())
	}
}

// A survey agent works the call list and nothing else: no inbox, no ticket,
// no filing.
func TestSurveyAgentSeesNoTicket(t *testing.T) {
	f, list := surveyFixture(t)
	tok := testTokens["survey"]
	f.do(req{method: "GET", path: "/api/v1/tickets", token: tok}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + list.Items[0].TicketNumber, token: tok}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: "/api/v1/tickets", token: tok, body: ticketBody()}).expect(http.StatusForbidden)
	f.do(req{method: "GET", path: "/api/v1/survey-calls/summary", token: tok}).expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/survey-calls/sample", token: tok}).expectProblem(http.StatusForbidden, codeForbidden)
	// Reviewers read outcomes but do not record them.
	r := f.do(req{method: "POST", path: fmt.Sprintf("/api/v1/survey-calls/%d/outcome", list.Items[0].ID),
		token: testTokens["supervisor"], body: map[string]any{"outcome": "declined"}})
	r.expectProblem(http.StatusForbidden, codeForbidden)
}

func TestSurveyOutcomeValidation(t *testing.T) {
	f, list := surveyFixture(t)
	id := list.Items[0].ID
	cases := []struct {
		body  any
		field string
		code  string
	}{
		{map[string]any{}, "outcome", fieldRequired},
		{map[string]any{"outcome": "maybe"}, "outcome", fieldNotInList},
		{map[string]any{"outcome": "pending"}, "outcome", fieldNotInList},
		{map[string]any{"outcome": "reached"}, "rating", fieldRequired},
		{map[string]any{"outcome": "reached", "rating": 6}, "rating", fieldOutOfRange},
		{map[string]any{"outcome": "reached", "rating": 0}, "rating", fieldOutOfRange},
		{map[string]any{"outcome": "unreachable", "rating": 3}, "rating", fieldInvalidValue},
		{map[string]any{"outcome": "declined", "comment": strings.Repeat("ت", maxSurveyComment+1)}, "comment", fieldTooLong},
		{map[string]any{"outcome": "reached", "rating": "4"}, "rating", fieldWrongType},
	}
	for _, c := range cases {
		p := f.do(outcomeReq(id, c.body, "Accept-Language", "en").outsideContract()).expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Code != c.code || p.Errors[0].Message == "" {
			t.Errorf("%v: %+v", c.body, p.Errors)
		}
	}
	// Arabic by default.
	p := f.outcome(id, map[string]any{"outcome": "unreachable", "rating": 3}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if p.Title != "بيانات غير صالحة" || !strings.Contains(p.Errors[0].Message, "التقييم") {
		t.Errorf("Arabic problem: %+v", p)
	}
	f.do(outcomeReq(id, map[string]any{"outcome": "declined", "extra": 1}).outsideContract()).expectProblem(http.StatusBadRequest, codeUnknownField)
	f.outcome(999, map[string]any{"outcome": "declined"}).expectProblem(http.StatusNotFound, codeNotFound)
	r := f.do(req{offContract: true, method: "POST", path: "/api/v1/survey-calls/abc/outcome", token: testTokens["survey"], body: map[string]any{"outcome": "declined"}})
	r.expectProblem(http.StatusNotFound, codeNotFound)
	f.do(outcomeReq(id, map[string]any{"outcome": "declined"}, "Idempotency-Key", "").outsideContract()).expectProblem(http.StatusBadRequest, codeBadIdempotencyKey)

	// Nothing refused was recorded.
	if n := auditCount(t, f.store, auditSurveyRecorded); n != 0 {
		t.Fatalf("%d attempts audited", n)
	}
	call, _ := f.store.GetSurveyCall(context.Background(), id)
	if call.Attempts != 0 {
		t.Fatalf("attempts %d", call.Attempts)
	}
}

// Unanswered calls are retried up to the third attempt, then final; a
// retried request under its Idempotency-Key is a replay; a final outcome is
// never overwritten; every counted attempt is audited once.
func TestSurveyOutcomeRules(t *testing.T) {
	f, list := surveyFixture(t)
	a, b := list.Items[0].ID, list.Items[1].ID
	decode := func(r resp) surveyCallJSON {
		t.Helper()
		r.expect(http.StatusOK)
		var c surveyCallJSON
		r.json(&c)
		return c
	}

	c := decode(f.outcome(a, map[string]any{"outcome": "unreachable", "comment": "مغلق"}, "Idempotency-Key", "try-1"))
	if c.Status != domain.SurveyPending || c.Attempts != 1 || c.Agent != "survey" || c.Comment != "مغلق" || c.BeneficiaryMobile != "+966501234567" {
		t.Fatalf("first attempt: %+v", c)
	}
	r := f.outcome(a, map[string]any{"outcome": "unreachable", "comment": "مغلق"}, "Idempotency-Key", "try-1")
	if c = decode(r); c.Attempts != 1 || r.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retried first attempt: %+v %v", c, r.Header())
	}
	f.outcome(a, map[string]any{"outcome": "reached", "rating": 5}, "Idempotency-Key", "try-1").
		expectProblem(http.StatusUnprocessableEntity, codeIdempotencyReused)
	decode(f.outcome(a, map[string]any{"outcome": "unreachable"}, "Idempotency-Key", "try-2"))
	if c = decode(f.outcome(a, map[string]any{"outcome": "unreachable"}, "Idempotency-Key", "try-3")); c.Status != domain.SurveyUnreachable || c.Attempts != 3 {
		t.Fatalf("third attempt: %+v", c)
	}
	p := f.outcome(a, map[string]any{"outcome": "reached", "rating": 5}, "Idempotency-Key", "try-4", "Accept-Language", "en").
		expectProblem(http.StatusConflict, codeSurveyCallFinal)
	if p.Title != "Call outcome already final" {
		t.Errorf("409 title %q", p.Title)
	}

	// Without a key: the request that made the call final, sent again, is a
	// replay; any other is refused.
	c = decode(f.outcome(b, map[string]any{"outcome": "reached", "rating": 4, "comment": "شكراً"}))
	if c.Status != domain.SurveyReached || c.Rating != 4 || c.Attempts != 1 || c.RecordedAt == nil {
		t.Fatalf("reached: %+v", c)
	}
	r = f.outcome(b, map[string]any{"outcome": "reached", "rating": 4, "comment": "شكراً"})
	if c = decode(r); c.Attempts != 1 || r.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeated: %+v", c)
	}
	f.outcome(b, map[string]any{"outcome": "reached", "rating": 2}).expectProblem(http.StatusConflict, codeSurveyCallFinal)

	if n := auditCount(t, f.store, auditSurveyRecorded); n != 4 {
		t.Fatalf("%d attempts audited, want 4 (3 + 1, no replay)", n)
	}

	// The list shows the outcomes, and filters by them.
	var done surveyListJSON
	r = f.do(req{method: "GET", path: "/api/v1/survey-calls?status=reached", token: testTokens["supervisor"]})
	r.expect(http.StatusOK)
	r.json(&done)
	if len(done.Items) != 1 || done.Items[0].ID != b || done.Items[0].Rating != 4 || done.Items[0].Comment != "شكراً" {
		t.Fatalf("reached calls: %s", r.Body)
	}
	f.do(req{offContract: true, method: "GET", path: "/api/v1/survey-calls?status=maybe", token: testTokens["survey"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
}

func TestSurveySummary(t *testing.T) {
	f, list := surveyFixture(t)
	f.outcome(list.Items[0].ID, map[string]any{"outcome": "reached", "rating": 5}).expect(http.StatusOK)
	f.outcome(list.Items[1].ID, map[string]any{"outcome": "wrong_number"}).expect(http.StatusOK)

	var sum struct {
		From, To      string
		Calls         int
		Statuses      map[string]int
		AverageRating *float64 `json:"average_rating"`
		Entities      []surveyTallyJSON
	}
	r := f.do(req{method: "GET", path: "/api/v1/survey-calls/summary?by=entity", token: testTokens["minister"]})
	r.expect(http.StatusOK)
	r.json(&sum)
	if sum.From != "2026-01-31" || sum.To != "2026-03-01" || sum.Calls != 2 || sum.Statuses["reached"] != 1 ||
		sum.Statuses["wrong_number"] != 1 || sum.Statuses["pending"] != 0 || len(sum.Statuses) != len(domain.SurveyCallStatuses()) ||
		sum.AverageRating == nil || *sum.AverageRating != 5 || len(sum.Entities) != 1 || sum.Entities[0].Entity != "KSU" {
		t.Fatalf("summary: %s", r.Body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/survey-calls/summary?from=2026-02-01&to=2026-02-28", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	if body := r.Body.String(); !strings.Contains(body, `"calls":0`) || !strings.Contains(body, `"average_rating":null`) || strings.Contains(body, "entities") {
		t.Fatalf("a range without calls: %s", body)
	}
	for _, q := range []string{"from=2026-03-02&to=2026-03-01", "from=2025-01-01&to=2026-03-01", "from=2026-02-30", "by=sector", "period=month"} {
		f.do(req{offContract: true, method: "GET", path: "/api/v1/survey-calls/summary?" + q, token: testTokens["supervisor"]}).
			expectProblem(http.StatusUnprocessableEntity, codeValidation)
	}
}

func TestSampleSurveyCallsValidation(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"date=2026-03-02", "date=2026-02-30", "date=01-03-2026", "day=2026-03-01"} {
		f.do(req{offContract: true, method: "POST", path: "/api/v1/survey-calls/sample?" + q, token: testTokens["admin"]}).
			expectProblem(http.StatusUnprocessableEntity, codeValidation)
	}
	// A past day with nothing closed is an empty list, built with the defaults.
	r := f.do(req{method: "POST", path: "/api/v1/survey-calls/sample?date=2026-02-01", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	if !strings.Contains(r.Body.String(), `"total":0`) {
		t.Fatalf("empty day: %s", r.Body)
	}
	if f.api.surveySampling != (store.SurveySampling{Share: domain.SurveyDefaultShare, MaxPerDay: domain.SurveyDefaultMaxPerDay}) {
		t.Fatalf("default sampling %+v", f.api.surveySampling)
	}
}
