package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/web/browsertest"
)

// The staff workspace clicked through in a real browser (Chromium through
// chromedp) against a running system: Temporal, worker, API and pages.

// webPeople are the accounts of the web tests, by username.
var webPeople = []app.DevToken{
	{Name: "w-coordinator", Token: "t-w-coordinator", Role: domain.RoleCoordinator, Entity: "KSU", Username: "coordinator", Password: "correct horse battery"},
	// A second KSU coordinator, to hand tickets to (web_bell_test.go);
	// "coordinator" sorts first, so an idle tie still goes to the first.
	{Name: "w-coordinator2", Token: "t-w-coordinator2", Role: domain.RoleCoordinator, Entity: "KSU", Username: "coordinator2", Password: "correct horse battery"},
	{Name: "w-manager", Token: "t-w-manager", Role: domain.RoleCareCenterManager, Entity: "KSU", Username: "manager", Password: "correct horse battery"},
	{Name: "w-head", Token: "t-w-head", Role: domain.RoleEntityHead, Entity: "KSU", Username: "head", Password: "correct horse battery"},
	{Name: "w-kau", Token: "t-w-kau", Role: domain.RoleCoordinator, Entity: "KAU", Username: "kau-coordinator", Password: "correct horse battery"},
	{Name: "w-auditor", Token: "t-w-auditor", Role: domain.RoleAuditor, Username: "auditor", Password: "correct horse battery"},
	{Name: "w-admin", Token: "t-w-admin", Role: domain.RoleAdmin, Username: "admin", Password: "correct horse battery"},
	{Name: "w-minister", Token: "t-w-minister", Role: domain.RoleMinisterOffice, Username: "minister", Password: "correct horse battery"},
	{Name: "w-agent", Token: "t-w-agent", Role: domain.RoleAgent, Username: "agent", Password: "correct horse battery"},
	{Name: "w-surveyor", Token: "t-w-surveyor", Role: domain.RoleSurveyAgent, Username: "surveyor", Password: "correct horse battery"},
}

// webSystem is a running system with the web tests' accounts and the demo
// FAQ bank, its lists refreshing every second, and a browser.
func webSystem(t *testing.T) (*system, *browsertest.Browser) {
	t.Helper()
	return webSystemAt(t, t.TempDir()+"/tawasul.db")
}

// webSystemAt is webSystem on the SQLite database at path.
func webSystemAt(t *testing.T, path string) (*system, *browsertest.Browser) {
	t.Helper()
	b := browsertest.Start(t)
	s := start(t, "sqlite://"+path, "sqlite", func(o *app.Options) {
		o.DevAccounts = webPeople
		o.DemoFAQ = true
		o.WebPollEvery = time.Second
	})
	return s, b
}

// noDialogs fails the test if the tab ever opens a JavaScript dialog: text
// people typed must render inert.
func noDialogs(t *testing.T, tab context.Context) {
	t.Helper()
	if err := chromedp.Listen(tab, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			t.Errorf("a dialog opened (%s): %q", d.Type, d.Message)
		}
	}); err != nil {
		t.Fatalf("listening for dialogs: %v", err)
	}
}

// signIn signs username in on tab, in English when en (the switch on the
// sign-in page, which the account then keeps).
func signIn(b *browsertest.Browser, tab context.Context, base, username, password string, en bool) {
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/login"), chromedp.WaitVisible(chromedp.CSS(`html[lang="ar"] #username`))}
	if en {
		// The switch posts and comes back to the form; load it afresh.
		steps = append(steps, chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #username`)),
			chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #username`)))
	}
	steps = append(steps,
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("form.stack button.primary")),
		// Signed in: the header's sections (each role lands on its first).
		chromedp.WaitVisible(chromedp.CSS("header.top nav")),
	)
	b.Within(tab, 30*time.Second, "signing in as "+username, steps...)
}

// text is the text of the first element matching sel on tab.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// A coordinator's day, in Arabic and in English: a ticket filed through the
// API (its subject holding script, an image with a handler and a bidi
// override) is in the inbox; the coordinator opens it, sends an empty note
// and gets the form back with the error at its field, asks the beneficiary,
// sees the answer arrive, answers with a canned answer from the FAQ bank,
// and the ticket is answered. axe-core checks every page; no dialog ever
// opens.
func TestWebCoordinatorJourney(t *testing.T) {
	s, b := webSystem(t)
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := b.For(t)
			en := lang == "en"
			body := ticketBody("KSU", `تأخر المكافأة <script>alert(1)</script><img src=x onerror=alert(2)> `+"\u202E"+`evil`)
			r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", body))
			number, code := str(r.Body["number"]), str(r.Body["tracking_code"])

			tab := b.Tab()
			noDialogs(t, tab)
			signIn(b, tab, s.base, "coordinator", "correct horse battery", en)
			wantDir := map[bool]string{false: "rtl", true: "ltr"}[en]
			dir, _ := chromedp.Run(tab, chromedp.Evaluate[string]("document.documentElement.dir"))
			if dir != wantDir {
				loc, _ := chromedp.Run(tab, chromedp.Location())
				html, _ := chromedp.Run(tab, chromedp.Evaluate[string]("document.documentElement.outerHTML.slice(0, 300)"))
				t.Logf("at %s: %s", loc, html)
				t.Fatalf("the page's direction is %q, want %q", dir, wantDir)
			}
			row := fmt.Sprintf(`#inbox-list a[href="/tickets/%s"]`, number)
			b.Within(tab, 20*time.Second, "the filed ticket in the inbox", chromedp.WaitVisible(chromedp.CSS(row)))
			b.Axe(tab, "inbox/"+lang)
			b.Shot(tab, "inbox-"+lang)

			b.Within(tab, 20*time.Second, "opening the ticket", chromedp.Click(chromedp.CSS(row)), chromedp.WaitVisible(chromedp.CSS("article.ticket")))
			if h1 := text(t, tab, "h1"); !strings.Contains(h1, "<script>") || strings.Contains(h1, "\u202E") {
				t.Errorf("the subject should show its markup as text, without the override: %q", h1)
			}
			// The deadline explained: recomputed from its parts by the
			// workflow's own function, it is the deadline the workflow set.
			b.Within(tab, 10*time.Second, "explaining the deadline",
				chromedp.Click(chromedp.CSS("#explain summary")), chromedp.WaitVisible(chromedp.CSS("#explain ol.steps")))
			if differs, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector("#explain .alert") !== null`)); differs {
				t.Errorf("the explained deadline is not the workflow's: %s", text(t, tab, "#explain"))
			}
			b.Axe(tab, "ticket/"+lang)
			b.Shot(tab, "ticket-"+lang)

			// An empty note: the form again, the error at its field.
			b.Within(tab, 20*time.Second, "sending an empty note",
				chromedp.Click(chromedp.CSS("#action-note summary")),
				chromedp.Click(chromedp.CSS("#action-note button.primary")),
				chromedp.WaitVisible(chromedp.CSS(`#note-message[aria-invalid="true"]`)),
				chromedp.WaitVisible(chromedp.CSS("#note-message-error")))
			b.Axe(tab, "ticket with a field error/"+lang)

			// Ask the beneficiary; the deadline stands still.
			b.Within(tab, 30*time.Second, "asking the beneficiary",
				chromedp.Click(chromedp.CSS("#action-ask summary")),
				chromedp.SendKeys(chromedp.CSS("#ask-message"), "ما رقم الطالب الجامعي؟"),
				chromedp.Click(chromedp.CSS("#action-ask button.primary")),
				chromedp.WaitVisible(chromedp.CSS("#notice.ok")),
				chromedp.WaitVisible(chromedp.CSS(".badge.paused")))
			s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/info", "", map[string]any{"answer": "441105678"}, "X-Tracking-Code", code))
			waitFor(t, 20*time.Second, "the answer recorded", func() bool {
				tk, err := s.app.Store.GetTicket(context.Background(), number)
				return err == nil && tk.Status == domain.StatusOpen
			})

			// Answer with a canned answer, adapted.
			b.Within(tab, 40*time.Second, "answering with a canned answer",
				chromedp.Reload(),
				chromedp.WaitVisible(chromedp.CSS("#action-answer summary")),
				chromedp.Click(chromedp.CSS("#action-answer summary")),
				chromedp.SendKeys(chromedp.CSS("#canned-q"), "المكافأة"),
				chromedp.WaitVisible(chromedp.CSS("#canned-results button[data-insert]")),
				chromedp.Click(chromedp.CSS("#canned-results button[data-insert]")),
				chromedp.SendKeys(chromedp.CSS("#answer-message"), " — مركز رعاية المستفيدين"),
				chromedp.Click(chromedp.CSS("#action-answer button.primary")),
				chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
			waitFor(t, 20*time.Second, "the ticket answered", func() bool {
				tk, err := s.app.Store.GetTicket(context.Background(), number)
				return err == nil && tk.Status == domain.StatusAnswered
			})
			events, err := s.app.Store.Timeline(context.Background(), number, true)
			if err != nil {
				t.Fatal(err)
			}
			last := events[len(events)-1]
			if last.Type != "responded" || !strings.HasSuffix(last.Message, "— مركز رعاية المستفيدين") || len([]rune(last.Message)) < 40 {
				t.Errorf("the answer on the timeline is %s %q, want the canned answer adapted", last.Type, last.Message)
			}
			b.Shot(tab, "answered-"+lang)

			// A search by the beneficiary's mobile finds the ticket, and
			// the lookup of a person is in the audit log.
			b.Within(tab, 20*time.Second, "searching by mobile",
				chromedp.Navigate(s.base+"/search"),
				chromedp.SendKeys(chromedp.CSS("#q"), "0512345678"),
				chromedp.Click(chromedp.CSS("form.search button.primary")),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/tickets/%s"]`, number))))
			entries, err := s.app.Store.ListAudit(context.Background(), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			searched := false
			for _, e := range entries {
				searched = searched || e.Action == "tickets.searched" && e.ActorID == "user:coordinator"
			}
			if !searched {
				t.Error("the search by mobile is not in the audit log")
			}
			b.Axe(tab, "search/"+lang)

			// On a phone: nothing wider than the screen.
			b.Within(tab, 20*time.Second, "the inbox at 360 px",
				chromedp.EmulateViewport(360, 800), chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("#inbox-list")))
			if wide, _ := chromedp.Run(tab, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth")); wide {
				t.Error("the inbox is wider than a 360 px screen")
			}
			b.Shot(tab, "inbox-phone-"+lang)
		})
	}
}

// A ticket left unanswered under a policy of seconds climbs the ladder: it
// appears in the care-center manager's escalated view and then the entity
// head's, while each has the page open, without a reload.
func TestWebEscalationAppearsWithoutReload(t *testing.T) {
	s, b := webSystem(t)
	s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("6s", "1h")))
	manager, head := b.Tab(), b.Tab()
	signIn(b, manager, s.base, "manager", "correct horse battery", false)
	signIn(b, head, s.base, "head", "correct horse battery", false)
	for _, tab := range []context.Context{manager, head} {
		b.Within(tab, 20*time.Second, "opening the escalated view",
			chromedp.Navigate(s.base+"/inbox?view=escalated"),
			chromedp.WaitVisible(chromedp.CSS("#inbox-list")),
			// A mark a reload would wipe.
			chromedp.Evaluate[chromedp.Void]("window.__stayed = true; undefined"))
	}
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "لم يرد أحد")))
	row := fmt.Sprintf(`#inbox-list a[href="/tickets/%s"]`, str(r.Body["number"]))
	// In the ladder's order: the manager's rung first, then the head's.
	for _, rung := range []struct {
		who string
		tab context.Context
	}{{"manager", manager}, {"entity head", head}} {
		who, tab := rung.who, rung.tab
		b.Within(tab, 60*time.Second, "the ticket in the "+who+"'s escalated view", chromedp.WaitVisible(chromedp.CSS(row)))
		stayed, err := chromedp.Run(tab, chromedp.Evaluate[bool]("window.__stayed === true"))
		if err != nil || !stayed {
			t.Errorf("the %s's page was reloaded to show the ticket (%v)", who, err)
		}
	}
	b.Shot(manager, "escalated-ar")
}

// The pages hold against the obvious attacks: a form posted from another
// site is refused and changes nothing; a coordinator of another entity
// gets the not-found page for a KSU ticket, as for one that does not exist.
func TestWebRefusesCrossSiteAndOtherEntities(t *testing.T) {
	s, b := webSystem(t)
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "طلب للاختبار")))
	number := str(r.Body["number"])

	// Another site's page that posts a note to the ticket as soon as it loads.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><form id=f method=post action="%s/tickets/%s/note">`+
			`<input name=message value="planted"></form><script>document.getElementById("f").submit()</script>`, s.base, number)
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) // another origin
	tab := b.Tab()
	signIn(b, tab, s.base, "coordinator", "correct horse battery", false)
	b.Within(tab, 20*time.Second, "visiting the other site",
		chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.CSS("main h1")))
	// The post came without the site's cookies (SameSite), so in the
	// browser's own language.
	if got := text(t, tab, "main"); !strings.Contains(got, "من موقع آخر") && !strings.Contains(got, "came from another site") {
		t.Errorf("a cross-site post should be refused with its page, got %q", got)
	}
	events, err := s.app.Store.Timeline(context.Background(), number, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if strings.Contains(e.Message, "planted") {
			t.Errorf("the cross-site note got in: %+v", e)
		}
	}

	// A document staff attached: the page links it, the coordinator
	// downloads it through the session, KAU's coordinator cannot.
	body, ct := form(t, "note", "", "محضر.pdf", e2ePDF)
	at := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets/"+number+"/attachments", "t-ksu", body, "Content-Type", ct))
	doc := "/tickets/" + number + "/attachments/" + str(at.Body["id"])
	b.Within(tab, 20*time.Second, "the document on the ticket page",
		chromedp.Navigate(s.base+"/tickets/"+number), chromedp.WaitVisible(chromedp.CSS(`a[href="`+doc+`"]`)))
	got, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`fetch("`+doc+`").then(r => r.status + " " + r.headers.get("content-type") + " " + r.headers.get("content-disposition").slice(0, 10))`,
		chromedp.EvalAwaitPromise))
	if err != nil || got != "200 application/pdf attachment" {
		t.Errorf("downloading the document with the session: %q %v", got, err)
	}

	other := b.Tab()
	signIn(b, other, s.base, "kau-coordinator", "correct horse battery", false)
	for _, path := range []string{"/tickets/" + number, "/tickets/2099-999999", doc} {
		resp, err := chromedp.Run(other, chromedp.NavigateResponse(s.base+path))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusNotFound {
			t.Errorf("%s for KAU's coordinator: HTTP %d, want 404", path, resp.Status)
		}
	}
	if got := text(t, other, "main"); !strings.Contains(got, "لم نجد") {
		t.Errorf("want the not-found page, got %q", got)
	}
	b.Axe(other, "not found")
}

// waitLocation waits until the tab's page is one whose address holds part
// and has loaded: a form's answer, not the page it was sent from.
func waitLocation(t *testing.T, tab context.Context, part string) {
	t.Helper()
	waitFor(t, 20*time.Second, "a page at "+part, func() bool {
		ctx, cancel := context.WithTimeout(tab, 2*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`location.href.includes(`+strconv.Quote(part)+`) && document.readyState === "complete"`))
		return err == nil && ok
	})
}
