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

// Text normalizes free text: invalid UTF-8 becomes U+FFFD, Unicode NFKC folds
// presentation forms and compatibility characters, tatweel, bidi controls and
// zero-width characters are removed, and surrounding whitespace is trimmed.
// Inner newlines stay. Text is idempotent: Text(Text(s)) == Text(s).
func Text(s string) string {
	s = dropInvisible(strings.ToValidUTF8(s, "\uFFFD"))
	// NFKC can produce tatweel (presentation forms such as U+FE71 decompose
	// to it), and dropping a character can let marks around it compose or
	// reorder, so alternate until neither step changes anything. Two rounds
	// settle every input found so far; the bound only guards the loop.
	for range 4 {
		n := dropInvisible(norm.NFKC.String(s))
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
