package seed

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestBundledFAQ(t *testing.T) {
	es, err := FAQ()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < 15 || len(es) > 25 {
		t.Fatalf("%d entries, want 15 to 25", len(es))
	}
	categories := map[string]int{}
	questions := map[string]bool{}
	for _, e := range es {
		categories[e.Category]++
		if questions[e.QuestionAR] {
			t.Errorf("question %q twice", e.QuestionAR)
		}
		questions[e.QuestionAR] = true
		if e.QuestionEN == "" || e.Reference == "" || !e.Active {
			t.Errorf("%q: the demo bank is bilingual, referenced and active", e.QuestionAR)
		}
		if !strings.ContainsFunc(e.AnswerAR, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
			t.Errorf("%q: the Arabic answer is not Arabic", e.QuestionAR)
		}
	}
	for _, c := range []string{"noor", "faris", "safeer", "scholarships", "transfers", "certificates", "admission"} {
		if categories[c] == 0 {
			t.Errorf("no entry of category %s", c)
		}
	}
}

func TestParseFAQReportsEveryBadEntry(t *testing.T) {
	file := `
- category: noor
  question_ar: سؤال
  answer_ar: جواب
  reviewed_on: "2026-01-01"
- category: Noor System
  question_ar: سؤال
  answer_ar: جواب
  reviewed_on: "2026-01-01"
- category: noor
  question_ar: سؤال
  answer_ar: جواب
  question_en: Question without an answer
  reviewed_on: "2026-01-01"
- category: noor
  question_ar: سؤال
  answer_ar: ""
  reviewed_on: "2026-13-01"
`
	_, err := ParseFAQ(strings.NewReader(file))
	var rows RowErrors
	if !errors.As(err, &rows) {
		t.Fatalf("err = %v, want RowErrors", err)
	}
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	if len(lines) != 3 || lines[0] != 6 || lines[1] != 10 || lines[2] != 15 {
		t.Fatalf("bad entries on lines %v, want [6 10 15]: %v", lines, err)
	}

	if _, err := ParseFAQ(strings.NewReader("- category: noor\n  question: misspelt\n")); err == nil {
		t.Fatal("an unknown field was accepted")
	}
	one, err := ParseFAQ(strings.NewReader("- {category: noor, question_ar: س, answer_ar: ج, reviewed_on: \"2026-01-01\", active: false}\n"))
	if err != nil || len(one) != 1 || one[0].Active {
		t.Fatalf("active: false: %+v, %v", one, err)
	}
}
