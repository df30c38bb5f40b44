package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/web/i18n"
)

// An auditor's review, in Arabic and in English: a ticket filed and answered
// through the API; the auditor opens it, follows the link to its workflow
// history, sees the timeline beside Temporal's events (the answer's update
// and its actor redacted, a timer with when it was due, any rung's child)
// without the
// beneficiary's national ID or mobile anywhere on the page; opens the audit
// log, filters it by action and finds the chain intact. A coordinator is
// refused both pages. axe-core checks every page.
func TestWebAuditor(t *testing.T) {
	s, b := webSystem(t)
	body := ticketBody("KSU", "تأخر وثيقة التخرج")
	ben := body["beneficiary"].(map[string]any)
	nationalID, mobile := ben["national_id"].(string), ben["mobile"].(string)
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", body))
	number := str(r.Body["number"])
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-ksu", map[string]any{"message": "صدرت الوثيقة"}))

	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := b.For(t)
			en := lang == "en"
			tab := b.Tab()
			noDialogs(t, tab)
			signIn(b, tab, s.base, "auditor", "correct horse battery", en)

			b.Within(tab, 20*time.Second, "opening the ticket and its history",
				chromedp.Navigate(s.base+"/tickets/"+number), chromedp.WaitVisible(chromedp.CSS("article.ticket")),
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/tickets/%s/history"]`, number))),
				chromedp.WaitVisible(chromedp.CSS("table.events")))
			noPersonalData(t, tab, nationalID, mobile)
			b.Axe(tab, "history/"+lang)
			b.Shot(tab, "history-"+lang)
			if tl := text(t, tab, "ol.timeline"); !strings.Contains(tl, i18n.Lang(lang).T("event.responded")) && !strings.Contains(tl, "صدرت الوثيقة") {
				t.Errorf("the timeline does not show the answer: %q", tl)
			}
			events := text(t, tab, "table.events")
			if !strings.Contains(events, "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED") || !strings.Contains(events, "respond") {
				t.Errorf("the answer's update is not in the history: %.3000s", events)
			}
			if !strings.Contains(events, "[redacted]") {
				t.Errorf("the update's actor should read as redacted for an auditor: %.3000s", events)
			}
			all := events
			// The rungs: each child's history by its link.
			children, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
				`[...document.querySelectorAll('ul.workflows a:not([aria-current])')].map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatalf("reading the rungs' links: %v", err)
			}
			// Answered at once, the ticket may never have climbed a rung;
			// a child it did start has its link.
			if strings.Contains(events, "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED") && len(children) == 0 {
				t.Error("a rung's child workflow has no link to its history")
			}
			for _, href := range children {
				b.Within(tab, 20*time.Second, "opening a rung's history",
					chromedp.Navigate(s.base+href), chromedp.WaitVisible(chromedp.CSS("table.events")))
				noPersonalData(t, tab, nationalID, mobile)
				all += text(t, tab, "table.events")
			}
			if !strings.Contains(all, "EVENT_TYPE_TIMER_STARTED") || !strings.Contains(all, i18n.Lang(lang).T("history.due")) {
				t.Errorf("no timer with its due time in the histories: %.3000s", all)
			}

			b.Within(tab, 20*time.Second, "filtering the audit log by action",
				chromedp.Navigate(s.base+"/audit"), chromedp.WaitVisible(chromedp.CSS("#chain")),
				chromedp.SendKeys(chromedp.CSS("#audit-action"), "history.read"),
				chromedp.Click(chromedp.CSS("form.filters button.primary")))
			// The filtered page, not the one the click left (a wait on the
			// old page's table would race the navigation).
			waitLocation(t, tab, "action=history.read")
			b.Within(tab, 20*time.Second, "the filtered audit log", chromedp.WaitVisible(chromedp.CSS("table.audit")))
			if got := text(t, tab, "#chain .chain-status"); got != i18n.Lang(lang).T("audit.intact") {
				t.Errorf("the chain reads %q", got)
			}
			actions, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.audit td:nth-child(4)')].map(td => td.textContent.trim())`))
			if len(actions) == 0 {
				t.Error("the auditor's history reads are not in the log")
			}
			for _, a := range actions {
				if a != "history.read" {
					t.Errorf("the filter let %q through", a)
				}
			}
			noPersonalData(t, tab, nationalID, mobile)
			b.Axe(tab, "audit/"+lang)
			b.Shot(tab, "audit-"+lang)
		})
	}

	t.Run("coordinator", func(t *testing.T) {
		b := b.For(t)
		tab := b.Tab()
		signIn(b, tab, s.base, "coordinator", "correct horse battery", false)
		for _, path := range []string{"/tickets/" + number + "/history", "/audit"} {
			b.Within(tab, 20*time.Second, "opening "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
			status, err := chromedp.Run(tab, chromedp.Evaluate[int](`performance.getEntriesByType('navigation')[0].responseStatus`))
			if err != nil || status != http.StatusForbidden {
				t.Errorf("%s: status %d (%v), want 403", path, status, err)
			}
			if h1 := text(t, tab, "h1"); h1 != i18n.AR.T("problem.forbidden.title") {
				t.Errorf("%s: the page says %q", path, h1)
			}
		}
		if n, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/audit"]').length`)); n != 0 {
			t.Error("a coordinator is offered the audit log")
		}
	})
}

// noPersonalData fails if the page, its markup included, holds the national
// ID or the mobile in any form they are written in.
func noPersonalData(t *testing.T, tab context.Context, nationalID, mobile string) {
	t.Helper()
	html, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML + document.body.innerText`))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	local := strings.TrimPrefix(mobile, "0")
	for _, v := range []string{nationalID, mobile, local, "966" + local} {
		if strings.Contains(html, v) {
			t.Errorf("the page shows %q in clear", v)
		}
	}
}
