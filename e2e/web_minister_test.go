package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/web/i18n"
)

// The minister's office, the call center and the survey desk in the
// browser: a request to meet the minister filed through the API is opened
// by the office, which offers a slot through the form (an empty place first:
// the error at its field); the beneficiary accepts it with the tracking
// code; once its time has passed the office records that it was held and
// the ticket closes. An agent files a caller's ticket on /file (a bad
// mobile first: the error at its field, nothing filed), seeing the caller's
// earlier ticket beside the form, and reads out the number and code. The
// closed meeting, drawn onto the day's survey list, is called and its
// outcome recorded. axe-core checks every page; the agent works in English.
func TestWebMinisterOfficeAndDesks(t *testing.T) {
	path := t.TempDir() + "/tawasul.db"
	s, b := webSystemAt(t, path)
	policy := secondsPolicy("1h", "1h")
	policy["meetings"] = map[string]any{"min_notice": "4s", "confirm_window": "1h", "confirm_cutoff": "1s",
		"reminder_lead": "5s", "attendance_grace": "1h"}
	s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", policy))

	// --- The minister's office -------------------------------------------
	body := ticketBody("KSU", "طلب مقابلة معالي الوزير بشأن الابتعاث")
	body["kind"] = "meeting_request"
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", body))
	number, code := str(r.Body["number"]), str(r.Body["tracking_code"])

	office := b.Tab()
	noDialogs(t, office)
	signIn(b, office, s.base, "minister", "correct horse battery", false)
	b.Within(office, 20*time.Second, "opening the request",
		chromedp.Navigate(s.base+"/tickets/"+number), chromedp.WaitVisible(chromedp.CSS("#action-offer summary")))
	b.Axe(office, "meeting request/ar")

	slot := time.Now().Add(30 * time.Second).Truncate(time.Second)
	b.Within(office, 20*time.Second, "offering a slot without a place",
		chromedp.Click(chromedp.CSS("#action-offer summary")),
		chromedp.SetValue(chromedp.CSS("#offer-at"), slot.In(i18n.Riyadh).Format("2006-01-02T15:04:05")),
		chromedp.Click(chromedp.CSS("#action-offer button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`#offer-place[aria-invalid="true"]`)),
		chromedp.WaitVisible(chromedp.CSS("#offer-place-error")))
	b.Axe(office, "meeting offer with a field error/ar")
	b.Within(office, 20*time.Second, "offering the slot",
		chromedp.SetValue(chromedp.CSS("#offer-at"), slot.In(i18n.Riyadh).Format("2006-01-02T15:04:05")),
		chromedp.SendKeys(chromedp.CSS("#offer-place"), "مكتب معالي الوزير، الرياض"),
		chromedp.Click(chromedp.CSS("#action-offer button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	tk, err := s.app.Store.GetTicket(context.Background(), number)
	if err != nil || tk.MeetingAt == nil || !tk.MeetingAt.Equal(slot) {
		t.Fatalf("the slot offered is %v (%v), want %s read as Riyadh's time", tk.MeetingAt, err, slot)
	}
	b.Within(office, 20*time.Second, "the slot on the calendar",
		chromedp.Navigate(s.base+"/meetings"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`table.calendar a[href="/tickets/%s"]`, number))))
	b.Axe(office, "meetings/ar")
	b.Shot(office, "meetings-ar")

	r = s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/meeting/confirm", "", map[string]any{"accept": true}, "X-Tracking-Code", code))
	if str(r.Body["status"]) != "meeting_booked" {
		t.Fatalf("after accepting: %s", r.Raw)
	}
	time.Sleep(time.Until(slot) + 500*time.Millisecond)
	b.Within(office, 30*time.Second, "recording that the meeting was held",
		chromedp.Navigate(s.base+"/tickets/"+number),
		chromedp.WaitVisible(chromedp.CSS("#action-attendance summary")),
		chromedp.Click(chromedp.CSS("#action-attendance summary")),
		chromedp.Click(chromedp.CSS(`#action-attendance input[value="held"]`)),
		chromedp.Click(chromedp.CSS("#action-attendance button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	waitFor(t, 20*time.Second, "the meeting held and the ticket closed", func() bool {
		tk, err := s.app.Store.GetTicket(context.Background(), number)
		return err == nil && tk.Status == "closed" && tk.MeetingStatus == "held"
	})

	// --- The call center, in English ---------------------------------------
	const mobile = "0551234567"
	earlier := ticketBody("KSU", "استفسار سابق عن المكافأة")
	earlier["channel"], earlier["channel_details"] = "call_center", map[string]any{"verification": "registered_mobile"}
	earlier["beneficiary"].(map[string]any)["mobile"] = mobile
	r = s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", s.login("agent", "correct horse battery"), earlier))
	earlierNumber := str(r.Body["number"])

	agent := b.Tab()
	noDialogs(t, agent)
	signIn(b, agent, s.base, "agent", "correct horse battery", true)
	b.Within(agent, 20*time.Second, "the filing form, home for an agent", chromedp.WaitVisible(chromedp.CSS("#beneficiary-mobile")))
	b.Axe(agent, "file/en")
	b.Within(agent, 20*time.Second, "filing with a bad mobile",
		chromedp.SendKeys(chromedp.CSS("#beneficiary-name"), "Sara Al-Otaibi"),
		chromedp.SendKeys(chromedp.CSS("#beneficiary-mobile"), "12345"),
		chromedp.SendKeys(chromedp.CSS("#beneficiary-national_id"), validID("110000000")),
		chromedp.SetValue(chromedp.CSS("#beneficiary-type"), "student"),
		chromedp.SetValue(chromedp.CSS("#channel_details-verification"), "registered_mobile"),
		chromedp.SetValue(chromedp.CSS("#kind"), "complaint"),
		chromedp.SetValue(chromedp.CSS("#entity"), "KSU"),
		chromedp.SendKeys(chromedp.CSS("#subject"), "Graduation certificate not issued"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Two months after graduating, no certificate yet."),
		chromedp.Click(chromedp.CSS("form.card button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`#beneficiary-mobile[aria-invalid="true"]`)),
		chromedp.WaitVisible(chromedp.CSS("#beneficiary-mobile-error")))
	if got := text(t, agent, "#beneficiary-mobile-error"); got == "" {
		t.Error("the mobile's error has no text")
	}
	if v, _ := chromedp.Run(agent, chromedp.Evaluate[string](`document.getElementById("subject").value`)); v != "Graduation certificate not issued" {
		t.Errorf("the refused form lost the subject: %q", v)
	}
	b.Axe(agent, "file with a field error/en")
	b.Within(agent, 20*time.Second, "the caller's earlier ticket beside the form",
		chromedp.Clear(chromedp.CSS("#beneficiary-mobile")),
		chromedp.SendKeys(chromedp.CSS("#beneficiary-mobile"), mobile),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#history a[href="/tickets/%s"]`, earlierNumber))))
	b.Shot(agent, "file-en")
	// The form as it goes, to send it a second time as a double submit would.
	sent, err := chromedp.Run(agent, chromedp.Evaluate[string](`new URLSearchParams(new FormData(document.querySelector("form.card"))).toString()`))
	if err != nil || !strings.Contains(sent, "key=web-") {
		t.Fatalf("the form's body %q (%v) carries no key", sent, err)
	}
	b.Within(agent, 30*time.Second, "filing the ticket",
		chromedp.Click(chromedp.CSS("form.card button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#filed-code")))
	b.Axe(agent, "filed/en")
	filed, filedCode := strings.TrimSpace(text(t, agent, "#filed-number")), strings.TrimSpace(text(t, agent, "#filed-code"))
	// The code read out opens the ticket on the tracking page.
	s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+filed, "", nil, "X-Tracking-Code", filedCode))
	if tk, err := s.app.Store.GetTicket(context.Background(), filed); err != nil || tk.Channel != "call_center" || tk.BeneficiaryMobile != "+966551234567" {
		t.Errorf("filed %s: %+v %v", filed, tk, err)
	}
	// Sent again (a double submit, a resend): the same filing, the same code.
	again, err := chromedp.Run(agent, chromedp.Evaluate[string](fmt.Sprintf(
		`fetch("/file", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q}).then(r => r.text())`, sent),
		chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(again, filed) || !strings.Contains(again, filedCode) {
		t.Errorf("the form sent twice did not answer the first filing %s (%v)", filed, err)
	}
	if n := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?limit=200", "t-admin", nil)); strings.Count(string(n.Raw), "Graduation certificate not issued") != 1 {
		t.Errorf("the form sent twice filed twice: %s", n.Raw)
	}

	// --- The survey desk -------------------------------------------------
	// The meeting closed today; the list is of tickets closed the day
	// before, so its closing is moved back a day.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// (The store keeps instants in SQLite as microseconds since the epoch.)
	if res, err := db.Exec(`UPDATE tickets SET closed_at = ? WHERE number = ?`, time.Now().Add(-24*time.Hour).UnixMicro(), number); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("moved %d tickets' closing", n)
	}
	r = s.must(http.StatusOK, s.do("POST", "/api/v1/survey-calls/sample", "t-admin", nil))
	if n, _ := r.Body["total"].(float64); n < 1 {
		t.Fatalf("no calls drawn: %s", r.Raw)
	}
	surveyor := b.Tab()
	noDialogs(t, surveyor)
	signIn(b, surveyor, s.base, "surveyor", "correct horse battery", false)
	b.Within(surveyor, 20*time.Second, "the day's calls, home for a survey agent",
		chromedp.WaitVisible(chromedp.CSS(`.call a.tel[href="tel:+966512345678"]`)))
	b.Axe(surveyor, "survey calls/ar")
	b.Within(surveyor, 20*time.Second, "recording an outcome",
		chromedp.Click(chromedp.CSS(`.call input[name="outcome"][value="reached"]`)),
		chromedp.SetValue(chromedp.CSS(`.call select[name="rating"]`), "5"),
		chromedp.Click(chromedp.CSS(".call button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	b.Shot(surveyor, "survey-calls-ar")
	l := s.must(http.StatusOK, s.do("GET", "/api/v1/survey-calls", "t-admin", nil))
	items, _ := l.Body["items"].([]any)
	recorded := false
	for _, it := range items {
		m, _ := it.(map[string]any)
		recorded = recorded || str(m["ticket_number"]) == number && str(m["status"]) == "reached" && m["rating"] == float64(5)
	}
	if !recorded {
		t.Errorf("the call's outcome is not recorded: %s", l.Raw)
	}
}
