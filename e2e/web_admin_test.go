package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An administrator's pages, in the browser: an account with a too-short
// password is refused at its field, then created; its owner signs in in
// another tab; once disabled, the owner's next page load is the sign-in
// form. An integration token is shown once, works against the API and,
// revoked, no longer does. An FAQ entry written on the bank's page is found
// at once by the answer box's canned search. axe-core checks each page, in
// Arabic, and one in English.
func TestWebAdminAccountsTokensFAQ(t *testing.T) {
	s, b := webSystem(t)
	tab := b.Tab()
	noDialogs(t, tab)
	signIn(b, tab, s.base, "admin", "correct horse battery", false)
	b.Within(tab, 20*time.Second, "the Administration link and its index",
		chromedp.Click(chromedp.CSS(`header nav a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/admin/accounts"]`)))
	b.Axe(tab, "admin/ar")

	// Accounts.
	b.Within(tab, 20*time.Second, "an account with a too-short password",
		chromedp.Click(chromedp.CSS(`main a[href="/admin/accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "new.coord"),
		chromedp.SendKeys(chromedp.CSS("#name"), "منسقة جديدة"),
		chromedp.SetValue(chromedp.CSS("#role"), "coordinator"),
		chromedp.SetValue(chromedp.CSS("#entity"), "KSU"),
		chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/accounts"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#password[aria-invalid="true"]`)),
		chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if _, err := s.app.Store.GetAccountByUsername(t.Context(), "new.coord"); err == nil {
		t.Fatal("a refused form created the account")
	}
	b.Axe(tab, "accounts with an error/ar")
	b.Within(tab, 20*time.Second, "the account, created",
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/accounts"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")),
		chromedp.WaitVisible(chromedp.CSS(`li[id="account-new.coord"]`)))
	b.Axe(tab, "accounts/ar")

	coord := b.Tab()
	signIn(b, coord, s.base, "new.coord", "a long enough password", false)
	b.Within(tab, 20*time.Second, "disabling the account",
		chromedp.Click(chromedp.CSS(`form[action="/admin/accounts/new.coord/disable"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	b.Within(coord, 20*time.Second, "the disabled account's next page is the sign-in form",
		chromedp.Navigate(s.base+"/notifications"),
		chromedp.WaitVisible(chromedp.CSS("#username")))

	// Integration tokens.
	b.Within(tab, 20*time.Second, "a new integration token",
		chromedp.Navigate(s.base+"/admin/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#token-name")),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "telephony"),
		chromedp.SetValue(chromedp.CSS("#token-role"), "supervisor"),
		chromedp.SendKeys(chromedp.CSS("#token-days"), "30"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#token-secret")))
	secret := strings.TrimSpace(text(t, tab, "#token-secret"))
	if !strings.HasPrefix(secret, "tw_") {
		t.Fatalf("the secret shown is %q", secret)
	}
	b.Axe(tab, "token created/ar")
	s.must(http.StatusOK, s.do("GET", "/api/v1/tickets", secret, nil))
	b.Within(tab, 20*time.Second, "the list, without the secret",
		chromedp.Navigate(s.base+"/admin/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#token-telephony")))
	if page := text(t, tab, "main"); strings.Contains(page, secret) {
		t.Error("the tokens' list shows the secret again")
	}
	b.Within(tab, 20*time.Second, "revoking the token",
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens/telephony/revoke"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	s.must(http.StatusUnauthorized, s.do("GET", "/api/v1/tickets", secret, nil))

	// The FAQ bank, in English.
	en := b.Tab()
	signIn(b, en, s.base, "admin", "correct horse battery", true)
	b.Within(en, 20*time.Second, "a new FAQ entry, both languages",
		chromedp.Navigate(s.base+"/admin/faq/new"),
		chromedp.WaitVisible(chromedp.CSS("#question_ar")),
		chromedp.SendKeys(chromedp.CSS("#question_ar"), "كيف أستخرج بطاقة الزمالة البحثية؟"),
		chromedp.SendKeys(chromedp.CSS("#answer_ar"), "تُستخرج بطاقة الزمالة البحثية من عمادة البحث العلمي."),
		chromedp.SendKeys(chromedp.CSS("#question_en"), "How do I get a research fellowship card?"),
		chromedp.SendKeys(chromedp.CSS("#answer_en"), "The deanship of research issues fellowship cards."),
		chromedp.SendKeys(chromedp.CSS("#category"), "research"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/faq"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#notice.ok")))
	b.Axe(en, "faq bank/en")
	if list := text(t, en, "ul.faq-bank"); !strings.Contains(list, "research fellowship card") || !strings.Contains(list, "الزمالة البحثية") {
		t.Errorf("the bank's list lacks the entry in both languages: %q", list)
	}
	// The answer box inserts a result's answer from its data-insert.
	b.Within(en, 20*time.Second, "the canned search finds it",
		chromedp.Navigate(s.base+"/canned?q=الزمالة"),
		chromedp.WaitVisible(chromedp.CSS("button[data-insert]")))
	ctx, cancel := context.WithTimeout(en, 10*time.Second)
	defer cancel()
	answer, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("button[data-insert]"), "data-insert"))
	if err != nil || !strings.Contains(answer.Value, "عمادة البحث العلمي") {
		t.Errorf("the canned search's first answer is %q (%v)", answer.Value, err)
	}
}
