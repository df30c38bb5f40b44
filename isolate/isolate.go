// Package isolate wraps a value inserted into a sentence in Unicode
// directional isolates, for plain text (SMS, e-mail, exports) where HTML's
// <bdi> is not available. Without one, the bidi algorithm lets a value and
// its neighbours act on each other: after Arabic words the hyphen of ticket
// 2026-000001 joins the Arabic, and the halves show swapped, 000001-2026.
// Inside an isolate the value is laid out on its own and its surroundings
// see a single neutral character.
//
// A value must hold no isolate control of its own: a stray PDI would end the
// isolate early. Text people type holds none (normalize.Text strips them).
package isolate

// The isolate controls (Unicode 6.3, UAX #9).
const (
	lri = "\u2066" // left-to-right isolate
	fsi = "\u2068" // first-strong isolate: the direction of the value's first letter
	pdi = "\u2069" // pop directional isolate: closes either
)

// LTR isolates s as left-to-right text: numbers, codes, dates, URLs, which
// read left to right whatever the sentence around them. An empty s stays empty.
func LTR(s string) string {
	if s == "" {
		return ""
	}
	return lri + s + pdi
}

// Auto isolates s in the direction of its first letter (left to right when
// it has none): names, subjects and other text that may be Arabic or
// English. An empty s stays empty.
func Auto(s string) string {
	if s == "" {
		return ""
	}
	return fsi + s + pdi
}
