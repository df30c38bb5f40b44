package normalize

import (
	"errors"
	"strings"
	"testing"
)

// checkDigit computes the Saudi ID check digit for the first nine digits,
// written out from the definition independently of the package's code:
// positions 1, 3, 5, 7, 9 are doubled (digit sum), 2, 4, 6, 8 added, and the
// tenth digit brings the total to a multiple of ten.
func checkDigit(t *testing.T, nine string) string {
	t.Helper()
	if len(nine) != 9 {
		t.Fatalf("checkDigit wants 9 digits, got %q", nine)
	}
	sum := 0
	for pos := 1; pos <= 9; pos++ {
		d := int(nine[pos-1] - '0')
		if pos%2 == 1 {
			dd := 2 * d
			sum += dd/10 + dd%10
		} else {
			sum += d
		}
	}
	return nine + string(rune('0'+(10-sum%10)%10))
}

// arabicIndic writes ASCII digits as Arabic-Indic (zero at U+0660) or
// Persian (zero at U+06F0) digits.
func arabicIndic(s string, zero rune) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, s)
}

func TestCheckDigitHelper(t *testing.T) {
	// Worked by hand: 1→2, then zeros, so the check digit is 8.
	if got := checkDigit(t, "100000000"); got != "1000000008" {
		t.Fatalf("checkDigit = %s", got)
	}
}

func TestNationalID(t *testing.T) {
	citizen := checkDigit(t, "104523987")
	resident := checkDigit(t, "236781405")
	spaced := citizen[:1] + " " + citizen[1:4] + "-" + citizen[4:7] + "\u2013" + citizen[7:]
	valid := []struct{ name, in, want string }{
		{"citizen", citizen, citizen},
		{"resident", resident, resident},
		{"spaces and dashes", spaced, citizen},
		{"Arabic-Indic digits", arabicIndic(citizen, '\u0660'), citizen},
		{"Persian digits", arabicIndic(resident, '\u06F0'), resident},
		{"Arabic-Indic with spaces", arabicIndic(spaced, '\u0660'), citizen},
		{"pasted with direction marks", "\u200F" + citizen + "\u200E ", citizen},
		{"no-break spaces", "\u00A0" + citizen[:5] + "\u00A0" + citizen[5:], citizen},
	}
	for _, tt := range valid {
		got, err := NationalID(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: NationalID(%+q) = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}

	wrongCheck := citizen[:9] + string(rune('0'+(citizen[9]-'0'+1)%10))
	invalid := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrIDLength},
		{"too short", citizen[:9], ErrIDLength},
		{"too long", citizen + "0", ErrIDLength},
		{"letters", "1a" + citizen[2:], ErrIDDigits},
		{"plus sign", "+" + citizen[1:], ErrIDDigits},
		{"prefix 3", checkDigit(t, "312345678"), ErrIDPrefix},
		{"prefix 0", checkDigit(t, "012345678"), ErrIDPrefix},
		{"wrong check digit", wrongCheck, ErrIDChecksum},
		{"wrong check digit, Arabic-Indic", arabicIndic(wrongCheck, '\u0660'), ErrIDChecksum},
		{"swapped digits", citizen[:1] + citizen[2:3] + citizen[1:2] + citizen[3:], ErrIDChecksum},
	}
	for _, tt := range invalid {
		got, err := NationalID(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: NationalID(%+q) = %q, %v; want %v", tt.name, tt.in, got, err, tt.want)
		}
		if got != "" {
			t.Errorf("%s: NationalID returned %q alongside an error", tt.name, got)
		}
	}
}

func TestNationalIDEveryCheckDigit(t *testing.T) {
	// Exactly one of the ten possible last digits is valid.
	for _, nine := range []string{"100000000", "123456789", "299999999", "210987654"} {
		ok := 0
		for d := '0'; d <= '9'; d++ {
			if _, err := NationalID(nine + string(d)); err == nil {
				ok++
				if want := checkDigit(t, nine); nine+string(d) != want {
					t.Errorf("accepted %s%c, the check digit is %s", nine, d, want[9:])
				}
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d valid check digits, want 1", nine, ok)
		}
	}
}

func TestMobile(t *testing.T) {
	const want = "+966512345678"
	valid := []string{
		"0512345678",
		"512345678",
		"+966512345678",
		"00966512345678",
		"966512345678",
		"+966 51 234 5678",
		"+966 (51) 234-5678",
		"051-234-5678",
		"٠٥١٢٣٤٥٦٧٨",
		"+٩٦٦٥١٢٣٤٥٦٧٨",
		"۰۵۱۲۳۴۵۶۷۸",
		"\u200F+966 51 234 5678\u200E",
		" 05 1234 5678 ",
	}
	for _, in := range valid {
		got, err := Mobile(in)
		if err != nil || got != want {
			t.Errorf("Mobile(%+q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := []string{
		"",
		"0112345678",     // Riyadh landline
		"+966112345678",  // landline in E.164
		"0412345678",     // not a mobile prefix
		"05123456789",    // 11 digits
		"051234567",      // 9 digits
		"5123456789",     // 10 digits without the 0
		"+9660512345678", // trunk zero after the country code
		"9660512345678",
		"+971501234567", // UAE
		"+15551234567",
		"++966512345678",
		"+96651234567a",
		"05123456７8x",
		"0096651234567",
		"+966 5",
		"hello",
	}
	for _, in := range invalid {
		got, err := Mobile(in)
		if !errors.Is(err, ErrMobile) || got != "" {
			t.Errorf("Mobile(%+q) = %q, %v; want ErrMobile", in, got, err)
		}
	}
}

func TestEmail(t *testing.T) {
	local64 := strings.Repeat("a", 64)
	label := strings.Repeat("b", 61)
	max := local64 + "@" + label + "." + label + "." + label + ".sab" // 254 characters
	if len(max) != 254 {
		t.Fatalf("test setup: len = %d", len(max))
	}
	valid := []struct{ in, want string }{
		{"ali@moe.gov.sa", "ali@moe.gov.sa"},
		{"  Ali.Ahmed@MOE.Gov.SA \n", "Ali.Ahmed@moe.gov.sa"},
		{"first+tag@Example.COM", "first+tag@example.com"},
		{"\u200Fali@moe.gov.sa", "ali@moe.gov.sa"},
		{max, max},
	}
	for _, tt := range valid {
		got, err := Email(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Email(%+q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	invalid := []struct {
		in   string
		want error
	}{
		{"", ErrEmail},
		{"   ", ErrEmail},
		{"ali", ErrEmail},
		{"ali@", ErrEmail},
		{"@moe.gov.sa", ErrEmail},
		{"Ali <ali@moe.gov.sa>", ErrEmail},
		{"<ali@moe.gov.sa>", ErrEmail},
		{"ali@moe.gov.sa (home)", ErrEmail},
		{"ali@localhost", ErrEmail},
		{"ali@moe..sa", ErrEmail},
		{"ali@[10.0.0.1]", ErrEmail},
		{"ali@moe.gov.sa, omar@moe.gov.sa", ErrEmail},
		{"ali@moe\u0085.gov.sa", ErrEmail},
		{"ali@moe\u009b.gov.sa", ErrEmail},
		{"a\x00li@moe.gov.sa", ErrEmail},
		{"ali @moe.gov.sa", ErrEmail},
		{"a" + max, ErrEmailTooLong},
	}
	for _, tt := range invalid {
		got, err := Email(tt.in)
		if !errors.Is(err, tt.want) || got != "" {
			t.Errorf("Email(%+q) = %q, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"id", MaskID, "1234567890", "1*******90"},
		{"id Arabic-Indic", MaskID, "١٢٣٤٥٦٧٨٩٠", "١*******٩٠"},
		{"id empty", MaskID, "", ""},
		{"id one", MaskID, "1", "*"},
		{"id too short to show anything", MaskID, "12345", "*****"},
		{"id shortest partly shown", MaskID, "123456", "1***56"},
		{"phone E.164", MaskPhone, "+966512345667", "+9665******67"},
		{"phone local form", MaskPhone, "0512345667", "+9665******67"},
		{"phone Arabic-Indic", MaskPhone, "٠٥١٢٣٤٥٦٦٧", "+9665******67"},
		{"phone foreign", MaskPhone, "+971501234567", "+**********67"},
		{"phone empty", MaskPhone, "", ""},
		{"phone short", MaskPhone, "123", "***"},
		{"invalid UTF-8 stays safe", MaskID, "\xff\xfe\xfd\xfc\xfb\xfa", "\uFFFD***\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: mask(%+q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
