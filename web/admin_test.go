package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminAccounts: an administrator's account form refuses a short
// password at its field (422) through the accounts core, then creates the
// account; changing one's own role is refused as a whole (403).
func TestAdminAccounts(t *testing.T) {
	f := newFixture(t, false)
	cookies := f.signIn(t, "admin")
	form := url.Values{"username": {"new.coord"}, "name": {"منسق جديد"}, "role": {"coordinator"},
		"entity": {"KSU"}, "password": {"short"}}
	rec := f.do("POST", "/admin/accounts", form, cookies)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("short password: HTTP %d, want 422", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), `id="password-error"`) {
		t.Errorf("short password: no error at the password field: %s", rec.Body)
	}
	form.Set("password", goodPassword)
	rec = f.do("POST", "/admin/accounts", form, cookies)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: HTTP %d, want 303: %s", rec.Code, rec.Body)
	}
	acc, err := f.store.GetAccountByUsername(context.Background(), "new.coord")
	if err != nil || acc.Role != "coordinator" || acc.Entity != "KSU" {
		t.Fatalf("created account: %+v, %v", acc, err)
	}
	rec = f.do("POST", "/admin/accounts/new.coord/role", url.Values{"role": {"coordinator"}}, cookies)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="entity-new.coord-error"`) {
		t.Errorf("role without its entity: HTTP %d, want 422 with the error at the entity: %s", rec.Code, rec.Body)
	}
	rec = f.do("POST", "/admin/accounts/admin/role", url.Values{"role": {"auditor"}}, cookies)
	if rec.Code != http.StatusForbidden {
		t.Errorf("own role: HTTP %d, want 403", rec.Code)
	}
	rec = f.do("POST", "/admin/accounts/new.coord/disable", url.Values{}, cookies)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("disable: HTTP %d, want 303", rec.Code)
	}
	if acc, err := f.store.GetAccountByUsername(context.Background(), "new.coord"); err != nil || !acc.Disabled {
		t.Errorf("disabled account: %+v, %v", acc, err)
	}
}

// TestAdminTokens: a created token's secret is on the answer and never on
// the list again.
func TestAdminTokens(t *testing.T) {
	f := newFixture(t, false)
	cookies := f.signIn(t, "admin")
	rec := f.do("POST", "/admin/tokens", url.Values{"name": {"telephony"}, "role": {"agent"}, "expires_in_days": {"30"}}, cookies)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: HTTP %d, want 201: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	i := strings.Index(body, `id="token-secret">`)
	if i < 0 {
		t.Fatal("no secret on the answer")
	}
	secret := body[i+len(`id="token-secret">`):]
	secret = secret[:strings.Index(secret, "<")]
	if !strings.HasPrefix(secret, "tw_") {
		t.Fatalf("secret %q", secret)
	}
	if list := f.do("GET", "/admin/tokens", nil, cookies).Body.String(); strings.Contains(list, secret) || !strings.Contains(list, "telephony") {
		t.Error("the list shows the secret again, or not the token")
	}
	if rec := f.do("POST", "/admin/tokens/telephony/revoke", url.Values{}, cookies); rec.Code != http.StatusSeeOther {
		t.Errorf("revoke: HTTP %d, want 303", rec.Code)
	}
}

// TestAdminFAQ: an entry without its Arabic answer is refused at that field
// through faqbank; a whole one is listed beside its English, then deleted.
func TestAdminFAQ(t *testing.T) {
	f := newFixture(t, false)
	cookies := f.signIn(t, "admin")
	form := url.Values{"question_ar": {"كيف أجدد الإقامة؟"}, "category": {"residency"}, "active": {"true"},
		"question_en": {"How do I renew residency?"}, "answer_en": {"Through the portal."}}
	rec := f.do("POST", "/admin/faq", form, cookies)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="answer_ar-error"`) {
		t.Fatalf("no Arabic answer: HTTP %d, want 422 with the error at answer_ar", rec.Code)
	}
	form.Set("answer_ar", "عبر البوابة.")
	if rec := f.do("POST", "/admin/faq", form, cookies); rec.Code != http.StatusSeeOther {
		t.Fatalf("create: HTTP %d, want 303: %s", rec.Code, rec.Body)
	}
	list := f.do("GET", "/admin/faq", nil, cookies).Body.String()
	if !strings.Contains(list, "كيف أجدد الإقامة؟") || !strings.Contains(list, "How do I renew residency?") {
		t.Fatal("the list lacks the entry in both languages")
	}
	i := strings.Index(list, `action="/admin/faq/`)
	path := list[i+len(`action="`):]
	path = path[:strings.Index(path, `"`)]
	if rec := f.do("POST", path, url.Values{}, cookies); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete %s: HTTP %d, want 303", path, rec.Code)
	}
	if list := f.do("GET", "/admin/faq", nil, cookies).Body.String(); strings.Contains(list, "كيف أجدد الإقامة؟") {
		t.Error("the deleted entry is still listed")
	}
}
