// Package i18n is the web application's language: the reader's language and
// direction, the catalog of its words in Arabic and English, Arabic plural
// forms, and how numbers, dates and durations are written. Arabic is the
// default; English is the second language.
//
// Digits are chosen here, explicitly, never left to a library's locale
// default: Western digits (0–9) in both languages, as the Saudi government's
// platforms write them, so a ticket number or a mobile reads the same in
// either language and in every system it is copied to.
package i18n

import (
	"strconv"
	"strings"
)

// Lang is the reader's language.
type Lang string

const (
	AR Lang = "ar"
	EN Lang = "en"
)

// Parse reads a language code; anything but English is Arabic.
func Parse(s string) Lang {
	if strings.EqualFold(strings.TrimSpace(s), "en") {
		return EN
	}
	return AR
}

// FromAcceptLanguage picks Arabic or English from an Accept-Language header:
// the first of the two the browser lists by weight, Arabic when neither.
func FromAcceptLanguage(h string) Lang {
	best, bestQ := AR, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		var l Lang
		switch primary {
		case "ar":
			l = AR
		case "en":
			l = EN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// Dir is the text direction of the language, for <html dir>.
func (l Lang) Dir() string {
	if l == EN {
		return "ltr"
	}
	return "rtl"
}

// Other is the language a switch offers.
func (l Lang) Other() Lang {
	if l == EN {
		return AR
	}
	return EN
}

// Name is the language's own name, as the switch shows it.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "العربية"
}

// T is the text of key. A key missing from the catalog shows itself, so a
// page never breaks; TestCatalogComplete keeps that from reaching a reader.
func (l Lang) T(key string) string {
	w, ok := catalog[key]
	if !ok {
		return key
	}
	if l == EN {
		return w.en
	}
	return w.ar
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// Num writes an integer with Western digits and no grouping: counts on
// screens are small, and identifiers must never be grouped.
func (l Lang) Num(n int) string { return strconv.Itoa(n) }

// Count is n things of the noun key: "3 tickets", "٣ تذاكر" written with
// Western digits. Arabic has six plural forms (CLDR: zero, one, two, few for
// 3–10, many for 11–99, other); a noun in the catalog gives them as
// "key.zero" … "key.other", and English as "key.one" and "key.other".
// Arabic's one and two are said without the number ("تذكرة واحدة",
// "تذكرتان"), as the language does.
func (l Lang) Count(n int, key string) string {
	form := l.pluralForm(n)
	text := l.T(key + "." + form)
	if strings.Contains(text, "%d") {
		return strings.Replace(text, "%d", l.Num(n), 1)
	}
	return text
}

// pluralForm is the CLDR plural category of n in l.
func (l Lang) pluralForm(n int) string {
	if n < 0 {
		n = -n
	}
	if l == EN {
		if n == 1 {
			return "one"
		}
		return "other"
	}
	switch m := n % 100; {
	case n == 0:
		return "zero"
	case n == 1:
		return "one"
	case n == 2:
		return "two"
	case m >= 3 && m <= 10:
		return "few"
	case m >= 11 && m <= 99:
		return "many"
	}
	return "other"
}

// PluralForms are the forms a noun needs in each language.
var PluralForms = map[Lang][]string{
	AR: {"zero", "one", "two", "few", "many", "other"},
	EN: {"one", "other"},
}

// Format is the text of key with its "%s" replaced by v (one value; the
// catalog's sentences place it where each language wants it).
func (l Lang) Format(key, v string) string {
	return strings.Replace(l.T(key), "%s", v, 1)
}
