package web_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// firstLoadBudget is the most the inbox's first load may weigh compressed,
// fonts excluded: the page and every stylesheet and script it loads.
const firstLoadBudget = 150 << 10

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// TestInboxFirstLoadWeight: the inbox's page, stylesheets and scripts, as a
// browser gets them (gzip), stay within the budget; fonts are counted apart.
func TestInboxFirstLoadWeight(t *testing.T) {
	f := newFixture(t, false)
	cookies := f.signIn(t, "coordinator")
	page := f.do("GET", "/inbox", nil, cookies)
	if page.Code != http.StatusOK {
		t.Fatalf("inbox: HTTP %d", page.Code)
	}
	var z bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	_, _ = gz.Write(page.Body.Bytes())
	_ = gz.Close()
	total := z.Len()
	refs := assetRef.FindAllStringSubmatch(page.Body.String(), -1)
	if len(refs) < 3 {
		t.Fatalf("the page loads %d assets; want its stylesheets and scripts", len(refs))
	}
	for _, m := range refs {
		rec := f.do("GET", m[1], nil, nil, "Accept-Encoding", "gzip")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: HTTP %d", m[1], rec.Code)
		}
		t.Logf("%s: %d bytes as sent (%s)", m[1], rec.Body.Len(), rec.Header().Get("Content-Encoding"))
		total += rec.Body.Len()
	}
	t.Logf("first load of the inbox: %d bytes compressed, fonts excluded", total)
	if total > firstLoadBudget || strings.Contains(page.Body.String(), "//cdn") {
		t.Errorf("first load %d bytes, budget %d", total, firstLoadBudget)
	}
}
