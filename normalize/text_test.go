package normalize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "مرحبا", "مرحبا"},
		{"tatweel", "مرحـــبا", "مرحبا"},
		{"surrounding whitespace", " \t مرحبا \n ", "مرحبا"},
		{"inner newline kept", "السطر الأول\nالسطر الثاني", "السطر الأول\nالسطر الثاني"},
		{"RLM and LRM", "\u200Fمرحبا\u200E", "مرحبا"},
		{"Arabic letter mark", "رقم\u061C ١٢٣", "رقم ١٢٣"},
		{"embeddings and overrides", "\u202Babc\u202C \u202Adef\u202E", "abc def"},
		{"isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"zero-width", "a\u200Bb\u200Cc\u200Dd\u2060e", "abcde"},
		{"BOM", "\uFEFFhello", "hello"},
		{"presentation forms", "\uFEE3\uFEAE\uFEA3\uFE92\uFE8E", "مرحبا"},
		{"lam-alef ligature", "\uFEFB", "لا"},
		{"fullwidth", "ＡＢＣ１２３", "ABC123"},
		{"no-break space folds and trims", "\u00A0x\u00A0y\u00A0", "x y"},
		{"ideographic space trimmed", "\u3000x\u3000", "x"},
		{"Arabic-Indic digits are not Text's business", "٣٤٥", "٣٤٥"},
		{"invalid UTF-8 repaired", "a\xffb", "a\uFFFDb"},
		{"decomposed composes", "e\u0301", "\u00e9"},
		// The joiner blocks composition until it is removed; the result
		// must be composed, or Text would not be idempotent.
		{"composition across a removed joiner", "e\u200D\u0301", "\u00e9"},
		// U+FE71 is tatweel + fathatan; the produced tatweel goes too.
		{"tatweel produced by NFKC", "ب\uFE71", "ب\u064B"},
		{"only invisible", "\u200F\u200B\u0640 ", ""},
		{"NUL", "a\x00b", "ab"},
		{"only NUL", "\x00", ""},
		{"C0 controls", "a\x01\x07\x08\x0b\x0c\x1b[31mb\x1f", "a[31mb"},
		{"tab kept", "a\tb", "a\tb"},
		{"CR LF becomes newline", "a\r\nb\rc", "a\nb\nc"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 controls", "a\u0080\u0085\u009bb\u009f", "ab"},
		{"lone surrogate decoded by JSON", "a\uFFFDb", "a\uFFFDb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			if got != tt.want {
				t.Fatalf("Text(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if again := Text(got); again != got {
				t.Fatalf("not idempotent: Text(%+q) = %+q", got, again)
			}
		})
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"رقم ١٢ و ۳۴ و 56", "رقم 12 و 34 و 56"},
		{"no digits", "no digits"},
		{"", ""},
		{"١\xff٢", "1\uFFFD2"},
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%+q) = %+q, want %+q", tt.in, got, tt.want)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	if !ValidUTF8("مرحبا") || ValidUTF8("a\xffb") || !ValidUTF8("") {
		t.Fatal("ValidUTF8 disagrees with the UTF-8 definition")
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", "مرحـبا", "\u200F+966 ٥٠ ١٢٣ ٤٥٦٧", "ب\uFE71", "e\u200D\u0301", "a\u0651\uFE77",
		"\uFEFB\u0640\u0653", " \uFE70x", "a\xffb\xc0", "ＡＢＣ", "\u2067x\u2069\n y ", "۰۱۲",
		"\u0627\u0640\u0653", "\u0627\u200D\u0654",
		"a\x00b", "\r\x00\n", "x\u0085\u2028y", "\x7f\t\x1b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%+q) = %+q is not valid UTF-8", s, got)
		}
		if again := Text(got); again != got {
			t.Fatalf("Text not idempotent on %+q: %+q then %+q", s, got, again)
		}
		if strings.IndexFunc(got, invisible) >= 0 {
			t.Fatalf("Text(%+q) = %+q keeps an invisible character", s, got)
		}
		if HasHidden(got) || strings.ContainsRune(got, 0) {
			t.Fatalf("Text(%+q) = %+q keeps a control character", s, got)
		}
		if got != strings.TrimFunc(got, unicode.IsSpace) {
			t.Fatalf("Text(%+q) = %+q is not trimmed", s, got)
		}

		d := Digits(s)
		if !utf8.ValidString(d) {
			t.Fatalf("Digits(%+q) = %+q is not valid UTF-8", s, d)
		}
		if Digits(d) != d {
			t.Fatalf("Digits not idempotent on %+q", s)
		}
		if strings.IndexFunc(d, func(r rune) bool { return foldDigit(r) != r }) >= 0 {
			t.Fatalf("Digits(%+q) = %+q still has Arabic digits", s, d)
		}
		if utf8.ValidString(s) && utf8.RuneCountInString(d) != utf8.RuneCountInString(s) {
			t.Fatalf("Digits(%+q) = %+q changed the number of characters", s, d)
		}
	})
}

func TestControl(t *testing.T) {
	for r := rune(0); r <= 0xA0; r++ {
		want := r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F
		if Control(r) != want {
			t.Errorf("Control(%U) = %v, want %v", r, !want, want)
		}
	}
	if !HasHidden("a\x00") || HasHidden("سطر\n\tسطر") {
		t.Fatal("HasHidden disagrees with Control")
	}
}
