package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Two people on one ticket: each page says the other is working on it, and
// says so without a reload; when one leaves, the line goes.
func TestWebPresence(t *testing.T) {
	s, b := webSystem(t)
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "طلب يعمل عليه اثنان")))
	page := s.base + "/tickets/" + str(r.Body["number"])
	coordinator, manager := b.Tab(), b.Tab()
	signIn(b, coordinator, s.base, "coordinator", "correct horse battery", false)
	signIn(b, manager, s.base, "manager", "correct horse battery", false)
	b.Within(coordinator, 20*time.Second, "the coordinator opens the ticket",
		chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("article.ticket")),
		chromedp.Evaluate[chromedp.Void]("window.__stayed = true; undefined"))
	b.Within(manager, 20*time.Second, "the manager opens it too",
		chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#presence:not(.empty)")))
	if got := text(t, manager, "#presence"); !strings.Contains(got, "نورة القحطاني") {
		t.Errorf("the manager's page says %q, want the coordinator's name", got)
	}
	b.Within(coordinator, 20*time.Second, "the coordinator's page learns of the manager",
		chromedp.WaitVisible(chromedp.CSS("#presence:not(.empty)")))
	if got := text(t, coordinator, "#presence"); !strings.Contains(got, "فهد العتيبي") {
		t.Errorf("the coordinator's page says %q, want the manager's name", got)
	}
	stayed, err := chromedp.Run(coordinator, chromedp.Evaluate[bool]("window.__stayed === true"))
	if err != nil || !stayed {
		t.Error("the coordinator's page was reloaded to show who else is there")
	}
	b.Axe(coordinator, "ticket with presence")
	// The manager leaves; after a few polls the coordinator's line goes.
	b.Within(manager, 10*time.Second, "the manager leaves", chromedp.Navigate(s.base+"/inbox"))
	waitFor(t, 20*time.Second, "the presence line gone", func() bool {
		ctx, cancel := context.WithTimeout(coordinator, 2*time.Second)
		defer cancel()
		gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#presence.empty") !== null`))
		return err == nil && gone
	})
}
