package normalize

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "تأخر صرف المكافأة", "تاخر صرف المكافاه"},
		{"alef with hamza above", "أسرة", "اسره"},
		{"alef with hamza below", "إسرة", "اسره"},
		{"alef madda", "آسرة", "اسره"},
		{"alef wasla", "ٱلمدرسة", "المدرسه"},
		{"taa marbuta", "مدرسة", "مدرسه"},
		{"alef maqsura", "مستشفى", "مستشفي"},
		{"Persian yeh", "مستشفی", "مستشفي"},
		{"tatweel", "الشـــهادات", "الشهادات"},
		{"harakat, tanween, shadda, sukun", "الشَّهَادَاتُ شهاداتٍ الشْهادات", "الشهادات شهادات الشهادات"},
		{"superscript alef", "الرحمٰن", "الرحمن"},
		{"Arabic-Indic digits", "رقم ١٢٣ و ۴۵", "رقم 123 و 45"},
		{"Latin lower-cased", "Noor SYSTEM", "noor system"},
		{"punctuation separates words", "نور/الطلاب، (عاجل)!", "نور الطلاب عاجل"},
		{"wildcards of LIKE are separators", "50% a_b", "50 a b"},
		{"runs of space and newlines", "  أ \n\t ب  ", "ا ب"},
		{"presentation forms", "\uFEE3\uFEAE\uFEA3\uFE92\uFE8E", "مرحبا"},
		{"invisible marks", "\u200Fنور\u200B", "نور"},
		{"only punctuation", " -- ", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fold(tt.in)
			if got != tt.want {
				t.Fatalf("Fold(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if again := Fold(got); again != got {
				t.Fatalf("not idempotent: Fold(%+q) = %+q", got, again)
			}
		})
	}
}

// Every spelling of a group folds alike, so either finds the other.
func TestFoldVariantsMeet(t *testing.T) {
	for _, group := range [][]string{
		{"أسرة", "إسرة", "آسرة", "اسرة", "اسره", "أُسْرَة"},
		{"مستشفى", "مستشفي", "مسـتشفى"},
		{"المكافأة", "المكافاة", "المكافأه", "المُكافَأة"},
	} {
		want := Fold(group[0])
		for _, v := range group[1:] {
			if got := Fold(v); got != want {
				t.Errorf("Fold(%q) = %q, Fold(%q) = %q", group[0], want, v, got)
			}
		}
	}
}

func TestFoldHasNoLikeWildcards(t *testing.T) {
	got := Fold(pastedComplaint + " %_\\ ")
	if strings.ContainsAny(got, "%_\\") {
		t.Fatalf("Fold kept a LIKE wildcard or escape: %q", got)
	}
}
