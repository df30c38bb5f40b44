package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/store"
)

// A ticket left unanswered under a policy of seconds escalates to the
// care-center manager, whose bell shows the unread notification without a
// reload; the list shows it with its ticket, and marking all read clears
// the count. On the workload board the manager sees the coordinator
// holding the ticket with its counts and hands it to the other KSU
// coordinator: the read model's assignee changes. axe-core checks every
// page; the board is checked in English too.
func TestWebBellAndWorkload(t *testing.T) {
	s, b := webSystem(t)
	s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("6s", "1h")))
	manager := b.Tab()
	signIn(b, manager, s.base, "manager", "correct horse battery", false)
	b.Within(manager, 20*time.Second, "marking the inbox page",
		chromedp.WaitVisible(chromedp.CSS("#bell")),
		chromedp.Evaluate[chromedp.Void]("window.__stayed = true; undefined"))
	if n := count(t, manager, "#bell-count"); n != 0 {
		t.Fatalf("a new manager has an unread badge")
	}

	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "لم يرد أحد على طلبي")))
	number := str(r.Body["number"])
	b.Within(manager, 60*time.Second, "the bell's count appearing", chromedp.WaitVisible(chromedp.CSS("#bell-count")))
	if stayed, err := chromedp.Run(manager, chromedp.Evaluate[bool]("window.__stayed === true")); err != nil || !stayed {
		t.Errorf("the page was reloaded to show the count (%v)", err)
	}
	if got := strings.TrimSpace(text(t, manager, "#bell-count bdi")); got == "" || got == "0" {
		t.Errorf("the bell's count reads %q", got)
	}
	b.Axe(manager, "inbox with the bell")

	// The list: the escalation, linking to its ticket, unread.
	ticketLink := fmt.Sprintf(`.notes .note.unread a[href="/tickets/%s"]`, number)
	b.Within(manager, 20*time.Second, "opening the notifications",
		chromedp.Click(chromedp.CSS("#bell")), chromedp.WaitVisible(chromedp.CSS(ticketLink)))
	if got := text(t, manager, ".notes .note.unread .text"); !strings.Contains(got, number) {
		t.Errorf("the notification does not name its ticket %s: %q", number, got)
	}
	b.Axe(manager, "notifications")
	b.Within(manager, 20*time.Second, "marking all read",
		chromedp.Click(chromedp.CSS("form.mark-all button")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if n := count(t, manager, "#bell-count"); n != 0 {
		t.Errorf("the count is still shown after marking all read")
	}
	if n := count(t, manager, ".notes .note.unread"); n != 0 {
		t.Errorf("%d notifications still unread after marking all read", n)
	}

	// The board: the ticket's coordinator (the workflow's least-loaded
	// pick) with it open and overdue; hand it to the other.
	holder := waitAssignee(t, s, number, func(a string) bool { return a != "" })
	other := "coordinator2"
	if holder == store.AccountActorPrefix+other {
		other = "coordinator"
	}
	holderRow := fmt.Sprintf(`tr[data-coordinator="%s"]`, strings.TrimPrefix(holder, store.AccountActorPrefix))
	b.Within(manager, 20*time.Second, "opening the workload board",
		chromedp.Navigate(s.base+"/workload"), chromedp.WaitVisible(chromedp.CSS(holderRow)))
	for _, col := range []string{"open", "assigned"} {
		if got := strings.TrimSpace(text(t, manager, holderRow+" td."+col)); got != "1" {
			t.Errorf("%s's %s count: %q, want 1", holder, col, got)
		}
	}
	// Each rung of the ladder sets a new deadline, so the ticket is
	// overdue for good once it has climbed to the top: the board says so.
	for deadline := time.Now().Add(90 * time.Second); ; {
		got := strings.TrimSpace(text(t, manager, holderRow+" td.overdue"))
		if got == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's overdue count: %q, want 1 once the ladder is climbed", holder, got)
		}
		time.Sleep(time.Second)
		b.Within(manager, 20*time.Second, "reloading the board",
			chromedp.Navigate(s.base+"/workload"), chromedp.WaitVisible(chromedp.CSS(holderRow)))
	}
	if got := strings.TrimSpace(text(t, manager, fmt.Sprintf(`tr[data-coordinator="%s"] td.open`, other))); got != "0" {
		t.Errorf("%s's open count: %q, want 0", other, got)
	}
	b.Axe(manager, "workload")
	b.Shot(manager, "workload-ar")
	sel := "#to-" + number
	b.Within(manager, 30*time.Second, "handing the ticket over",
		chromedp.SetValue(chromedp.CSS(sel), other),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`li[data-ticket="%s"] form.reassign button`, number))),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	waitAssignee(t, s, number, func(a string) bool { return a == store.AccountActorPrefix+other })

	// The board in English, the ticket now on the other desk.
	en := b.Tab()
	signIn(b, en, s.base, "manager", "correct horse battery", true)
	b.Within(en, 20*time.Second, "the board in English",
		chromedp.Navigate(s.base+"/workload"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`html[lang="en"] [data-desk="%s"] li[data-ticket="%s"]`, other, number))))
	b.Axe(en, "workload in English")
}

// count is how many elements match sel on tab.
func count(t *testing.T, tab context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(tab, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("counting %s: %v", sel, err)
	}
	return n
}

// waitAssignee waits until the read model's assignee of number is one ok
// accepts, and returns it.
func waitAssignee(t *testing.T, s *system, number string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tk, err := s.app.Store.GetTicket(context.Background(), number)
		if err != nil {
			t.Fatal(err)
		}
		if ok(tk.AssignedTo) {
			return tk.AssignedTo
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket %s: assignee %q", number, tk.AssignedTo)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
