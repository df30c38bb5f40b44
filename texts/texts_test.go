package texts

import "testing"

// TestEveryTextInBothLanguages: no code reads empty in either language.
func TestEveryTextInBothLanguages(t *testing.T) {
	for code, p := range problems {
		if p.Title.AR == "" || p.Title.EN == "" || p.Detail.AR == "" || p.Detail.EN == "" {
			t.Errorf("%s: missing a translation", code)
		}
	}
	for code, f := range fields {
		if f.AR == "" || f.EN == "" {
			t.Errorf("field %s: missing a translation", code)
		}
	}
	if _, ok := Of(Internal); !ok {
		t.Fatal("no texts for the internal error")
	}
	if Detail("no_such_code", true) != problems[Internal].Detail.EN {
		t.Error("an unknown code does not read as the internal error")
	}
}
