package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tawasul/tawasul/workflows"
)

func str(v any) string { s, _ := v.(string); return s }

func num(v any) int { f, _ := v.(float64); return int(f) }

func (s *system) ticket(number string) response {
	return s.must(http.StatusOK, s.do("GET", "/api/v1/tickets/"+number, "t-admin", nil))
}

func (s *system) status(number string) string { return str(s.ticket(number).Body["status"]) }

func timelineTypes(r response) []string {
	var out []string
	items, _ := r.Body["timeline"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, str(m["type"]))
	}
	return out
}

// file files body anonymously on the portal: the tracking code acts on it,
// but nothing goes to its unproven mobile (fileSignedIn proves it).
func (s *system) file(body map[string]any, headers ...string) (number, code string) {
	s.t.Helper()
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", body, headers...))
	number, code = str(r.Body["number"]), str(r.Body["tracking_code"])
	if number == "" || code == "" || r.Body["sla_due_at"] == nil {
		s.t.Fatalf("201 without number, tracking code or sla_due_at: %s", r.Raw)
	}
	return number, code
}

// create → list → respond → object → respond → close, as a coordinator, the
// beneficiary and the reviewing sector would do it.
func TestTicketLifecycle(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		number, code := s.file(ticketBody("KSU", "شهادة التخرج"))
		if !strings.HasPrefix(number, fmt.Sprint(time.Now().Year())+"-") {
			t.Fatalf("number %q", number)
		}
		// A GET right after the POST finds it.
		if st := s.status(number); st != "open" {
			t.Fatalf("status right after filing: %s", st)
		}

		// The KSU coordinator sees it in the inbox; the KAU coordinator does not.
		inbox := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?status=open", "t-ksu", nil))
		if !containsNumber(inbox, number) {
			t.Fatalf("KSU inbox lacks %s: %s", number, inbox.Raw)
		}
		other := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets", "t-kau", nil))
		if containsNumber(other, number) {
			t.Fatalf("KAU coordinator sees KSU's ticket")
		}
		// Out of scope looks like absent: another entity cannot probe which numbers exist.
		s.must(http.StatusNotFound, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-kau",
			map[string]any{"message": "not mine"}))

		// Objecting before any answer is refused with a reason.
		r := s.must(http.StatusConflict, s.do("POST", "/api/v1/tickets/"+number+"/objections", "",
			map[string]any{"reason": "early"}, "X-Tracking-Code", code))
		if str(r.Body["code"]) != workflows.ErrNothingToObject {
			t.Fatalf("early objection: %s", r.Raw)
		}

		s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-ksu",
			map[string]any{"message": "تم إصدار الوثيقة"}))
		if st := s.status(number); st != "answered" {
			t.Fatalf("after answer: %s", st)
		}
		// Answering an answered ticket is a conflict, and changes nothing.
		r = s.must(http.StatusConflict, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-ksu",
			map[string]any{"message": "again"}))
		if str(r.Body["code"]) != workflows.ErrNotAwaitingResponse {
			t.Fatalf("second answer: %s", r.Raw)
		}

		// A wrong tracking code looks exactly like an unknown ticket.
		bad := s.do("POST", "/api/v1/tickets/"+number+"/objections", "", map[string]any{"reason": "x"}, "X-Tracking-Code", "WRONG")
		unknown := s.do("POST", "/api/v1/tickets/2000-999999/objections", "", map[string]any{"reason": "x"}, "X-Tracking-Code", "WRONG")
		if bad.Status != http.StatusNotFound || unknown.Status != http.StatusNotFound {
			t.Fatalf("wrong code %d / unknown %d", bad.Status, unknown.Status)
		}

		r = s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/objections", "",
			map[string]any{"reason": "الرد لم يحل المشكلة"}, "X-Tracking-Code", code))
		if str(r.Body["status"]) != "reopened" {
			t.Fatalf("objection: %s", r.Raw)
		}
		if tk := s.ticket(number); str(tk.Body["responsible_entity"]) != "UNIV" || num(tk.Body["round"]) != 1 {
			t.Fatalf("the review is not the sector's: %s", tk.Raw)
		}
		r = s.must(http.StatusConflict, s.do("POST", "/api/v1/tickets/"+number+"/objections", "",
			map[string]any{"reason": "twice"}, "X-Tracking-Code", code))
		if str(r.Body["code"]) != workflows.ErrAlreadyObjected {
			t.Fatalf("second objection: %s", r.Raw)
		}

		// The review is now the sector's: the sector official answers, and the ticket closes.
		s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-univ",
			map[string]any{"message": "تمت المراجعة"}))
		waitFor(t, 10*time.Second, "closed in the read model", func() bool { return s.status(number) == "closed" })

		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(number), "ticket_objection_review")
		}
		// The survey follows the closing (the ticket stays for its rating).
		const want = "created,responded,objected,reopened,responded,closed,survey_invited"
		var got string
		waitFor(t, 10*time.Second, "the survey invitation on the timeline", func() bool {
			got = strings.Join(timelineTypes(s.ticket(number)), ",")
			return got == want
		})
		if got != want {
			t.Fatalf("timeline: %s", got)
		}

		// The beneficiary's tracking view: public lines only, no staff identities.
		tr := s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+number, "", nil, "X-Tracking-Code", code))
		if str(tr.Body["status"]) != "closed" || strings.Contains(string(tr.Raw), "t-ksu") ||
			strings.Contains(string(tr.Raw), "ksu-coordinator") || strings.Contains(string(tr.Raw), validID("110000000")) {
			t.Fatalf("tracking view: %s", tr.Raw)
		}
		a := s.do("GET", "/api/v1/track/"+number, "", nil, "X-Tracking-Code", "WRONG")
		b := s.do("GET", "/api/v1/track/2000-999999", "", nil, "X-Tracking-Code", "WRONG")
		// Identical but for "instance", which echoes the path the caller sent.
		delete(a.Body, "instance")
		delete(b.Body, "instance")
		if a.Status != http.StatusNotFound || b.Status != http.StatusNotFound || fmt.Sprint(a.Body) != fmt.Sprint(b.Body) {
			t.Fatalf("wrong code and unknown number differ: %d %s / %d %s", a.Status, a.Raw, b.Status, b.Raw)
		}

		// The auditor reads the raw Temporal history of the ticket's workflow.
		h := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets/"+number+"/history", "t-auditor", nil))
		if evs, _ := h.Body["events"].([]any); len(evs) < 5 {
			t.Fatalf("history: %s", h.Raw)
		}
		// ...with every payload's data redacted (it carries personal data).
		raw := string(h.Raw)
		if n := strings.Count(raw, `"data":"`); n == 0 || n != strings.Count(raw, `"data":"[redacted]"`) {
			t.Fatalf("auditor history not redacted: %d payloads, %d redacted", n, strings.Count(raw, `"data":"[redacted]"`))
		}
		s.must(http.StatusForbidden, s.do("GET", "/api/v1/tickets/"+number+"/history", "t-ksu", nil))
	})
}

func containsNumber(r response, number string) bool {
	items, _ := r.Body["items"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); str(m["number"]) == number {
			return true
		}
	}
	return false
}

// A policy with second-long allowances: the ticket climbs every level to the
// minister's office and the timeline shows each. Two seconds a rung, so each
// rung's halfway reminder (one second in: allowances are whole seconds, so a
// one-second rung has none) fires before its deadline, as in every rung a
// ticket of a ministry climbs; the recorded rungs take that path.
func TestEscalatesLevelByLevelToTheMinister(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		r := s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("2s", "1h")))
		if num(r.Body["version"]) < 2 {
			t.Fatalf("policy version: %s", r.Raw)
		}
		// Invalid policies are refused with field errors and store nothing.
		bad := secondsPolicy("0s", "1h")
		bad["ladder"] = []map[string]any{{"role": "entity_head", "allowance": "1s"}}
		r = s.must(http.StatusUnprocessableEntity, s.do("PUT", "/api/v1/policies", "t-admin", bad))
		if errs, _ := r.Body["errors"].([]any); len(errs) == 0 {
			t.Fatalf("no field errors: %s", r.Raw)
		}
		s.must(http.StatusForbidden, s.do("PUT", "/api/v1/policies", "t-ksu", secondsPolicy("1s", "1h")))

		number, _ := s.file(ticketBody("KSU", "escalate me"))
		waitFor(t, 40*time.Second, "the top of the ladder", func() bool {
			return num(s.ticket(number).Body["escalation_level"]) == 5
		})
		tk := s.ticket(number)
		if str(tk.Body["escalation_role"]) != "minister_office" || num(tk.Body["policy_version"]) < 2 {
			t.Fatalf("at the top: %s", tk.Raw)
		}
		var levels []string
		items, _ := tk.Body["timeline"].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			if str(m["type"]) == workflows.EventEscalated {
				levels = append(levels, fmt.Sprintf("%d@%s", num(m["level"]), str(m["entity"])))
			}
		}
		if strings.Join(levels, ",") != "1@KSU,2@KSU,3@UNIV,4@MOE,5@MOE" {
			t.Fatalf("escalation levels: %v", levels)
		}
		// Every rung that expired reminded its holder first.
		if got := s.outboxTemplates(number)["inbox/escalation_reminder"]; got < 4 {
			t.Fatalf("%d escalation reminders, want one a rung that expired (4)", got)
		}
		// The minister's office answers; the climb is over.
		s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-minister",
			map[string]any{"message": "تمت المعالجة"}))
		waitFor(t, 10*time.Second, "answered", func() bool { return s.status(number) == "answered" })
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(number), "ticket_full_ladder")
			recordHistory(t, s.app, workflows.EscalationWorkflowID(number, 0, 1), "escalation_expired")
			recordHistory(t, s.app, workflows.EscalationWorkflowID(number, 0, 5), "escalation_top_level")
		}
	})
}

func TestIdempotencyKeyCreatesOneTicket(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		body := ticketBody("RUH-EDU", "same request twice")
		n1, c1 := s.file(body, "Idempotency-Key", "k-123")
		n2, c2 := s.file(body, "Idempotency-Key", "k-123")
		if n1 != n2 || c1 != c2 {
			t.Fatalf("retry made a second ticket: %s/%s vs %s/%s", n1, c1, n2, c2)
		}
		list := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?entity=RUH-EDU", "t-admin", nil))
		if items, _ := list.Body["items"].([]any); len(items) != 1 {
			t.Fatalf("want one ticket, got %s", list.Raw)
		}
		changed := ticketBody("RUH-EDU", "a different request")
		r := s.must(http.StatusUnprocessableEntity, s.do("POST", "/api/v1/tickets", "", changed, "Idempotency-Key", "k-123"))
		if str(r.Body["code"]) != "idempotency_key_reused" {
			t.Fatalf("reused key: %s", r.Raw)
		}
	})
}

func TestConcurrentCreates(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		const n = 20
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.do("POST", "/api/v1/tickets", "", ticketBody("KAU", fmt.Sprintf("concurrent %d", i)))
				if r.Status == http.StatusCreated {
					numbers[i] = str(r.Body["number"])
				} else {
					t.Errorf("create %d: %d %s", i, r.Status, r.Raw)
				}
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		c := s.app.Client
		for _, num := range numbers {
			if num == "" || seen[num] {
				t.Fatalf("numbers not distinct: %v", numbers)
			}
			seen[num] = true
			s.must(http.StatusOK, s.do("GET", "/api/v1/tickets/"+num, "t-admin", nil))
			d, err := c.DescribeWorkflowExecution(context.Background(), workflows.TicketWorkflowID(num), "")
			if err != nil {
				t.Fatalf("ticket %s has no workflow: %v", num, err)
			}
			if st := d.WorkflowExecutionInfo.Status; st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
				t.Fatalf("ticket %s workflow %s", num, st)
			}
		}
	})
}

// Refused requests get the right status and a problem+json body, and create nothing.
func TestBadInputCreatesNothing(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		mut := func(f func(b map[string]any)) map[string]any {
			b := ticketBody("KSU", "bad input")
			f(b)
			return b
		}
		ben := func(b map[string]any) map[string]any { return b["beneficiary"].(map[string]any) }
		cases := []struct {
			name string
			body any
			want int
		}{
			{"unknown field", mut(func(b map[string]any) { b["colour"] = "blue" }), 400},
			{"invalid kind", mut(func(b map[string]any) { b["kind"] = "praise" }), 422},
			{"invalid channel", mut(func(b map[string]any) { b["channel"] = "pigeon" }), 422},
			{"invalid priority", mut(func(b map[string]any) { b["priority"] = "whenever" }), 422},
			{"bad national id", mut(func(b map[string]any) { ben(b)["national_id"] = "1234567890" }), 422},
			{"bad mobile", mut(func(b map[string]any) { ben(b)["mobile"] = "0112345678" }), 422},
			{"unknown entity", mut(func(b map[string]any) { b["entity"] = "NOPE" }), 422},
			{"missing subject", mut(func(b map[string]any) { delete(b, "subject") }), 422},
			{"invalid utf-8", []byte("{\"kind\":\"complaint\",\"subject\":\"\xff\xfe\"}"), 400},
			{"not json", "kind=complaint", 400},
			{"over 1 MiB", mut(func(b map[string]any) { b["description"] = strings.Repeat("ا", 600_000) }), 413},
		}
		for _, c := range cases {
			r := s.do("POST", "/api/v1/tickets", "", offContract{c.body}, "Accept-Language", "en")
			if r.Status != c.want {
				t.Errorf("%s: want %d, got %d: %s", c.name, c.want, r.Status, r.Raw)
				continue
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("%s: content type %q", c.name, ct)
			}
			if str(r.Body["code"]) == "" || str(r.Body["title"]) == "" {
				t.Errorf("%s: problem without code/title: %s", c.name, r.Raw)
			}
		}
		// Arabic first: without Accept-Language the title is Arabic.
		r := s.do("POST", "/api/v1/tickets", "", offContract{mut(func(b map[string]any) { b["kind"] = "praise" })})
		if !containsArabic(str(r.Body["title"])) {
			t.Errorf("default title not Arabic: %s", r.Raw)
		}
		list := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets", "t-admin", nil))
		if items, _ := list.Body["items"].([]any); len(items) != 0 {
			t.Fatalf("refused requests created tickets: %s", list.Raw)
		}
		// Arabic-Indic digits in ID and mobile are folded and accepted.
		ok := mut(func(b map[string]any) {
			ben(b)["national_id"] = toArabicIndic(validID("110000000"))
			ben(b)["mobile"] = "٠٥١٢٣٤٥٦٧٨"
		})
		s.file(ok)
	})
}

func containsArabic(s string) bool {
	for _, r := range s {
		if r >= 0x0600 && r <= 0x06FF {
			return true
		}
	}
	return false
}

func toArabicIndic(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '٠' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}
