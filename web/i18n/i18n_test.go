package i18n

import (
	"strings"
	"testing"
	"time"
)

// TestCatalogComplete: every word has both languages, and every plural noun
// has each form its language uses (Arabic six, English two).
func TestCatalogComplete(t *testing.T) {
	for key, w := range catalog {
		base, form, plural := pluralKey(key)
		if !plural {
			if w.ar == "" || w.en == "" {
				t.Errorf("%s: missing a language (ar %q, en %q)", key, w.ar, w.en)
			}
			continue
		}
		for l, forms := range PluralForms {
			for _, f := range forms {
				if Lang(l).T(base+"."+f) == "" || !Has(base+"."+f) {
					t.Errorf("%s: no %s form %q", base, l, f)
				}
			}
		}
		if w.ar == "" {
			t.Errorf("%s: Arabic form %s empty", key, form)
		}
	}
}

func pluralKey(key string) (base, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 || !strings.HasPrefix(key, "n.") {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}

func TestArabicPluralForms(t *testing.T) {
	for n, want := range map[int]string{
		0: "zero", 1: "one", 2: "two", 3: "few", 10: "few", 11: "many", 99: "many",
		100: "other", 101: "other", 102: "other", 103: "few", 111: "many", 1000: "other",
	} {
		if got := AR.pluralForm(n); got != want {
			t.Errorf("Arabic plural of %d = %s, want %s", n, got, want)
		}
	}
	if got := AR.Count(3, "n.hours"); got != "3 ساعات" {
		t.Errorf("3 hours in Arabic = %q", got)
	}
	if got := AR.Count(2, "n.hours"); got != "ساعتين" {
		t.Errorf("2 hours in Arabic = %q", got)
	}
	if got := EN.Count(1, "n.hours"); got != "1 hour" {
		t.Errorf("1 hour in English = %q", got)
	}
	if got := EN.Count(5, "n.working_days"); got != "5 working days" {
		t.Errorf("5 working days in English = %q", got)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]Lang{
		"": AR, "en": EN, "en-US,en;q=0.9": EN, "ar-SA,ar;q=0.9,en;q=0.8": AR,
		"fr, en;q=0.5": EN, "en;q=0.3, ar;q=0.7": AR, "de": AR,
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", h, got, want)
		}
	}
}

// TestDatesInRiyadh: a moment is written on Riyadh's clock whatever its
// zone, with Western digits, and its Hijri day beside it.
func TestDatesInRiyadh(t *testing.T) {
	at := time.Date(2026, 12, 7, 22, 30, 0, 0, time.UTC) // 01:30 on the 8th in Riyadh
	if got := AR.DateTime(at); got != "2026-12-08 01:30" {
		t.Errorf("DateTime = %q", got)
	}
	if got := EN.Hijri(at); !strings.Contains(got, "1448") {
		t.Errorf("Hijri = %q, want a date of 1448", got)
	}
	if got := AR.Span(90 * time.Minute); got != "ساعة واحدة" {
		t.Errorf("Span(90m) = %q", got)
	}
	if got := EN.Span(30 * time.Second); got != "less than a minute" {
		t.Errorf("Span(30s) = %q", got)
	}
}
