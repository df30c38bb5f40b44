package isolate

import "testing"

func TestWraps(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{LTR("2026-000001"), "\u20662026-000001\u2069"},
		{Auto("جامعة الملك سعود"), "\u2068جامعة الملك سعود\u2069"},
		{Auto("KSU"), "\u2068KSU\u2069"},
		{LTR(""), ""},
		{Auto(""), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
