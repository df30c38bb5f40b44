package api

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/faqbank"
	"github.com/tawasul/tawasul/store"
)

type faqHits struct {
	Items []faq.Hit `json:"items"`
}

// faqEntryBody is an entry as an administrator sends it; edits adjust it.
func faqEntryBody(edits ...func(m map[string]any)) map[string]any {
	m := map[string]any{
		"question_ar": "ما آلية معادلة الشهادات الصادرة من خارج المملكة؟",
		"answer_ar":   "يقدَّم طلب المعادلة إلكترونياً مع صورة الشهادة وكشف الدرجات وجواز السفر.",
		"question_en": "How are certificates issued abroad made equivalent?",
		"answer_en":   "Apply online with a copy of the certificate, the transcript and the passport.",
		"category":    "certificates",
		"reference":   "لائحة معادلة الشهادات",
		"reviewed_on": "2026-02-01",
	}
	for _, e := range edits {
		e(m)
	}
	return m
}

// createFAQ adds an entry through the API as the admin.
func (f *fixture) createFAQ(edits ...func(m map[string]any)) faqJSON {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/faq", token: testTokens["admin"], body: faqEntryBody(edits...)})
	r.expect(http.StatusCreated)
	var e faqJSON
	r.json(&e)
	return e
}

// searchFAQ searches as token ("" = anonymous) with the raw query.
func (f *fixture) searchFAQ(token, query string) faqHits {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/faq/search?" + query, token: token})
	r.expect(http.StatusOK)
	var h faqHits
	r.json(&h)
	return h
}

func hitIDs(h faqHits) []int64 {
	out := []int64{}
	for _, x := range h.Items {
		out = append(out, x.ID)
	}
	return out
}

func q(s string) string { return "q=" + url.QueryEscape(s) }

func TestFAQSearchOverHTTP(t *testing.T) {
	f := newFixture(t)
	cert := f.createFAQ()
	noor := f.createFAQ(func(m map[string]any) {
		m["question_ar"], m["answer_ar"] = "كيف أستعلم عن نتائج الطلاب في نظام نور؟", "من حساب ولي الأمر في نظام نور."
		m["question_en"], m["answer_en"] = "How do I look up students' results in Noor?", "From the guardian's Noor account."
		m["category"] = "noor"
	})
	// The spelling variants the issue names, each through the public route.
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"آلية معادلة الشهادات", cert.ID},
		{"الية معادله الشهاده", cert.ID},                    // madda, taa marbuta written as haa
		{"إستعلم عن نتائج الطلاب", noor.ID},                 // hamza below for above
		{"اين اجد نتايج الطلاب في نظام نور", noor.ID},       // bare alefs
		{"نَتَائِجُ الطُّلَّابِ فِي نِظَامِ نُور", noor.ID}, // diacritics
		{"نتـــائج نـــور", noor.ID},                        // tatweel
		{"شهادة", cert.ID},                                  // singular for the plural with its article
		{"الصادره من خارج المملكه", cert.ID},
		{"مُعَادَلَةُ الشَّهَادَاتِ", cert.ID},
		{"certificate equivalence", cert.ID},
		{"RESULTS in Noor", noor.ID},
	} {
		h := f.searchFAQ("", q(c.query))
		if len(h.Items) == 0 || h.Items[0].ID != c.want {
			t.Errorf("%q found %v, want %d first", c.query, hitIDs(h), c.want)
		}
	}
	// ى written as ي, and the answer in the language asked for.
	transfer := f.createFAQ(func(m map[string]any) {
		m["question_ar"], m["answer_ar"] = "كيف تطلب المعلمة النقل إلى مدرسة أخرى؟", "خلال فترة حركة النقل المعلنة."
		m["category"] = "transfers"
		delete(m, "question_en")
		delete(m, "answer_en")
	})
	h := f.searchFAQ("", q("النقل الي مدرسه اخري")+"&lang=ar")
	if len(h.Items) == 0 || h.Items[0].ID != transfer.ID || h.Items[0].Lang != "ar" || h.Items[0].Question == "" || h.Items[0].Excerpt == "" {
		t.Errorf("alef maqsura as yaa: %+v", h)
	}
	h = f.searchFAQ("", q("Noor")+"&lang=en&limit=1")
	if len(h.Items) != 1 || h.Items[0].Lang != "en" || h.Items[0].Question != "How do I look up students' results in Noor?" {
		t.Errorf("lang=en limit=1: %+v", h)
	}
	// Agents search with their token, through the same route.
	if h := f.searchFAQ(testTokens["agent"], q("نتائج نور")); len(h.Items) == 0 || h.Items[0].ID != noor.ID {
		t.Errorf("agent search: %v", hitIDs(h))
	}
	// Nothing matches: an empty list, not null.
	r := f.do(req{method: "GET", path: "/api/v1/faq/search?" + q("زراعة النخيل")})
	r.expect(http.StatusOK)
	if strings.TrimSpace(r.Body.String()) != `{"items":[]}` {
		t.Errorf("no hits: %s", r.Body.String())
	}
}

func TestFAQSearchValidation(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ query, field, code string }{
		{"", "q", fieldRequired},
		{q("  \u200f "), "q", fieldRequired}, // only an invisible mark
		{q(strings.Repeat("ن", faq.MaxQueryRunes+1)), "q", fieldTooLong},
		{q("نور") + "&lang=fr", "lang", fieldNotInList},
		{q("نور") + "&limit=0", "limit", fieldOutOfRange},
		{q("نور") + fmt.Sprintf("&limit=%d", faq.MaxLimit+1), "limit", fieldOutOfRange},
		{q("نور") + "&page=2", "page", fieldUnknown},
	} {
		p := f.do(req{offContract: true, method: "GET", path: "/api/v1/faq/search?" + c.query}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Code != c.code {
			t.Errorf("?%s: %+v, want %s %s", c.query, p.Errors, c.field, c.code)
		}
	}
	f.do(req{method: "GET", path: "/api/v1/faq/search?" + q(strings.Repeat("ن", faq.MaxQueryRunes))}).expect(http.StatusOK)
	f.do(req{method: "GET", path: "/api/v1/faq/suggest"}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{method: "GET", path: "/api/v1/faq/search?" + q("نور"), token: "tok-nobody"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
}

func TestFAQInactiveEntriesAreHidden(t *testing.T) {
	f := newFixture(t)
	e := f.createFAQ()
	path := fmt.Sprintf("/api/v1/faq/%d", e.ID)
	var pub faqJSON
	r := f.do(req{method: "GET", path: path})
	r.expect(http.StatusOK)
	r.json(&pub)
	if pub.QuestionAR != e.QuestionAR || pub.Active != nil || pub.CreatedBy != "" || pub.CreatedAt != nil {
		t.Fatalf("public view %+v: staff fields shown", pub)
	}

	f.do(req{method: "PUT", path: path, token: testTokens["admin"], body: faqEntryBody(func(m map[string]any) { m["active"] = false })}).
		expect(http.StatusOK)
	// Gone from search at once on this process, and from the public view.
	if h := f.searchFAQ("", q("معادلة الشهادات")); len(h.Items) != 0 {
		t.Errorf("an inactive entry is found: %v", hitIDs(h))
	}
	if h := f.searchFAQ(testTokens["admin"], q("معادلة الشهادات")); len(h.Items) != 0 {
		t.Errorf("an inactive entry is found by an admin's search: %v", hitIDs(h))
	}
	f.do(req{method: "GET", path: path}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "GET", path: path, token: testTokens["agent"]}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: path + "/helpful"}).expectProblem(http.StatusNotFound, codeNotFound)
	if s := f.suggest("معادلة الشهادات", ""); len(s.Items) != 0 {
		t.Errorf("an inactive entry is suggested: %v", hitIDs(s))
	}
	// Administrators still see it, to edit it back.
	var adm faqJSON
	r = f.do(req{method: "GET", path: path, token: testTokens["admin"]})
	r.expect(http.StatusOK)
	r.json(&adm)
	if adm.Active == nil || *adm.Active || adm.CreatedBy != "admin" {
		t.Fatalf("admin view %+v", adm)
	}
	f.do(req{method: "PUT", path: path, token: testTokens["admin"], body: faqEntryBody()}).expect(http.StatusOK)
	if h := f.searchFAQ("", q("معادلة الشهادات")); len(h.Items) != 1 {
		t.Errorf("a reactivated entry is not found: %v", hitIDs(h))
	}
	for _, bad := range []string{"0", "-1", "abc", "99999"} {
		f.do(req{offContract: true, method: "GET", path: "/api/v1/faq/" + bad}).expectProblem(http.StatusNotFound, codeNotFound)
	}
}

func TestFAQAdministration(t *testing.T) {
	f := newFixture(t)
	e := f.createFAQ(func(m map[string]any) { delete(m, "reviewed_on") })
	// Writing an entry is reviewing it: today in Riyadh by default.
	if e.ReviewedOn != "2026-03-01" || e.Active == nil || !*e.Active || e.CreatedBy != "admin" || e.HelpfulCount != 0 {
		t.Fatalf("created %+v", e)
	}
	path := fmt.Sprintf("/api/v1/faq/%d", e.ID)

	for _, c := range []struct {
		edit        func(m map[string]any)
		field, code string
	}{
		{func(m map[string]any) { delete(m, "question_ar") }, "question_ar", fieldRequired},
		{func(m map[string]any) { m["answer_ar"] = " \u0640 " }, "answer_ar", fieldRequired}, // only a tatweel
		{func(m map[string]any) { m["answer_ar"] = strings.Repeat("ج", faqbank.MaxAnswer+1) }, "answer_ar", fieldTooLong},
		{func(m map[string]any) { delete(m, "answer_en") }, "answer_en", fieldRequired},
		{func(m map[string]any) { delete(m, "category") }, "category", fieldRequired},
		{func(m map[string]any) { m["category"] = "تصديق" }, "category", fieldInvalidValue},
		{func(m map[string]any) { m["reviewed_on"] = "01/02/2026" }, "reviewed_on", fieldInvalidDate},
		{func(m map[string]any) { m["reviewed_on"] = "2026-03-02" }, "reviewed_on", fieldOutOfRange},
	} {
		p := f.do(req{offContract: true, method: "POST", path: "/api/v1/faq", token: testTokens["admin"], body: faqEntryBody(c.edit)}).
			expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Code != c.code {
			t.Errorf("%+v, want %s %s", p.Errors, c.field, c.code)
		}
	}
	f.do(req{offContract: true, method: "POST", path: "/api/v1/faq", token: testTokens["admin"], body: `{"question":"x"}`}).
		expectProblem(http.StatusBadRequest, codeUnknownField)

	r := f.do(req{method: "PUT", path: path, token: testTokens["admin"], body: faqEntryBody(func(m map[string]any) {
		m["answer_ar"] = "يقدَّم الطلب إلكترونياً."
		m["category"] = "equivalency"
	})})
	r.expect(http.StatusOK)
	var upd faqJSON
	r.json(&upd)
	if upd.AnswerAR != "يقدَّم الطلب إلكترونياً." || upd.Category != "equivalency" || upd.ReviewedOn != "2026-02-01" {
		t.Fatalf("updated %+v", upd)
	}
	f.do(req{method: "PUT", path: "/api/v1/faq/99999", token: testTokens["admin"], body: faqEntryBody()}).
		expectProblem(http.StatusNotFound, codeNotFound)

	// The list: everything, inactive included, a page at a time.
	f.createFAQ(func(m map[string]any) { m["active"] = false; m["category"] = "noor" })
	var page struct {
		Items      []faqJSON `json:"items"`
		NextCursor string    `json:"next_cursor"`
	}
	r = f.do(req{method: "GET", path: "/api/v1/faq?limit=1", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	r.json(&page)
	if len(page.Items) != 1 || page.Items[0].ID != e.ID || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	r = f.do(req{method: "GET", path: "/api/v1/faq?active=false&category=noor", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	r.json(&page)
	if len(page.Items) != 1 || page.Items[0].Active == nil || *page.Items[0].Active || page.NextCursor != "" {
		t.Fatalf("inactive noor %+v", page)
	}
	f.do(req{method: "GET", path: "/api/v1/faq?cursor=x", token: testTokens["admin"]}).expectProblem(http.StatusBadRequest, codeBadCursor)
	f.do(req{offContract: true, method: "GET", path: "/api/v1/faq?active=maybe", token: testTokens["admin"]}).expectProblem(http.StatusUnprocessableEntity, codeValidation)

	f.do(req{method: "DELETE", path: path, token: testTokens["admin"]}).expect(http.StatusNoContent)
	f.do(req{method: "GET", path: path, token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "DELETE", path: path, token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	if h := f.searchFAQ("", q("يقدم الطلب إلكترونيا")); len(h.Items) != 0 {
		t.Errorf("a deleted entry is found: %v", hitIDs(h))
	}

	// Each write has its audit entry.
	es := f.auditLog()
	if len(es) != 4 {
		t.Fatalf("audit log %+v", es)
	}
	sub := fmt.Sprintf("faq/%d", e.ID)
	expectAudit(t, es[0], "admin", "admin", auditFAQCreated, sub,
		map[string]any{"category": "certificates", "question_ar": e.QuestionAR, "active": true})
	expectAudit(t, es[1], "admin", "admin", auditFAQUpdated, sub, map[string]any{"changed": []string{"answer_ar", "category", "reviewed_on"}})
	expectAudit(t, es[3], "admin", "admin", auditFAQDeleted, sub,
		map[string]any{"category": "equivalency", "question_ar": e.QuestionAR, "helpful_count": 0})
}

// No audit, no change: an entry and its audit entry commit together.
func TestFAQWritesNeedTheirAudit(t *testing.T) {
	f := newFixture(t)
	e := f.createFAQ()
	path := fmt.Sprintf("/api/v1/faq/%d", e.ID)
	f.breakAudit()
	f.do(req{method: "POST", path: "/api/v1/faq", token: testTokens["admin"], body: faqEntryBody(func(m map[string]any) {
		m["question_ar"] = "سؤال لن يحفظ"
	})}).expectProblem(http.StatusInternalServerError, codeInternal)
	f.do(req{method: "PUT", path: path, token: testTokens["admin"], body: faqEntryBody(func(m map[string]any) { m["active"] = false })}).
		expectProblem(http.StatusInternalServerError, codeInternal)
	f.do(req{method: "DELETE", path: path, token: testTokens["admin"]}).expectProblem(http.StatusInternalServerError, codeInternal)
	p, err := f.store.ListFAQ(context.Background(), store.FAQFilter{})
	if err != nil || len(p.Entries) != 1 || !p.Entries[0].Active {
		t.Fatalf("after refused writes: %+v, %v", p.Entries, err)
	}
	if h := f.searchFAQ("", q("معادلة الشهادات")); len(h.Items) != 1 {
		t.Errorf("the index followed a write that did not happen: %v", hitIDs(h))
	}
}

// helpfulFrom marks entry id helpful from a client address, as token.
func (f *fixture) helpfulFrom(id int64, addr, token string) (int, bool) {
	f.t.Helper()
	hr := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/faq/%d/helpful", id), http.NoBody)
	hr.RemoteAddr = addr + ":40000"
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.api.Handler().ServeHTTP(w, hr)
	f.checkContract(hr, nil, false, w)
	var out struct {
		Counted bool `json:"counted"`
	}
	r := resp{w, f.t}
	if w.Code == http.StatusOK {
		r.json(&out)
	}
	return w.Code, out.Counted
}

func TestFAQHelpfulCountsOncePerCallerAndDay(t *testing.T) {
	f := newFixture(t)
	e := f.createFAQ()
	for _, step := range []struct {
		what, addr, token string
		want              bool
	}{
		{"first time from an address", "198.51.100.7", "", true},
		{"again from that address", "198.51.100.7", "", false},
		{"another address", "198.51.100.8", "", true},
		{"an agent behind the first address", "198.51.100.7", testTokens["agent"], true},
		{"that agent again", "198.51.100.9", testTokens["agent"], false},
		{"another agent behind the same address", "198.51.100.7", testTokens["reception"], true},
	} {
		code, counted := f.helpfulFrom(e.ID, step.addr, step.token)
		if code != http.StatusOK || counted != step.want {
			t.Fatalf("%s: HTTP %d counted %v, want %v", step.what, code, counted, step.want)
		}
	}
	f.clock.Advance(24 * time.Hour)
	if _, counted := f.helpfulFrom(e.ID, "198.51.100.7", ""); !counted {
		t.Fatal("the next day does not count again")
	}
	got, err := f.store.GetFAQ(context.Background(), e.ID)
	if err != nil || got.HelpfulCount != 5 {
		t.Fatalf("helpful count %d (%v), want 5", got.HelpfulCount, err)
	}
	// Neither the address nor the agent is stored in clear.
	for _, v := range f.rawStrings("SELECT voter FROM faq_helpful_marks") {
		if strings.Contains(v, "198.51") || strings.Contains(v, "agent") || len(v) != 64 {
			t.Fatalf("voter stored as %q", v)
		}
	}
	if code, _ := f.helpfulFrom(99999, "198.51.100.7", ""); code != http.StatusNotFound {
		t.Fatalf("unknown entry: HTTP %d", code)
	}
}

// rawStrings runs a one-column query against the fixture's database file.
func (f *fixture) rawStrings(query string) []string {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func TestFAQRateLimit(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.IntakePerMinute = 1 }) // the FAQ allows 4 a minute then
	f.createFAQ()
	for range 4 {
		f.do(req{method: "GET", path: "/api/v1/faq/search?" + q("نور")}).expect(http.StatusOK)
	}
	r := f.do(req{method: "GET", path: "/api/v1/faq/search?" + q("نور")})
	r.expectProblem(http.StatusTooManyRequests, codeRateLimited)
	if r.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	f.do(req{method: "POST", path: "/api/v1/faq/1/helpful"}).expectProblem(http.StatusTooManyRequests, codeRateLimited)
	// Staff are not limited per address.
	for range 10 {
		f.do(req{method: "GET", path: "/api/v1/faq/search?" + q("نور"), token: testTokens["agent"]}).expect(http.StatusOK)
	}
}

// suggest calls the suggestion route anonymously.
func (f *fixture) suggest(subject, description string) faqHits {
	f.t.Helper()
	v := url.Values{}
	if subject != "" {
		v.Set("subject", subject)
	}
	if description != "" {
		v.Set("description", description)
	}
	r := f.do(req{method: "GET", path: "/api/v1/faq/suggest?" + v.Encode()})
	r.expect(http.StatusOK)
	var h faqHits
	r.json(&h)
	return h
}

func TestFAQSuggestionsWhileFiling(t *testing.T) {
	f := newFixture(t)
	stipend := f.createFAQ(func(m map[string]any) {
		m["question_ar"] = "متى تصرف المكافأة الشهرية للطلاب؟"
		m["answer_ar"] = "تصرف المكافأة الشهرية في أول كل شهر ميلادي بعد تحديث بيانات التسجيل."
		m["category"] = "scholarships"
	})
	f.createFAQ()
	// Before submitting: what the form holds so far.
	h := f.suggest("تأخر صرف المكافأة", "لم تُصرف مكافأة شهر فبراير حتى الآن.")
	if len(h.Items) == 0 || h.Items[0].ID != stipend.ID || len(h.Items) > suggestionCount {
		t.Fatalf("suggestions %v, want %d first", hitIDs(h), stipend.ID)
	}
	if h := f.suggest("", "المكافأة"); len(h.Items) == 0 {
		t.Fatal("a description alone suggests nothing")
	}
	f.do(req{offContract: true, method: "GET", path: "/api/v1/faq/suggest?subject=" + url.QueryEscape(strings.Repeat("م", maxSubject+1))}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)

	// The filing's answer carries them too (ticketBody is about a stipend).
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody()})
	r.expect(http.StatusCreated)
	var c struct {
		Number      string    `json:"number"`
		Suggestions []faq.Hit `json:"suggestions"`
	}
	r.json(&c)
	if len(c.Suggestions) == 0 || c.Suggestions[0].ID != stipend.ID || c.Suggestions[0].Excerpt == "" {
		t.Fatalf("filing suggestions %+v", c.Suggestions)
	}
	// Nothing relevant: no suggestions key at all.
	r = f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(func(m map[string]any) {
		m["subject"], m["description"] = "زراعة النخيل", "سؤال عن زراعة النخيل في المدارس"
	})})
	r.expect(http.StatusCreated)
	if strings.Contains(r.Body.String(), "suggestions") {
		t.Fatalf("irrelevant suggestions: %s", r.Body.String())
	}
}

// Two API replicas over one database: a change through one reaches the
// other's index at its next sync (the app polls every faq.PollEvery).
func TestFAQChangeReachesAnotherReplica(t *testing.T) {
	f := newFixture(t)
	other, err := newAPI(Options{Store: f.store, Credentials: testCredentials(), Now: f.clock.Now, Passwords: testPasswords}, &fakeTemporal{})
	if err != nil {
		t.Fatal(err)
	}
	search := func(a *API) int {
		w := httptest.NewRecorder()
		hr := httptest.NewRequest("GET", "/api/v1/faq/search?"+q("معادلة الشهادات"), nil)
		a.Handler().ServeHTTP(w, hr)
		f.checkContract(hr, nil, false, w)
		if w.Code != http.StatusOK {
			t.Fatalf("search: HTTP %d %s", w.Code, w.Body.String())
		}
		return strings.Count(w.Body.String(), `"id"`)
	}
	if n := search(other); n != 0 { // loads the other replica's index while the bank is empty
		t.Fatalf("%d hits in an empty bank", n)
	}
	f.createFAQ()
	if search(f.api) != 1 {
		t.Fatal("the writing replica does not find its own write")
	}
	if search(other) != 0 {
		t.Fatal("the other replica found it before any sync (the test proves nothing)")
	}
	if changed, err := other.faq.Sync(context.Background()); err != nil || !changed {
		t.Fatalf("Sync = %v, %v", changed, err)
	}
	if search(other) != 1 {
		t.Fatal("the other replica does not find the entry after its sync")
	}
}
