package normalize

import (
	"strings"
	"unicode"
)

// Fold is the one rule by which ticket search compares text: the text as
// stored (subject and description, kept in the read model's search column)
// and the words a search is made of both go through it, so a spelling
// variant finds its ticket whichever way either side was typed.
//
// It is Text, then: letters lower-cased; Arabic-Indic digits folded to ASCII;
// alef with hamza above or below, alef madda and alef wasla (أ إ آ ٱ) to bare
// alef (ا); taa marbuta (ة) to haa (ه); alef maqsura (ى) and the Persian yeh
// (ی, typed on Persian keyboards) to yaa (ي); every nonspacing mark dropped,
// which takes the Arabic diacritics (harakat, tanween, shadda, sukun, the
// superscript alef) with it (tatweel Text has already dropped). Whatever is
// neither letter nor digit separates words: the result is the words joined by
// single spaces, so it holds no character a SQL LIKE pattern treats as a
// wildcard. Fold is idempotent.
func Fold(s string) string {
	s = Text(s)
	var b strings.Builder
	b.Grow(len(s))
	gap := false // a separator seen since the last word character
	for _, r := range s {
		switch r = foldLetter(r); {
		case unicode.Is(unicode.Mn, r):
			// A mark belongs to its letter: dropping it joins, never splits.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(r)
		default:
			gap = true
		}
	}
	return b.String()
}

// foldLetter is Fold's rule for one character.
func foldLetter(r rune) rune {
	switch r {
	case '\u0623', '\u0625', '\u0622', '\u0671': // أ إ آ ٱ
		return '\u0627' // ا
	case '\u0629': // ة
		return '\u0647' // ه
	case '\u0649', '\u06CC': // ى ی
		return '\u064A' // ي
	}
	return unicode.ToLower(foldDigit(r))
}
