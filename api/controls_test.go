package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/store/storetest"
)

// postgresFixture is newFixture over a throwaway PostgreSQL schema.
func postgresFixture(t *testing.T) *fixture {
	t.Helper()
	f := buildFixtureOn(t, storetest.PostgresDSN(t, "api_test"), true)
	f.t = t
	return f
}

// controlEscapes are what an attacker puts in a text, as JSON escapes: NUL
// (which PostgreSQL refuses in text), other C0, CR, DEL, C1, lone
// surrogates (encoding/json turns them into U+FFFD) and bidi controls.
var controlEscapes = []string{
	`\u0000`, `\u0001`, `\u0008`, `\u001b[31m`, `\r`, `\u007f`, `\u0085`, `\u009b`,
	`\ud800`, `\udfff`, `\u202e`, `\u2066`, `\u200f`,
}

// controlChar is the test's own statement of what no stored or workflow
// text may hold (independent of normalize): C0 but newline and tab, DEL,
// C1, surrogates, bidi controls.
func controlChar(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F || r >= 0xD800 && r <= 0xDFFF ||
		r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// withControl is body (JSON) with the placeholder "§" in it replaced by the
// raw JSON escape esc.
func withControl(t *testing.T, body map[string]any, esc string) []byte {
	t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(j, []byte("§"), []byte(esc))
}

// withMark puts the placeholder "§" in the middle of s (between runes).
func withMark(s string) string {
	r := []rune(s)
	return string(r[:len(r)/2]) + "§" + string(r[len(r)/2:])
}

// setPath sets a dotted field ("beneficiary.name") of a body.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// strs calls fn with every string inside v (as JSON would carry it).
func strs(t *testing.T, v any, fn func(string)) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(j, &x); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			fn(x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(x)
}

// Every text field of every ticket route, with every kind of control
// character, sent through to a PostgreSQL read model: the API answers
// (2xx, or 422 for a code or a text left empty), never 500, and neither the
// row it writes nor the workflow's input or update holds a control (so the
// workflow's projection of it can never be refused: issue 15, item 1).
func TestControlCharactersNeverReachPostgresOrWorkflows(t *testing.T) {
	f := postgresFixture(t)
	ctx := context.Background()
	coord := f.account("sara", domain.RoleCoordinator, "KSU", "correct horse battery staple")

	// What reaches the workflow is projected as the workflow would: every
	// string it carries lands in PostgreSQL as a timeline line.
	var mu sync.Mutex
	seq := 0
	project := func(number, what string, v any) {
		t.Helper()
		strs(t, v, func(s string) {
			if strings.IndexFunc(s, controlChar) >= 0 {
				t.Errorf("%s: %+q reached the workflow", what, s)
			}
			mu.Lock()
			seq++
			ev := store.TicketEvent{Seq: seq, Type: "probe", At: f.clock.Now(), ActorRole: domain.RoleSystem, Message: s}
			mu.Unlock()
			if err := f.store.ApplyChange(ctx, store.TicketChange{Number: number, Version: 0, Status: domain.StatusOpen,
				SLADueAt: f.clock.Now(), Events: []store.TicketEvent{ev}}); err != nil {
				t.Errorf("%s: %+q refused by PostgreSQL: %v", what, s, err)
			}
		})
	}

	// A complaint at KSU, and a meeting request (the ministry's office's).
	base := f.file("")
	meet := f.file("", func(m map[string]any) { m["kind"] = "meeting_request" })
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		number := strings.TrimPrefix(o.WorkflowID, "ticket-")
		project(number, o.UpdateName, o.Args)
		return stateFor(number), nil
	}

	// Intake, each text field (channel details with their channel).
	for _, field := range []struct{ path, channel string }{
		{"subject", "portal"}, {"description", "portal"}, {"beneficiary.name", "portal"},
		{"entity", "portal"}, {"beneficiary.email", "portal"}, {"beneficiary.national_id", "portal"},
		{"beneficiary.mobile", "portal"},
		{"channel_details.handle", "social"}, {"channel_details.post_url", "social"},
		{"channel_details.message_id", "email"},
	} {
		for _, esc := range controlEscapes {
			body := ticketBody(func(m map[string]any) {
				m["channel"] = field.channel
				if field.channel != "portal" {
					m["kind"] = "inquiry"
				}
			})
			good := map[string]string{
				"subject": "تأخر", "description": "لم تصرف", "beneficiary.name": "سارة", "entity": "KSU",
				"beneficiary.email": "s@example.com", "beneficiary.national_id": validID("108765432"),
				"beneficiary.mobile": "0501234567", "channel_details.handle": "@moe", "channel_details.post_url": "https://x.com/moe/1",
				"channel_details.message_id": "<a@example.com>",
			}[field.path]
			setPath(body, field.path, withMark(good))
			before := len(f.tc.startCalls())
			r := f.do(req{method: "POST", path: "/api/v1/tickets", token: testTokens["agent"], body: withControl(t, body, esc)}.outsideContract())
			what := fmt.Sprintf("intake %s %s", field.path, esc)
			switch r.Code {
			case http.StatusCreated:
				var c created
				r.json(&c)
				tk, err := f.store.GetTicket(ctx, c.Number)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				strs(t, tk, func(s string) {
					if strings.IndexFunc(s, controlChar) >= 0 {
						t.Errorf("%s: stored %+q", what, s)
					}
				})
				calls := f.tc.startCalls()
				if len(calls) != before+1 {
					t.Fatalf("%s: %d starts", what, len(calls)-before)
				}
				project(c.Number, what, calls[len(calls)-1].args)
			case http.StatusUnprocessableEntity:
			default:
				t.Errorf("%s: status %d: %s", what, r.Code, r.Body.String())
			}
		}
	}

	// Every action's text fields; other fields hold valid values.
	slot := f.clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339)
	code := map[string]string{trackingHeader: base.TrackingCode}
	meetCode := map[string]string{trackingHeader: meet.TrackingCode}
	for _, a := range []struct {
		number       string
		route, token string
		headers      map[string]string
		body         map[string]any
		fields       []string
	}{
		{base.Number, "responses", "coord-ksu", nil, map[string]any{"message": "تم"}, []string{"message"}},
		{base.Number, "notes", "coord-ksu", nil, map[string]any{"message": "ملاحظة"}, []string{"message"}},
		{base.Number, "info-requests", "coord-ksu", nil, map[string]any{"question": "ما رقمك؟"}, []string{"question"}},
		{base.Number, "transfer", "manager-ksu", nil, map[string]any{"entity": "UQU", "reason": "اختصاص"}, []string{"entity", "reason"}},
		{base.Number, "assignment", "manager-ksu", nil, map[string]any{"assignee": coord.Username, "note": "لك"}, []string{"assignee", "note"}},
		{base.Number, "follow-up/close", "admin", nil, map[string]any{"note": "اتصلنا"}, []string{"note"}},
		{meet.Number, "meeting/offer", "minister", nil, map[string]any{"at": slot, "place": "المكتب", "note": "أهلا"}, []string{"place", "note"}},
		{meet.Number, "meeting/decline", "minister", nil, map[string]any{"reason": "يحال"}, []string{"reason"}},
		{meet.Number, "meeting/attendance", "minister", nil, map[string]any{"attended": true, "note": "حضر"}, []string{"note"}},
		{base.Number, "info", "", code, map[string]any{"answer": "441105678"}, []string{"answer"}},
		{base.Number, "objections", "", code, map[string]any{"reason": "لم تحل"}, []string{"reason"}},
		{base.Number, "withdrawal", "", code, map[string]any{"reason": "حلت"}, []string{"reason"}},
		{base.Number, "rating", "", code, map[string]any{"rating": 4, "comment": "شكرا"}, []string{"comment"}},
		{meet.Number, "meeting/confirm", "", meetCode, map[string]any{"accept": false, "reason": "لا أستطيع"}, []string{"reason"}},
	} {
		for _, field := range a.fields {
			for _, esc := range controlEscapes {
				body := map[string]any{}
				for k, v := range a.body {
					body[k] = v
				}
				body[field] = withMark(a.body[field].(string))
				r := f.do(req{method: "POST", path: "/api/v1/tickets/" + a.number + "/" + a.route,
					token: testTokens[a.token], headers: a.headers, body: withControl(t, body, esc)}.outsideContract())
				if r.Code != http.StatusOK && r.Code != http.StatusUnprocessableEntity {
					t.Errorf("%s %s %s: status %d: %s", a.route, field, esc, r.Code, r.Body.String())
				}
			}
		}
	}

	// Query strings: a 422, not a 500 from a lookup; a path naming nothing
	// that can exist: a 404, as any number of the wrong shape.
	for path, status := range map[string]int{
		"/api/v1/tickets?entity=KSU%00":          http.StatusUnprocessableEntity,
		"/api/v1/faq/search?q=%00":               http.StatusUnprocessableEntity,
		"/api/v1/tickets?status=%7F":             http.StatusUnprocessableEntity,
		"/api/v1/tickets/" + base.Number + "%00": http.StatusNotFound,
		"/api/v1/tickets/2026%C2%85":             http.StatusNotFound,
	} {
		r := f.do(req{method: "GET", path: path, token: testTokens["admin"]}.outsideContract())
		if r.Code != status {
			t.Errorf("GET %s: status %d, want %d: %s", path, r.Code, status, r.Body.String())
		}
	}
}

// A policy's free text (its reason, a holiday's name) goes into the read
// model and, as the policy snapshot, into every workflow filed under it:
// on PostgreSQL a NUL in either was a 500, or worse, in a workflow's input.
func TestPolicyTextLosesControlCharactersOnPostgres(t *testing.T) {
	f := postgresFixture(t)
	cur := f.readPolicy("/api/v1/policies/current")
	cur["calendar"].(map[string]any)["holidays"] = []any{
		map[string]any{"from": "2026-03-30", "to": "2026-04-02", "name": "§عيد الفطر§"},
	}
	cur["reason"] = "إجازات§ الأعياد"
	for _, esc := range controlEscapes {
		r := f.do(req{method: "PUT", path: "/api/v1/policies", token: testTokens["admin"], body: withControl(t, cur, esc)}.outsideContract())
		r.expect(http.StatusCreated)
		p, err := f.store.CurrentPolicy(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		strs(t, p, func(s string) {
			if strings.IndexFunc(s, controlChar) >= 0 {
				t.Errorf("%s: stored %+q", esc, s)
			}
		})
	}
}

// FAQ entries are free text too: on PostgreSQL a NUL in one was a 500.
func TestFAQTextLosesControlCharactersOnPostgres(t *testing.T) {
	f := postgresFixture(t)
	for _, field := range []string{"question_ar", "answer_ar", "question_en", "answer_en", "reference", "category", "reviewed_on"} {
		for _, esc := range controlEscapes {
			body := faqEntryBody()
			body[field] = withMark(body[field].(string))
			r := f.do(req{method: "POST", path: "/api/v1/faq", token: testTokens["admin"], body: withControl(t, body, esc)}.outsideContract())
			what := field + " " + esc
			switch r.Code {
			case http.StatusCreated:
				var out map[string]any
				r.json(&out)
				strs(t, out, func(s string) {
					if strings.IndexFunc(s, controlChar) >= 0 {
						t.Errorf("%s: stored %+q", what, s)
					}
				})
			case http.StatusUnprocessableEntity:
			default:
				t.Errorf("%s: status %d: %s", what, r.Code, r.Body.String())
			}
		}
	}
}
