package normalize

import (
	"strings"
	"testing"
)

// A complaint as it arrives from a phone or a pasted document: tatweel, a
// right-to-left mark, presentation forms (a lam-alef ligature), Arabic-Indic
// digits, inner newlines and surrounding space; about 700 bytes.
var pastedComplaint = " \u200Fالسـلام عليكم ورحمة الله وبركاته،\n" +
	"تقدمت بطلب معادلة الشهادة الجامعية بتاريخ ١٤٤٦/٠٣/١٢ ولم يصلني أي رد حتى الآن \uFEFBبالبريد و\uFEFBبالجوال.\n" +
	"راجعت عمادة شؤون الطلاب أكثر من مرة وتمت إحالتي إلى جهات مختلفة دون حل واضح، " +
	"وأرفقت صورة الهوية الوطنية وكشف الدرجات المعتمد كما هو مطلوب.\n" +
	"أرجو التكرم بالنظر في الموضوع وإفادتي بالإجراءات المطلوبة والمدة المتوقعة لإنهاء المعاملة، وشكرًا. \n"

// BenchmarkText normalizes what intake stores: the paragraph above, the same
// paragraph already clean (the common case: a retry, a web form), and a
// subject line.
//
//	go test ./normalize/ -run '^$' -bench . -benchmem
func BenchmarkText(b *testing.B) {
	clean := Text(pastedComplaint)
	for _, bc := range []struct{ name, in string }{
		{"pasted-paragraph", pastedComplaint},
		{"clean-paragraph", clean},
		{"subject", "تأخر صرف المكافأة الشهرية"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if Text(bc.in) == "" {
					b.Fatal("empty")
				}
			}
		})
	}
}

func BenchmarkNationalID(b *testing.B) {
	// 1000000008 carries a valid check digit (TestCheckDigitHelper).
	for _, bc := range []struct{ name, in string }{
		{"ascii", "1000000008"},
		{"arabic-digits-spaced", arabicIndic("1000 000 008", '\u0660')},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := NationalID(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMobile(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"e164", "+966501234567"},
		{"local-arabic-digits", arabicIndic("050-123 4567", '\u0660')},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if m, err := Mobile(bc.in); err != nil || !strings.HasPrefix(m, "+9665") {
					b.Fatal(m, err)
				}
			}
		})
	}
}
