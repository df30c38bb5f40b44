package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An administrator's organization and outbox: a CSV file with two bad
// lines is refused whole — both lines named with their numbers, nothing
// changed in the store — and a good one adds an entity under UNIV, which
// the tree then shows; the outbox monitor (in English) lists the messages
// of a ticket filed through the API. axe-core checks every page.
func TestWebAdminOrg(t *testing.T) {
	s, b := webSystem(t)
	b = b.For(t)
	dir := t.TempDir()
	write := func(name, csv string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const header = "code,name_ar,name_en,kind,parent\n"
	bad := write("bad.csv", header+
		"WEBU,جامعة الاختبار,Test University,public_university,UNIV\n"+
		"WEBX,جهة,Entity,castle,UNIV\n"+
		",بلا رمز,No code,agency,UNIV\n")
	good := write("good.csv", header+"WEBU,جامعة الاختبار,Test University,public_university,UNIV\n")
	entities := func() string {
		return string(s.must(http.StatusOK, s.do("GET", "/api/v1/entities/export", "t-admin", nil)).Raw)
	}
	before := entities()

	tab := b.Tab()
	noDialogs(t, tab)
	signIn(b, tab, s.base, "admin", "correct horse battery", false)
	b.Within(tab, 20*time.Second, "opening the organization",
		chromedp.Navigate(s.base+"/admin/entities"),
		chromedp.WaitVisible(chromedp.CSS(`ul.tree li[data-code="UNIV"]`)))
	b.Axe(tab, "admin-entities/ar")
	b.Shot(tab, "admin-entities-ar")

	b.Within(tab, 20*time.Second, "importing a file with two bad lines",
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}),
		chromedp.Click(chromedp.CSS("form.import button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".bad-lines")))
	b.Axe(tab, "admin-entities-refused/ar")
	lines, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('li.bad-line')].map(li => li.dataset.line + ' ' + li.textContent)`))
	if err != nil {
		t.Fatalf("reading the bad lines: %v", err)
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "3 ") || !strings.Contains(lines[0], "castle") || !strings.HasPrefix(lines[1], "4 ") {
		t.Errorf("bad lines: %q, want lines 3 (the kind castle) and 4", lines)
	}
	if after := entities(); after != before {
		t.Errorf("a refused file changed the organization:\n%s", after)
	}

	b.Within(tab, 20*time.Second, "importing a good file",
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}),
		chromedp.Click(chromedp.CSS("form.import button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`.changes li[data-code="WEBU"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-code="UNIV"] ul.subtree li[data-code="WEBU"]`)))
	b.Axe(tab, "admin-entities-imported/ar")
	b.Shot(tab, "admin-entities-imported-ar")
	if after := entities(); !strings.Contains(after, "WEBU,جامعة الاختبار,Test University,public_university,UNIV") {
		t.Errorf("the good file is not in the organization:\n%s", after)
	}

	// The outbox, in English, with a ticket filed through the API.
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "تأخر صرف المكافأة")))
	number := str(r.Body["number"])
	var apiItems []json.RawMessage
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(apiItems) == 0 {
		out := s.must(http.StatusOK, s.do("GET", "/api/v1/outbox?ticket="+number, "t-admin", nil))
		raw, _ := json.Marshal(out.Body["items"])
		_ = json.Unmarshal(raw, &apiItems)
		time.Sleep(200 * time.Millisecond)
	}
	if len(apiItems) == 0 {
		t.Fatalf("the ticket %s queued no message", number)
	}
	en := b.Tab()
	noDialogs(t, en)
	signIn(b, en, s.base, "admin", "correct horse battery", true)
	b.Within(en, 30*time.Second, "opening the outbox",
		chromedp.Navigate(s.base+"/admin/outbox"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`html[lang="en"] tr[data-ticket=%q]`, number))))
	b.Axe(en, "admin-outbox/en")
	b.Shot(en, "admin-outbox-en")
	rows, err := chromedp.Run(en, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('tr[data-ticket=%q]').length`, number)))
	if err != nil {
		t.Fatal(err)
	}
	if rows < len(apiItems) {
		t.Errorf("the outbox page lists %d messages of %s, the API %d", rows, number, len(apiItems))
	}
}
