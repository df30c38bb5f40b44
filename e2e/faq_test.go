package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/app"
)

// The demo bank `tawasul dev` loads answers searches over HTTP: the public's
// with Arabic spelling variants, an agent's with a token, in English, and
// the portal's suggestions while filing.
func TestDemoFAQBankAnswersOverHTTP(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		demoFAQ(t, start(t, "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite", func(o *app.Options) { o.DemoFAQ = true }))
	})
	t.Run("postgres", func(t *testing.T) {
		demoFAQ(t, start(t, pgSchema(t), "postgres", func(o *app.Options) { o.DemoFAQ = true }))
	})
}

func demoFAQ(t *testing.T, sys *system) {
	first := func(r response) map[string]any {
		t.Helper()
		items, _ := r.Body["items"].([]any)
		if len(items) == 0 {
			t.Fatalf("no hits: %s", r.Raw)
		}
		return items[0].(map[string]any)
	}
	search := func(token, query string) response {
		t.Helper()
		return sys.must(http.StatusOK, sys.do("GET", "/api/v1/faq/search?q="+url.QueryEscape(query), token, nil))
	}

	// تعريفاً بالراتب / فارس written without the tanween and with a bare alef.
	hit := first(search("", "تعريف بالراتب من نظام فارس"))
	if q, _ := hit["question"].(string); !strings.Contains(q, "تعريفاً بالراتب") || hit["lang"] != "ar" || hit["excerpt"] == "" {
		t.Fatalf("salary certificate: %v", hit)
	}
	hit = first(search("t-agent", "نَتَائِجُ ابنائى فى نظام نـــور"))
	if q, _ := hit["question"].(string); !strings.Contains(q, "نتائج أبنائي") {
		t.Fatalf("Noor results with diacritics, tatweel and yaa forms: %v", hit)
	}
	hit = first(search("", "monthly stipend Safeer"))
	if q, _ := hit["question"].(string); !strings.Contains(q, "stipend") || hit["lang"] != "en" {
		t.Fatalf("English: %v", hit)
	}

	// The entry itself, and a reader saying it helped.
	id := int(hit["id"].(float64))
	entry := sys.must(http.StatusOK, sys.do("GET", "/api/v1/faq/"+strconv.Itoa(id), "", nil))
	if entry.Body["category"] != "safeer" || entry.Body["reference"] == "" {
		t.Fatalf("entry: %s", entry.Raw)
	}
	mark := sys.must(http.StatusOK, sys.do("POST", "/api/v1/faq/"+strconv.Itoa(id)+"/helpful", "", nil))
	if mark.Body["counted"] != true {
		t.Fatalf("helpful: %s", mark.Raw)
	}

	// A filing about a late stipend suggests the stipend entry.
	filed := sys.must(http.StatusCreated, sys.do("POST", "/api/v1/tickets", "", ticketBody("KSU", "تأخر صرف المكافأة الشهرية للمبتعث")))
	sugg, _ := filed.Body["suggestions"].([]any)
	if len(sugg) == 0 || int(sugg[0].(map[string]any)["id"].(float64)) != id {
		t.Fatalf("filing suggestions: %s", filed.Raw)
	}
}
