package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/workflows"
)

// channelFiling is how a ticket arrives by one channel: who files it and
// what the channel records.
type channelFiling struct {
	channel string
	token   string // "" = the beneficiary on the portal or the app, signed in
	details map[string]any
	email   string // the beneficiary's address (the e-mail channel answers there)
}

var channelFilings = []channelFiling{
	{channel: "portal"},
	{channel: "app", email: "sara@example.com"},
	{channel: "call_center", token: "t-agent", details: map[string]any{"verification": "registered_mobile"}},
	{channel: "social", token: "t-agent", details: map[string]any{"platform": "x", "handle": "@sara_student",
		"post_url": "https://x.com/sara_student/status/1"}},
	{channel: "walk_in", token: "t-reception"},
	{channel: "email", token: "t-agent", details: map[string]any{"message_id": "<q-17@mail.example.sa>"}, email: "sara@example.com"},
}

// stageTemplates maps the timeline lines the beneficiary is told of to the
// template of the message (the answer of a review closes the ticket).
var stageTemplates = map[string]string{
	"created": "created", "assigned": "assigned", "info_requested": "info_requested", "transferred": "transferred",
	"escalated": "escalated", "objected": "reopened", "survey_invited": "survey_invitation",
}

// One ticket per channel goes through every stage a beneficiary hears of:
// filed, taken up by a coordinator, a question answered, transferred,
// escalated at the new entity, answered, objected to, reviewed and closed,
// surveyed and rated. Every Notify activity fails once after queueing (the
// retry must add nothing): each stage reaches the beneficiary exactly once
// by SMS, and by e-mail when they gave an address; the escalation reaches
// the rung's officials in-app.
func TestJourneyPerChannel(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect+"/channels", func(t *testing.T) {
			dsn := "sqlite://" + t.TempDir() + "/tawasul.db"
			if dialect == "postgres" {
				dsn = pgSchema(t)
			}
			flaky := &flakyOutbox{calls: map[string]int{}}
			s := startWith(t, dsn, dialect, func(o *app.Options) {
				o.WrapOutbox = func(ob notify.Outbox) notify.Outbox { flaky.Outbox = ob; return flaky }
			})
			// 6 s to answer at every level, a long objection window.
			s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("6s", "1h")))
			var wg sync.WaitGroup
			numbers := make([]string, len(channelFilings))
			for i, cf := range channelFilings {
				wg.Go(func() { numbers[i] = journey(t, s, cf) })
			}
			wg.Wait()
			if dialect == "sqlite" && numbers[0] != "" {
				// The portal's journey: every stage, with the notify-assigned change.
				recordHistory(t, s.app, workflows.TicketWorkflowID(numbers[0]), "ticket_channel_journey")
			}
			// Every stage message of a ticket (key ticket-<n>/<seq>/…) had its
			// Notify retried; a rung's own messages may not have been, when the
			// answer cancelled the rung mid-retry. The last retries may still be
			// on their way.
			stage := regexp.MustCompile(`^ticket-[0-9-]+/[0-9]+/`)
			var missing []string
			waitFor(t, 30*time.Second, "every stage's Notify retried", func() bool {
				flaky.mu.Lock()
				defer flaky.mu.Unlock()
				missing = missing[:0]
				for key, n := range flaky.calls {
					if n < 2 && stage.MatchString(key) {
						missing = append(missing, key)
					}
				}
				return len(flaky.calls) > 0 && len(missing) == 0
			})
		})
	}
}

// journey runs one channel's ticket through every stage; it reports with
// t.Errorf (it runs beside the other channels).
func journey(t *testing.T, s *system, cf channelFiling) (number string) {
	fail := func(format string, args ...any) { t.Errorf(cf.channel+": "+format, args...) }
	body := ticketBody("KSU", "تأخر إصدار وثيقة التخرج ("+cf.channel+")")
	body["channel"] = cf.channel
	if cf.details != nil {
		body["channel_details"] = cf.details
	}
	if cf.email != "" {
		body["beneficiary"].(map[string]any)["email"] = cf.email
	}
	token := cf.token
	if token == "" {
		// The beneficiary files signed in: the mobile is proven, so every
		// stage reaches it (an anonymous filing would message nobody).
		var err error
		if token, err = s.signedIn(str(body["beneficiary"].(map[string]any)["mobile"])); err != nil {
			fail("signing in: %v", err)
			return ""
		}
	}
	r, err := s.send("POST", "/api/v1/tickets", token, body)
	if err != nil || r.Status != http.StatusCreated {
		fail("filing: %v %d %s", err, r.Status, r.Raw)
		return ""
	}
	number, code := str(r.Body["number"]), str(r.Body["tracking_code"])
	path := "/api/v1/tickets/" + number
	step := func(what, method, p, token string, body any, want int, headers ...string) bool {
		r, err := s.send(method, p, token, body, headers...)
		if err != nil || r.Status != want {
			fail("%s: %v HTTP %d, want %d: %s", what, err, r.Status, want, r.Raw)
			return false
		}
		return true
	}
	until := func(what string, cond func(response) bool) bool {
		deadline := time.Now().Add(40 * time.Second)
		for time.Now().Before(deadline) {
			if r, err := s.send("GET", path, "t-admin", nil); err == nil && r.Status == http.StatusOK && cond(r) {
				return true
			}
			time.Sleep(150 * time.Millisecond)
		}
		fail("timed out waiting for %s", what)
		return false
	}
	tracking := []string{"X-Tracking-Code", code}
	ok := step("claim", "POST", path+"/claim", "t-ksu", nil, http.StatusOK) &&
		step("question", "POST", path+"/info-requests", "t-ksu", map[string]any{"question": "ما رقمك الجامعي؟"}, http.StatusOK) &&
		step("answer to the question", "POST", path+"/info", "", map[string]any{"answer": "441105678"}, http.StatusOK, tracking...) &&
		step("transfer", "POST", path+"/transfer", "t-ksu", map[string]any{"entity": "KAU", "reason": "الوثيقة صادرة من جامعة الملك عبدالعزيز"}, http.StatusOK) &&
		until("an escalation at KAU", func(r response) bool {
			return str(r.Body["responsible_entity"]) == "KAU" && num(r.Body["escalation_level"]) >= 1
		}) &&
		// The rung's holder hears of it from the rung's own workflow; an
		// answer before that would (rightly) cancel the message.
		until("the rung's holder told", func(response) bool { return s.outboxTemplates(number)["inbox/escalation_assigned"] >= 1 }) &&
		step("answer", "POST", path+"/responses", "t-kau", map[string]any{"message": "صدرت الوثيقة"}, http.StatusOK) &&
		step("objection", "POST", path+"/objections", "", map[string]any{"reason": "لم تصلني الوثيقة"}, http.StatusOK, tracking...) &&
		until("the review at the sector", func(r response) bool { return str(r.Body["responsible_entity"]) == "UNIV" }) &&
		step("review", "POST", path+"/responses", "t-univ", map[string]any{"message": "أُرسلت الوثيقة بالبريد"}, http.StatusOK) &&
		until("closed", func(r response) bool { return str(r.Body["status"]) == "closed" })
	if !ok {
		return ""
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := s.send("POST", path+"/rating", "", map[string]any{"rating": 5}, tracking...)
		if err == nil && r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			fail("rating: %v %d %s", err, r.Status, r.Raw)
			return ""
		}
		time.Sleep(150 * time.Millisecond) // the survey opens a moment after closing
	}

	// What the beneficiary was told, against what happened: one SMS per
	// stage line of the timeline (and one e-mail when there is an address).
	var tk response
	if !until("the survey on the timeline", func(r response) bool {
		tk = r
		return strings.Contains(strings.Join(timelineTypes(r), ","), "survey_invited")
	}) {
		return ""
	}
	want := map[string]int{}
	for _, typ := range timelineTypes(tk) {
		if tpl, ok := stageTemplates[typ]; ok {
			want[tpl]++
		}
	}
	// "responded" is "answered" the first time and closes the review the second.
	want["answered"], want["closed"] = 1, 1
	for _, tpl := range []string{"created", "assigned", "info_requested", "transferred", "escalated", "answered", "reopened", "closed", "survey_invitation"} {
		if want[tpl] == 0 {
			fail("the timeline has no %s stage: %v", tpl, timelineTypes(tk))
		}
	}
	var got map[string]int
	for range 50 { // the last stages' rows may trail the timeline by a moment
		if got = s.outboxTemplates(number); got["sms/survey_invitation"] == 1 && (cf.email == "" || got["email/survey_invitation"] == 1) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for tpl, n := range want {
		if got["sms/"+tpl] != n {
			fail("%s: %d SMS, want %d (timeline %v; outbox %v)", tpl, got["sms/"+tpl], n, timelineTypes(tk), got)
		}
		wantMail := 0
		if cf.email != "" {
			wantMail = n
		}
		if got["email/"+tpl] != wantMail {
			fail("%s: %d e-mails, want %d", tpl, got["email/"+tpl], wantMail)
		}
	}
	if got["inbox/escalation_assigned"] < 1 {
		fail("no rung holder was told in-app: %v", got)
	}
	d, _ := tk.Body["channel_details"].(map[string]any)
	switch cf.channel {
	case "call_center":
		if str(d["verification"]) != "registered_mobile" {
			fail("channel details %v", d)
		}
	case "social":
		if str(d["platform"]) != "x" || str(d["handle"]) != "@sara_student" {
			fail("channel details %v", d)
		}
	case "walk_in":
		if str(tk.Body["queue_number"]) == "" {
			fail("a walk-in without a queue number: %s", tk.Raw)
		}
	}
	if cf.token != "" {
		if fb, _ := tk.Body["filed_by"].(map[string]any); str(fb["id"]) == "" || str(fb["role"]) == "beneficiary" {
			fail("a staffed channel's filer not recorded: %v", fb)
		}
	}
	return number
}
