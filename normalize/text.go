// Package normalize cleans what people type before it is stored, compared or
// searched: Arabic text pasted from phones and office documents carries
// presentation forms, tatweel, invisible direction marks and Arabic-Indic
// digits that would otherwise make equal things look different.
package normalize

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// invisible reports the characters Text drops: Arabic tatweel (U+0640, pure
// elongation), bidi controls and zero-width characters. They change how text
// renders, not what it says, and break equality and search.
func invisible(r rune) bool {
	switch r {
	case '\u0640', // tatweel
		'\u200E', '\u200F', '\u061C', // LRM, RLM, Arabic letter mark
		'\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF': // zero-width space/non-joiner/joiner, word joiner, BOM
		return true
	}
	return r >= '\u202A' && r <= '\u202E' || // embeddings and overrides
		r >= '\u2066' && r <= '\u2069' // isolates
}

func dropInvisible(s string) string {
	if strings.IndexFunc(s, invisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

// Control reports the control characters no stored text keeps: C0 other
// than tab and newline (carriage return included: Text turns line breaks
// into newlines), DEL and C1. PostgreSQL refuses NUL in text outright (a
// ticket whose note held one could not be projected at all), and the others
// only garble what a reader, a CSV export or a terminal shows.
func Control(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F
}

// HasHidden reports whether s holds a character Text drops (a Control, a
// bidi control, a zero-width character, tatweel), for input that must be
// refused rather than repaired: codes, usernames, addresses, identifiers.
func HasHidden(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return invisible(r) || Control(r) }) >= 0
}

// clean drops invisible and control characters; a line break typed as CR LF
// or a lone CR becomes a newline.
func clean(s string) string {
	if !HasHidden(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case invisible(r) || Control(r):
			return -1
		}
		return r
	}, s)
}

// Text normalizes free text: invalid UTF-8 becomes U+FFFD, Unicode NFKC folds
// presentation forms and compatibility characters, tatweel, bidi controls,
// zero-width characters and control characters (Control) are removed, CR LF
// and CR become newlines, and surrounding whitespace is trimmed. Inner
// newlines and tabs stay. Text is idempotent: Text(Text(s)) == Text(s).
//
// Text is the one rule for free text: every path by which text enters (the
// API, CSV and FAQ imports, configuration) goes through it or through
// HasHidden, so no stored text, and no workflow input, holds a control.
func Text(s string) string {
	s = clean(strings.ToValidUTF8(s, "\uFFFD"))
	// NFKC can produce tatweel (presentation forms such as U+FE71 decompose
	// to it), and dropping a character can let marks around it compose or
	// reorder, so alternate until neither step changes anything. Two rounds
	// settle every input found so far; the bound only guards the loop.
	for range 4 {
		n := clean(norm.NFKC.String(s))
		if n == s {
			break
		}
		s = n
	}
	return strings.TrimSpace(s)
}

// Digits folds Arabic-Indic (U+0660–U+0669) and Eastern Arabic-Indic/Persian
// (U+06F0–U+06F9) digits to ASCII; everything else is left as is (invalid
// UTF-8 becomes U+FFFD).
func Digits(s string) string {
	return strings.Map(foldDigit, s)
}

func foldDigit(r rune) rune {
	switch {
	case r >= '\u0660' && r <= '\u0669':
		return '0' + r - '\u0660'
	case r >= '\u06F0' && r <= '\u06F9':
		return '0' + r - '\u06F0'
	}
	return r
}

// ValidUTF8 reports whether s is valid UTF-8 (for input that must be
// rejected rather than repaired).
func ValidUTF8(s string) bool { return utf8.ValidString(s) }
