package normalize

import (
	"strings"
	"unicode/utf8"
)

// MaskID hides a national ID for logs and lists: the first character and the
// last two stay ("1*******89"). Inputs too short for that to hide at least
// three characters are masked entirely; empty stays empty.
func MaskID(s string) string {
	return mask(s, 1, 2)
}

// MaskPhone hides a mobile number: a Saudi mobile, in whatever form, is shown
// as E.164 with the country code and first digit and the last two digits
// ("+9665******67"); anything else keeps its first character and last two.
func MaskPhone(s string) string {
	if e164, err := Mobile(s); err == nil {
		return mask(e164, len("+9665"), 2)
	}
	return mask(s, 1, 2)
}

// minHidden is the fewest characters a mask may hide; below that the visible
// part would give away most of the value.
const minHidden = 3

// mask keeps head and tail runes and stars the rest, one star per rune so the
// length still hints at the shape. If fewer than minHidden runes would be
// hidden, everything is.
func mask(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n < head+tail+minHidden {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}
