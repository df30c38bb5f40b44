package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/policies"
	"github.com/tawasul/tawasul/texts"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// readPolicy GETs a policy path as a JSON object.
func (f *fixture) readPolicy(path string) map[string]any {
	f.t.Helper()
	r := f.do(req{method: "GET", path: path, token: testTokens["coord-ksu"]})
	r.expect(http.StatusOK)
	var p map[string]any
	r.json(&p)
	return p
}

// savePolicy PUTs body (edited) with a reason and returns the stored version.
func (f *fixture) savePolicy(reason string, body map[string]any) int {
	f.t.Helper()
	body["reason"] = reason
	r := f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: body})
	r.expect(http.StatusCreated)
	var saved map[string]any
	r.json(&saved)
	return int(saved["version"].(float64))
}

func TestPolicyReasonRequired(t *testing.T) {
	f := newFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	fieldsOf := func(p Problem) map[string]string {
		m := map[string]string{}
		for _, e := range p.Errors {
			m[e.Field] = e.Code + ": " + e.Message
		}
		return m
	}
	for _, c := range []struct {
		reason any // nil: no reason at all
		code   string
	}{
		{nil, fieldRequired},
		{"   ", fieldRequired},
		{"ab", fieldTooShort},
		// Invisible marks and tatweel do not count towards the length.
		{"\u200fسـ\u200fب\u200f", fieldTooShort},
		{strings.Repeat("س", 501), fieldTooLong},
	} {
		body := map[string]any{}
		for k, v := range cur {
			body[k] = v
		}
		if c.reason != nil {
			body["reason"] = c.reason
		}
		r := f.do(req{offContract: true, method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: body,
			headers: map[string]string{"Accept-Language": "en"}})
		got := fieldsOf(r.expectProblem(http.StatusUnprocessableEntity, codeValidation))
		if want := c.code + ": " + policies.ReasonText.EN; got["reason"] != want || len(got) != 1 {
			t.Errorf("reason %q: errors %v; want reason %q", c.reason, got, want)
		}
	}
	// Reason and policy errors come together, in Arabic by default.
	bad := map[string]any{}
	for k, v := range cur {
		bad[k] = v
	}
	bad["objection_window"] = "0s"
	got := fieldsOf(f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: bad}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation))
	if got["reason"] != fieldRequired+": "+policies.ReasonText.AR || got["objection_window"] == "" {
		t.Errorf("errors %v", got)
	}
	if p, _ := f.store.CurrentPolicy(context.Background()); p.Version != 1 {
		t.Fatalf("a refused version was stored: v%d", p.Version)
	}

	// Three letters are enough, in either language; 500 are not too many.
	for i, reason := range []string{"عيد", "Eid", strings.Repeat("ب", 500)} {
		if v := f.savePolicy(reason, cur); v != i+2 {
			t.Fatalf("saved v%d, want v%d", v, i+2)
		}
	}
}

func TestPolicyListAndRead(t *testing.T) {
	f := newFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	cur["objection_window"] = "7d"
	f.savePolicy("مهلة اعتراض أطول", cur)
	f.clock.Advance(time.Hour)
	cur["objection_review"] = "2d"
	f.savePolicy("Faster reviews", cur)

	r := f.do(req{method: "GET", path: "/api/v1/policies?limit=2", token: testTokens["auditor"]})
	r.expect(http.StatusOK)
	var page struct {
		Items []struct {
			Version   int       `json:"version"`
			CreatedAt time.Time `json:"created_at"`
			CreatedBy string    `json:"created_by"`
			Reason    string    `json:"reason"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	r.json(&page)
	if len(page.Items) != 2 || page.Items[0].Version != 3 || page.Items[0].Reason != "Faster reviews" ||
		page.Items[0].CreatedBy != "admin" || page.Items[1].Version != 2 || page.Items[1].Reason != "مهلة اعتراض أطول" ||
		page.NextCursor != "2" {
		t.Fatalf("first page %+v", page)
	}
	r = f.do(req{method: "GET", path: "/api/v1/policies?limit=2&cursor=" + page.NextCursor, token: testTokens["auditor"]})
	r.expect(http.StatusOK)
	page.Items, page.NextCursor = nil, "x"
	r.json(&page)
	if len(page.Items) != 1 || page.Items[0].Version != 1 || page.NextCursor != "" {
		t.Fatalf("last page %+v", page)
	}
	for _, bad := range []struct {
		query  string
		status int
		code   string
	}{
		{"cursor=x", http.StatusBadRequest, codeBadCursor},
		{"cursor=-1", http.StatusBadRequest, codeBadCursor},
		{"limit=0", http.StatusUnprocessableEntity, codeValidation},
		{"limit=201", http.StatusUnprocessableEntity, codeValidation},
		{"version=2", http.StatusUnprocessableEntity, codeValidation},
	} {
		f.do(req{offContract: true, method: "GET", path: "/api/v1/policies?" + bad.query, token: testTokens["admin"]}).
			expectProblem(bad.status, bad.code)
	}

	v2 := f.readPolicy("/api/v1/policies/2")
	if v2["version"] != float64(2) || v2["objection_window"] != "7d" || v2["objection_review"] != "3d" ||
		v2["reason"] != "مهلة اعتراض أطول" || v2["calendar"] == nil || v2["responses"] == nil {
		t.Errorf("v2 %v", v2)
	}
	if cur := f.readPolicy("/api/v1/policies/current"); cur["version"] != float64(3) {
		t.Errorf("current is v%v", cur["version"])
	}
	for _, path := range []string{"/api/v1/policies/99", "/api/v1/policies/0", "/api/v1/policies/latest"} {
		f.do(req{offContract: true, method: "GET", path: path, token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	}
}

// Holidays show their Umm al-Qura dates; stored bodies never carry them, and
// a policy read back with them is accepted as it is.
func TestPolicyHolidaysHijri(t *testing.T) {
	f := newFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	cal := cur["calendar"].(map[string]any)
	cal["holidays"] = []any{
		map[string]any{"from": "2025-03-30", "to": "2025-04-02", "name": "عيد الفطر 1446"},
		map[string]any{"from": "2025-06-05", "to": "2025-06-09", "name": "عيد الأضحى 1446"},
		map[string]any{"from": "2025-06-26", "to": "2025-06-26", "name": "رأس السنة الهجرية 1447"},
		map[string]any{"from": "1900-01-01", "to": "1900-01-01", "name": "before the tables"},
	}
	v := f.savePolicy("إجازات الأعياد 1446", cur)

	type hijri struct{ Date, AR, EN string }
	read := f.readPolicy("/api/v1/policies/current")
	raw, _ := json.Marshal(read["calendar"].(map[string]any)["holidays"])
	var got []struct {
		From      string `json:"from"`
		To        string `json:"to"`
		FromHijri *hijri `json:"from_hijri"`
		ToHijri   *hijri `json:"to_hijri"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := []struct{ from, to *hijri }{
		{&hijri{"1446-10-01", "1 شوال 1446", "1 Shawwal 1446"}, &hijri{"1446-10-04", "4 شوال 1446", "4 Shawwal 1446"}},
		{&hijri{"1446-12-09", "9 ذو الحجة 1446", "9 Dhu al-Hijjah 1446"}, &hijri{"1446-12-13", "13 ذو الحجة 1446", "13 Dhu al-Hijjah 1446"}},
		{&hijri{"1447-01-01", "1 محرم 1447", "1 Muharram 1447"}, &hijri{"1447-01-01", "1 محرم 1447", "1 Muharram 1447"}},
		{nil, nil},
	}
	if len(got) != len(want) {
		t.Fatalf("holidays %s", raw)
	}
	for i, w := range want {
		if (w.from == nil) != (got[i].FromHijri == nil) || (w.from != nil && (*w.from != *got[i].FromHijri || *w.to != *got[i].ToHijri)) {
			t.Errorf("holiday %d: %s", i, raw)
		}
	}
	// Current and by number alike.
	for _, path := range []string{"/api/v1/policies/current", "/api/v1/policies/2"} {
		r := f.do(req{method: "GET", path: path, token: testTokens["agent"]})
		r.expect(http.StatusOK)
		for _, want := range []string{
			`{"from":"2025-03-30","to":"2025-04-02","name":"عيد الفطر 1446",` +
				`"from_hijri":{"date":"1446-10-01","ar":"1 شوال 1446","en":"1 Shawwal 1446"},` +
				`"to_hijri":{"date":"1446-10-04","ar":"4 شوال 1446","en":"4 Shawwal 1446"}}`,
			`{"from":"1900-01-01","to":"1900-01-01","name":"before the tables"}`,
		} {
			if !strings.Contains(r.Body.String(), want) {
				t.Errorf("%s lacks %s: %s", path, want, r.Body.String())
			}
		}
	}

	// What is stored has none of it.
	db, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var body string
	if err := db.QueryRow(`SELECT body FROM policies WHERE version = ?`, v).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "hijri") || !strings.Contains(body, `"from":"2025-03-30"`) {
		t.Fatalf("stored body %s", body)
	}

	// Read back, Hijri dates included (one even edited), and saved again:
	// accepted, the Gregorian dates are what counts, and nothing Hijri is kept.
	hs := read["calendar"].(map[string]any)["holidays"].([]any)
	hs[0].(map[string]any)["from_hijri"] = map[string]any{"date": "1446-10-02", "ar": "2 شوال 1446", "en": "2 Shawwal 1446"}
	again := f.savePolicy("Same holidays, read back", read)
	p, err := f.store.GetPolicy(context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	if p.Calendar.Holidays[0] != (sla.Holiday{From: "2025-03-30", To: "2025-04-02", Name: "عيد الفطر 1446"}) {
		t.Errorf("holiday saved back %+v", p.Calendar.Holidays[0])
	}
	if d := f.readPolicy("/api/v1/policies/diff?from=2&to=3")["changes"].([]any); len(d) != 0 {
		t.Errorf("a policy saved back as read differs: %v", d)
	}
	// Other unknown fields stay refused.
	hs[0].(map[string]any)["colour"] = "green"
	read["reason"] = "with a stray field"
	f.do(req{offContract: true, method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: read}).
		expectProblem(http.StatusBadRequest, codeUnknownField)
}

func TestPolicyDiff(t *testing.T) {
	f := newFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	cur["objection_window"] = "7d"
	cur["calendar"].(map[string]any)["holidays"] = []any{
		map[string]any{"from": "2026-03-19", "to": "2026-03-23", "name": "عيد الفطر"},
	}
	for _, r := range cur["responses"].([]any) {
		rule := r.(map[string]any)
		if rule["kind"] == "complaint" && rule["priority"] == "high" {
			rule["allowance"] = "2d"
		}
	}
	cur["ladder"].([]any)[2].(map[string]any)["allowance"] = "1d"
	f.savePolicy("Eid and faster complaints", cur)

	r := f.do(req{method: "GET", path: "/api/v1/policies/diff?from=1&to=2", token: testTokens["coord-ksu"]})
	r.expect(http.StatusOK)
	var d struct {
		From, To int
		Changes  []struct {
			Path string          `json:"path"`
			From json.RawMessage `json:"from"`
			To   json.RawMessage `json:"to"`
		}
	}
	r.json(&d)
	var got []string
	for _, c := range d.Changes {
		got = append(got, c.Path+" "+string(c.From)+" → "+string(c.To))
	}
	want := []string{
		`calendar.holidays[from=2026-03-19,to=2026-03-23] null → {"from":"2026-03-19","to":"2026-03-23","name":"عيد الفطر",` +
			`"from_hijri":{"date":"1447-09-30","ar":"30 رمضان 1447","en":"30 Ramadan 1447"},` +
			`"to_hijri":{"date":"1447-10-04","ar":"4 شوال 1447","en":"4 Shawwal 1447"}}`,
		`responses[kind=complaint,priority=high].allowance "1d4h" → "2d"`,
		`ladder[2].allowance "2d" → "1d"`,
		`objection_window "5d" → "7d"`,
	}
	if d.From != 1 || d.To != 2 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff %d→%d:\n%s\nwant\n%s", d.From, d.To, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	r = f.do(req{method: "GET", path: "/api/v1/policies/diff?from=2&to=2", token: testTokens["agent"]})
	r.expect(http.StatusOK)
	if !strings.Contains(r.Body.String(), `"changes":[]`) {
		t.Errorf("same version: %s", r.Body.String())
	}
	f.do(req{method: "GET", path: "/api/v1/policies/diff?from=1&to=9", token: testTokens["agent"]}).
		expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "GET", path: "/api/v1/policies/diff?from=9&to=9", token: testTokens["agent"]}).
		expectProblem(http.StatusNotFound, codeNotFound)
	p := f.do(req{offContract: true, method: "GET", path: "/api/v1/policies/diff?from=x&colour=red", token: testTokens["agent"]}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field+":"+e.Code)
	}
	if strings.Join(fields, ",") != "colour:unknown_field,from:invalid_value,to:required" {
		t.Errorf("errors %v", fields)
	}
}

// ---- preview ----------------------------------------------------------------

// riyadhAt is a local time in Riyadh (UTC+3, no daylight saving) in March 2026.
func riyadhAt(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour-3, 0, 0, 0, time.UTC)
}

// previewCase is one open ticket as the workflow left it, and what a preview
// of the test's version 2 must find: the shift of its running deadline, or
// "" for a ticket the preview must leave out of the moves.
type previewCase struct {
	name  string
	ch    store.TicketChange // Number and Version filled in
	class string             // earlier, later, unchanged, not_computable, already, closed
	shift time.Duration
}

// previewTickets files one ticket per case (all complaints of normal priority
// under version 1, filed Sunday 2026-03-01 09:00 Riyadh) and projects its state.
func (f *fixture) previewTickets(cases []previewCase) []string {
	f.t.Helper()
	numbers := make([]string, len(cases))
	for i, c := range cases {
		numbers[i] = f.file("").Number
		ch := c.ch
		ch.Number, ch.Version = numbers[i], 1
		if ch.Status == "" {
			ch.Status = domain.StatusOpen
		}
		if ch.PolicyVersion == 0 {
			ch.PolicyVersion = 1
		}
		ch.ResponsibleEntity = "KSU"
		if err := f.store.ApplyChange(context.Background(), ch); err != nil {
			f.t.Fatal(err)
		}
	}
	return numbers
}

func ptrTime(t time.Time) *time.Time { return &t }

// The test's version 2: complaints of normal priority get 2 working days
// instead of 3, the first rung 2 days instead of 1, the objection window 7
// days instead of 5; the second rung and the review keep theirs.
func previewPolicy(t *testing.T, f *fixture) map[string]any {
	t.Helper()
	p := f.readPolicy("/api/v1/policies/current")
	for _, r := range p["responses"].([]any) {
		rule := r.(map[string]any)
		if rule["kind"] == "complaint" && rule["priority"] == "normal" {
			rule["allowance"] = "2d"
		}
	}
	p["ladder"].([]any)[0].(map[string]any)["allowance"] = "2d"
	p["objection_window"] = "7d"
	return p
}

func TestPolicyPreview(t *testing.T) {
	f := newFixture(t)
	// Several pages of a few tickets.
	ps, err := policies.New(policies.Options{Store: f.store, Audit: f.api.auditor, Tickets: f.api.tickets, Now: f.clock.Now, PreviewPageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	f.api.policies = ps

	filed := f.clock.Now() // Sunday 09:00 Riyadh
	answered := riyadhAt(3, 1, 10)
	day := 24 * time.Hour
	cases := []previewCase{
		// 3 working days from Sunday 09:00 end Wednesday 09:00; 2 end Tuesday 09:00.
		{name: "open, first answer", class: "earlier", shift: -day,
			ch: store.TicketChange{SLAStageStart: &filed, SLADueAt: riyadhAt(3, 4, 9)}},
		{name: "open, projected before 0005 (no stage start): from the filing", class: "earlier", shift: -day,
			ch: store.TicketChange{SLADueAt: riyadhAt(3, 4, 9)}},
		// Rung 1 from Monday 09:00: 1 working day ends Tuesday 09:00, 2 end Wednesday 09:00.
		{name: "escalated to rung 1", class: "later", shift: day,
			ch: store.TicketChange{EscalationLevel: 1, EscalationRole: domain.RoleCareCenterManager,
				SLAStageStart: ptrTime(riyadhAt(3, 2, 9)), SLADueAt: riyadhAt(3, 3, 9)}},
		{name: "escalated to rung 2, whose allowance stays", class: "unchanged",
			ch: store.TicketChange{EscalationLevel: 2, EscalationRole: domain.RoleEntityHead,
				SLAStageStart: ptrTime(riyadhAt(3, 2, 9)), SLADueAt: riyadhAt(3, 3, 9)}},
		// The objection window runs 24x7 from the answer: 5 days, then 7.
		{name: "answered", class: "later", shift: 2 * day,
			ch: store.TicketChange{Status: domain.StatusAnswered, SLAStageStart: &filed, SLADueAt: riyadhAt(3, 4, 9),
				RespondedAt: &answered, ObjectionUntil: ptrTime(answered.Add(5 * day))}},
		{name: "answered, its window not projected", class: "not_computable",
			ch: store.TicketChange{Status: domain.StatusAnswered, SLAStageStart: &filed, SLADueAt: riyadhAt(3, 4, 9),
				RespondedAt: &answered}},
		// The review's 3 working days from Sunday 09:00 end Wednesday 09:00 under both.
		{name: "objection under review", class: "unchanged",
			ch: store.TicketChange{Status: domain.StatusReopened, Round: 1, SLAStageStart: &filed, SLADueAt: riyadhAt(3, 4, 9)}},
		{name: "escalated, projected before 0005", class: "not_computable",
			ch: store.TicketChange{EscalationLevel: 1, EscalationRole: domain.RoleCareCenterManager, SLADueAt: riyadhAt(3, 3, 9)}},
		{name: "closed", class: "closed",
			ch: store.TicketChange{Status: domain.StatusClosed, SLAStageStart: &filed, SLADueAt: riyadhAt(3, 4, 9), ClosedAt: &answered}},
		{name: "already on version 2", class: "already", ch: store.TicketChange{PolicyVersion: 2, SLAStageStart: &filed,
			SLADueAt: riyadhAt(3, 3, 9)}},
		// From Wednesday 2026-02-25 08:00: 3 working days end Sunday 15:00,
		// later today; 2 ended Thursday 15:00, already past.
		{name: "open since last Wednesday", class: "earlier", shift: -3 * day,
			ch: store.TicketChange{SLAStageStart: ptrTime(riyadhAt(2, 25, 8)), SLADueAt: riyadhAt(3, 1, 15)}},
	}
	numbers := f.previewTickets(cases)
	draft := previewPolicy(t, f)

	// The current deadlines above are what version 1 gives (the test's own check).
	v1, err := f.store.GetPolicy(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.class == "not_computable" || c.class == "closed" || c.class == "already" {
			continue
		}
		start := filed
		if c.ch.SLAStageStart != nil {
			start = *c.ch.SLAStageStart
		}
		status := c.ch.Status
		if status == "" {
			status = domain.StatusOpen
		}
		r, err := v1.Recompute(sla.Stage{Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Status: status,
			Round: c.ch.Round, EscalationLevel: c.ch.EscalationLevel, Start: start, RespondedAt: c.ch.RespondedAt})
		if err != nil {
			t.Fatal(err)
		}
		if r.ObjectionUntil != nil {
			if !r.ObjectionUntil.Equal(*c.ch.ObjectionUntil) {
				t.Fatalf("%s: objection until %v under v1, the case says %v", c.name, r.ObjectionUntil, c.ch.ObjectionUntil)
			}
		} else if !r.SLADueAt.Equal(c.ch.SLADueAt) {
			t.Fatalf("%s: due %v under v1, the case says %v", c.name, r.SLADueAt, c.ch.SLADueAt)
		}
	}

	check := func(what string, body any, version int, draft bool) {
		t.Helper()
		r := f.do(req{method: "POST", path: "/api/v1/policies/preview", token: testTokens["admin"], body: body})
		r.expect(http.StatusOK)
		var got policies.Preview
		r.json(&got)
		if got.Version != version || got.Draft != draft || got.Open != 10 || got.AlreadyOnVersion != 1 ||
			got.Earlier != 3 || got.Later != 2 || got.Unchanged != 2 || got.NotComputable != 2 || got.Changed != 5 ||
			got.NewlyPastDue != 1 {
			t.Fatalf("%s: %s", what, r.Body.String())
		}
		if s := got.Shift; s == nil || s.Min != (policies.Shift{Seconds: -3 * 86400, Human: "-3d"}) || s.Median != (policies.Shift{Seconds: -86400, Human: "-1d"}) ||
			s.Max != (policies.Shift{Seconds: 2 * 86400, Human: "+2d"}) {
			t.Fatalf("%s: shift %+v", what, got.Shift)
		}
		// Farthest first, then by number: Wednesday's, the answered one, then the three of a day.
		wantSample := []int{10, 4, 0, 1, 2}
		if len(got.Sample) != len(wantSample) {
			t.Fatalf("%s: sample %+v", what, got.Sample)
		}
		for i, ci := range wantSample {
			c, s := cases[ci], got.Sample[i]
			wantDeadline := "sla_due_at"
			if c.ch.Status == domain.StatusAnswered {
				wantDeadline = "objection_until"
			}
			if s.Number != numbers[ci] || s.NewDue.Sub(s.CurrentDue) != c.shift || s.Shift.Seconds != int64(c.shift/time.Second) ||
				s.Deadline != wantDeadline {
				t.Errorf("%s: sample[%d] = %+v; want %s (%s) moved %s", what, i, s, numbers[ci], c.name, c.shift)
			}
		}
	}

	// A draft counts as the next version: 2.
	check("draft", map[string]any{"policy": draft}, 2, true)
	f.savePolicy("Faster complaints, longer objections", draft)
	check("stored version 2", map[string]any{"version": 2}, 2, false)

	// Version 1 is what every open ticket already has.
	r := f.do(req{method: "POST", path: "/api/v1/policies/preview", token: testTokens["admin"], body: `{"version":1}`})
	r.expect(http.StatusOK)
	var v1Preview policies.Preview
	r.json(&v1Preview)
	if v1Preview.Open != 10 || v1Preview.AlreadyOnVersion != 10 || v1Preview.Changed != 0 || v1Preview.Shift != nil ||
		len(v1Preview.Sample) != 0 {
		t.Errorf("preview of v1: %s", r.Body.String())
	}

	// Nothing was changed by looking.
	row, err := f.store.GetTicket(context.Background(), numbers[0])
	if err != nil || row.PolicyVersion != 1 || !row.SLADueAt.Equal(riyadhAt(3, 4, 9)) {
		t.Errorf("ticket after previews: v%d due %v (%v)", row.PolicyVersion, row.SLADueAt, err)
	}
	if len(f.tc.startCalls()) != len(cases) {
		t.Errorf("a preview started workflows: %d starts", len(f.tc.startCalls()))
	}
}

func TestPolicyPreviewRefusals(t *testing.T) {
	f := newFixture(t)
	draft := previewPolicy(t, f)
	admin := testTokens["admin"]
	preview := func(body any) resp {
		return f.do(req{offContract: true, method: "POST", path: "/api/v1/policies/preview", token: admin, body: body,
			headers: map[string]string{"Accept-Language": "en"}})
	}
	p := preview(map[string]any{}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if len(p.Errors) != 1 || p.Errors[0].Field != "version" || p.Errors[0].Message != textPreviewOneOf.EN {
		t.Errorf("neither: %+v", p.Errors)
	}
	p = preview(map[string]any{"version": 1, "policy": draft}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if len(p.Errors) != 1 || p.Errors[0].Field != "policy" {
		t.Errorf("both: %+v", p.Errors)
	}
	preview(map[string]any{"version": -1}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	preview(map[string]any{"version": 9}).expectProblem(http.StatusNotFound, codeNotFound)
	preview(`{"version":"1"}`).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	preview(`{"versions":1}`).expectProblem(http.StatusBadRequest, codeUnknownField)

	// A draft is validated like a PUT; its paths are under "policy.".
	draft["objection_review"] = "0s"
	draft["ladder"] = []any{}
	p = preview(map[string]any{"policy": draft}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, ",") != "policy.ladder,policy.objection_review" {
		t.Errorf("draft errors %v", fields)
	}
	// A draft needs no reason: it is not stored.
	if n, _ := f.store.ListPolicies(context.Background(), 0, 10); len(n.Versions) != 1 {
		t.Errorf("a preview stored a version: %+v", n)
	}
}

// Policy validation speaks the reader's language: every code has both
// texts, and the response never carries sla's Go message.
func TestPolicyErrorsInReadersLanguage(t *testing.T) {
	for _, code := range sla.ValidationCodes() {
		if tx, ok := texts.Field(code); !ok || tx.AR == "" || tx.EN == "" {
			t.Errorf("policy code %q has no texts in package texts", code)
		}
	}
	f := newFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	bad := map[string]any{"reason": "broken on purpose"}
	for k, v := range cur {
		bad[k] = v
	}
	cal := bad["calendar"].(map[string]any)
	cal["time_zone"] = "Mars/Olympus"
	responses := bad["responses"].([]any)
	responses[0].(map[string]any)["clock"] = "lunar"
	bad["responses"] = responses[:len(responses)-1] // drops meeting_request/urgent

	var p sla.Policy
	raw, _ := json.Marshal(bad)
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	goText := map[string]string{}
	for _, e := range p.Validate() {
		goText[e.Field] = e.Message
	}
	want := map[string]map[lang]string{
		"calendar.time_zone": {langAR: texts.FieldMessage(sla.CodeInvalidTimeZone, false), langEN: texts.FieldMessage(sla.CodeInvalidTimeZone, true)},
		"responses[0].clock": {langAR: texts.FieldMessage(sla.CodeInvalidClock, false), langEN: texts.FieldMessage(sla.CodeInvalidClock, true)},
		"responses":          {langAR: "لا توجد قاعدة للنوع meeting_request والأولوية urgent.", langEN: "No rule for kind meeting_request and priority urgent."},
	}
	for _, l := range []lang{langAR, langEN} {
		// A clock the schema does not list is bad input on purpose.
		r := f.do(req{offContract: true, method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: bad,
			headers: map[string]string{"Accept-Language": l.String()}})
		pr := r.expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(pr.Errors) != len(want) {
			t.Fatalf("%s: errors %+v, want %d", l, pr.Errors, len(want))
		}
		for _, e := range pr.Errors {
			if e.Message != want[e.Field][l] {
				t.Errorf("%s: %s message %q, want %q", l, e.Field, e.Message, want[e.Field][l])
			}
			if e.Message == goText[e.Field] || strings.Contains(e.Message, `"`) {
				t.Errorf("%s: %s carries Go text %q", l, e.Field, e.Message)
			}
		}
	}
}
