package normalize

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// National ID errors; callers tell them apart with errors.Is to word the
// message for the beneficiary.
var (
	ErrIDLength   = errors.New("normalize: national ID must have exactly 10 digits")
	ErrIDDigits   = errors.New("normalize: national ID must contain only digits")
	ErrIDPrefix   = errors.New("normalize: national ID must start with 1 (citizen) or 2 (resident)")
	ErrIDChecksum = errors.New("normalize: national ID check digit is wrong")
)

// ErrMobile is returned for anything that is not a Saudi mobile number.
var ErrMobile = errors.New("normalize: not a Saudi mobile number (05XXXXXXXX or +9665XXXXXXXX)")

// Email errors.
var (
	ErrEmail        = errors.New("normalize: not a valid email address")
	ErrEmailTooLong = errors.New("normalize: email address longer than 254 characters")
)

// compact prepares an identifier typed by a person: invisible marks (often
// pasted along with right-to-left text) and separators go, Arabic digits fold.
func compact(s string, drop func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if invisible(r) || unicode.IsSpace(r) || drop(r) {
			return -1
		}
		return foldDigit(r)
	}, s)
}

func isDash(r rune) bool { return unicode.Is(unicode.Pd, r) || r == '\u2212' } // dash punctuation, minus sign

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NationalID normalizes a Saudi national ID (first digit 1) or iqama number
// (first digit 2): digits folded, spaces and dashes dropped, 10 digits, valid
// check digit. The error wraps ErrIDDigits, ErrIDLength, ErrIDPrefix or
// ErrIDChecksum, checked in that order.
func NationalID(s string) (string, error) {
	id := compact(s, isDash)
	if !allASCIIDigits(id) {
		return "", ErrIDDigits
	}
	if len(id) != 10 {
		return "", fmt.Errorf("%w (got %d)", ErrIDLength, len(id))
	}
	if id[0] != '1' && id[0] != '2' {
		return "", ErrIDPrefix
	}
	if !idChecksumOK(id) {
		return "", ErrIDChecksum
	}
	return id, nil
}

// idChecksumOK applies the Saudi ID check: digits in odd positions (1st, 3rd,
// ..., 9th) are doubled and replaced by their digit sum, the others added as
// they are; the total must be a multiple of 10. (This is Luhn over 10 digits.)
func idChecksumOK(id string) bool {
	sum := 0
	for i := 0; i < len(id); i++ {
		d := int(id[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Mobile normalizes a Saudi mobile number to E.164 "+9665XXXXXXXX". It accepts
// 05XXXXXXXX, 5XXXXXXXX, +9665XXXXXXXX, 009665XXXXXXXX and 9665XXXXXXXX, with
// Arabic digits, spaces, dashes and parentheses; anything else (landlines,
// other countries, wrong lengths) wraps ErrMobile.
func Mobile(s string) (string, error) {
	n := compact(s, func(r rune) bool { return isDash(r) || r == '(' || r == ')' })
	var national string
	switch {
	case strings.HasPrefix(n, "+966"):
		national = n[4:]
	case strings.HasPrefix(n, "00966"):
		national = n[5:]
	case strings.HasPrefix(n, "966") && len(n) == 12:
		national = n[3:]
	case strings.HasPrefix(n, "05") && len(n) == 10:
		national = n[1:]
	default:
		national = n
	}
	if len(national) != 9 || national[0] != '5' || !allASCIIDigits(national) {
		return "", fmt.Errorf("%w: %q", ErrMobile, s)
	}
	return "+966" + national, nil
}

// Email normalizes an email address: trimmed, domain lower-cased (the local
// part is case-sensitive in principle, so it is kept). Only a bare address is
// accepted, no display name, angle brackets or comments; the domain must
// contain a dot (no intranet hosts or address literals).
func Email(s string) (string, error) {
	s = strings.TrimSpace(dropInvisible(s))
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrEmail)
	}
	if HasHidden(s) { // net/mail lets C1 controls through in a domain
		return "", fmt.Errorf("%w: control character", ErrEmail)
	}
	if len(s) > 254 {
		return "", ErrEmailTooLong
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrEmail, err)
	}
	if addr.Name != "" || addr.Address != s {
		return "", fmt.Errorf("%w: want a bare address like name@example.com", ErrEmail)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if !strings.Contains(domain, ".") || strings.ContainsAny(domain, "[]") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", fmt.Errorf("%w: domain %q", ErrEmail, domain)
	}
	out := local + "@" + domain
	if len(out) > 254 {
		return "", ErrEmailTooLong
	}
	return out, nil
}
