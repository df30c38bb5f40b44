package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// An administrator's escalation policy, in the browser: the form of a new
// version refuses a time that is not an allowance at its field and saves
// nothing; a valid one with its reason is saved and listed; the diff
// against the previous version shows the change; the preview shows what it
// would do to the open tickets; the roll-out starts and its panel reaches
// done without a reload. axe-core checks each page, in Arabic, and one in
// English.
func TestWebPolicyAdmin(t *testing.T) {
	s, b := webSystem(t)
	ctx := context.Background()
	// Open complaints of normal priority, filed under version 1 (3 working days).
	var numbers []string
	for range 3 {
		r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "تأخر إصدار الوثيقة")))
		numbers = append(numbers, str(r.Body["number"]))
	}
	before, err := s.app.Store.CurrentPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}

	tab := b.Tab()
	noDialogs(t, tab)
	signIn(b, tab, s.base, "admin", "correct horse battery", false)
	b.Within(tab, 20*time.Second, "the Policy link and the versions",
		chromedp.Click(chromedp.CSS(`header nav a[href="/policies"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.versions")))
	b.Axe(tab, "policies/ar")

	// complaint × normal is the grid's fourth cell (kinds, then priorities).
	const cell = "#responses-3-allowance"
	b.Within(tab, 20*time.Second, "the form of a new version",
		chromedp.Click(chromedp.CSS(`a[href="/policies/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("form.policy-form")))
	if got := value(t, tab, cell); got != "3d" {
		t.Fatalf("the form shows complaint × normal as %q, want the current 3d", got)
	}
	b.Axe(tab, "policy form/ar")
	b.Within(tab, 20*time.Second, "an allowance that is not one",
		chromedp.SetValue(chromedp.CSS(cell), "3x"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "تقصير مهلة الشكاوى العادية"),
		chromedp.Click(chromedp.CSS("form.policy-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(cell+`[aria-invalid="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(cell+"-error")))
	if got := value(t, tab, cell); got != "3x" {
		t.Errorf("the refused form shows %q, want what was typed", got)
	}
	if other := value(t, tab, "#responses-0-allowance"); other != "2d" {
		t.Errorf("inquiry × normal shows %q after the refusal, want 2d as it was", other)
	}
	if cur, _ := s.app.Store.CurrentPolicy(ctx); cur.Version != before.Version {
		t.Fatalf("a refused form saved version %d", cur.Version)
	}
	b.Axe(tab, "policy form with an error/ar")

	b.Within(tab, 20*time.Second, "saving a valid version",
		chromedp.SetValue(chromedp.CSS(cell), "2d4h"),
		chromedp.Click(chromedp.CSS("form.policy-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#rollout")))
	saved, err := s.app.Store.CurrentPolicy(ctx)
	if err != nil || saved.Version != before.Version+1 {
		t.Fatalf("after saving: version %d (%v), want %d", saved.Version, err, before.Version+1)
	}
	if r, _ := saved.Rule(domain.KindComplaint, domain.PriorityNormal); r.Allowance != sla.MustParseAllowance("2d4h") ||
		saved.Reason != "تقصير مهلة الشكاوى العادية" || saved.CreatedBy != "user:admin" {
		t.Errorf("saved %+v by %s for %q", r, saved.CreatedBy, saved.Reason)
	}
	v := strconv.Itoa(saved.Version)
	b.Axe(tab, "policy version/ar")

	b.Within(tab, 20*time.Second, "the new version in the list",
		chromedp.Navigate(s.base+"/policies"),
		chromedp.WaitVisible(chromedp.CSS(`table.versions a[href="/policies/`+v+`"]`)))
	if list := text(t, tab, "table.versions tbody"); !strings.Contains(list, "تقصير مهلة الشكاوى العادية") {
		t.Errorf("the list does not give the reason: %q", list)
	}

	b.Within(tab, 20*time.Second, "the diff against the previous version",
		chromedp.Click(chromedp.CSS(`table.versions a[href="/policies/`+v+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#rollout")),
		chromedp.Click(chromedp.CSS(`a[href^="/policies/diff?"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.diff")))
	if diff := text(t, tab, "table.diff tbody"); !strings.Contains(diff, "responses[kind=complaint,priority=normal].allowance") ||
		!strings.Contains(diff, "3d") || !strings.Contains(diff, "2d4h") {
		t.Errorf("the diff does not show the change: %q", diff)
	}
	b.Axe(tab, "policy diff/ar")

	b.Within(tab, 60*time.Second, "the preview on open tickets",
		chromedp.Navigate(s.base+"/policies/"+v),
		chromedp.Click(chromedp.CSS(`a[href="/policies/`+v+`/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.grid")))
	sample := text(t, tab, "table.grid tbody")
	for _, n := range numbers {
		if !strings.Contains(sample, n) {
			t.Errorf("the preview's sample lacks %s: %q", n, sample)
		}
	}
	b.Axe(tab, "policy preview/ar")

	// The roll-out: started from the version's page, followed there.
	b.Within(tab, 30*time.Second, "starting the roll-out",
		chromedp.Navigate(s.base+"/policies/"+v),
		chromedp.WaitVisible(chromedp.CSS("#rollout form button")),
		chromedp.Click(chromedp.CSS("#rollout form button")),
		chromedp.WaitVisible(chromedp.CSS(".alert.ok")),
		chromedp.Evaluate[chromedp.Void]("window.__stayed = true; undefined"))
	b.Within(tab, 60*time.Second, "the roll-out done", chromedp.WaitVisible(chromedp.CSS("#rollout .rollout-state.done")))
	if stayed, err := chromedp.Run(tab, chromedp.Evaluate[bool]("window.__stayed === true")); err != nil || !stayed {
		t.Errorf("the page was reloaded to show the roll-out's progress (%v)", err)
	}
	waitFor(t, 30*time.Second, "the open tickets on the new version", func() bool {
		for _, n := range numbers {
			tk, err := s.app.Store.GetTicket(ctx, n)
			if err != nil || tk.PolicyVersion != saved.Version {
				return false
			}
		}
		return true
	})
	entries, err := s.app.Store.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var created, applied bool
	for _, e := range entries {
		created = created || e.Action == "policy.created" && e.ActorID == "user:admin" && e.Subject == "policy/"+v
		applied = applied || e.Action == "policy.applied" && e.ActorID == "user:admin" && e.Subject == "policy/"+v
	}
	if !created || !applied {
		t.Errorf("audit log: created %v, applied %v", created, applied)
	}
	b.Axe(tab, "policy version rolled out/ar")
	b.Shot(tab, "policy-rolled-out-ar")

	// In English, the version's page.
	en := b.Tab()
	signIn(b, en, s.base, "admin", "correct horse battery", true)
	b.Within(en, 20*time.Second, "the version in English",
		chromedp.Navigate(s.base+"/policies/"+v),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #rollout .rollout-state.done`)))
	b.Axe(en, "policy version/en")
	b.Shot(en, "policy-en")
}

// value is the value of the first input matching sel on tab.
func value(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}
