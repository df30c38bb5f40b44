package notify

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

// sampleParams holds a realistic value for every placeholder a template
// uses: the ticket number, instants, codes and counts run left to right;
// names, subjects, places and reasons are typed in Arabic. Each is shown
// once in any message that uses it, so the check finds the inserted value
// and not the same digits inside another (a level 2 inside 2026).
var sampleParams = map[string]string{
	"number": "2026-000001", "code": "042917", "minutes": "10", "level": "4", "rating": "4",
	"sla_due_at": "2026-03-18T09:30:00Z", "objection_until": "2026-03-25T09:30:00Z",
	"until": "2026-03-20T09:30:00Z", "due_at": "2026-03-19T09:30:00Z",
	"at": "2026-03-22T07:00:00Z", "confirm_by": "2026-03-21T09:30:00Z",
	"subject": "تأخر صرف المكافأة", "question": "ما رقم الإقامة؟", "reason": "سفر عاجل",
	"place": "مكتب معالي الوزير", "entity": "جامعة الملك سعود", "entity_name": "جامعة الملك سعود",
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Every value a message inserts is shown as one unit in its own order,
// whatever the direction of the sentence around it: "طلبكم رقم 2026-000001"
// must not read "000001-2026" on a phone. The check runs the Unicode bidi
// algorithm over every template's body and subject in both languages.
func TestInsertedValuesKeepTheirOrder(t *testing.T) {
	for _, name := range Templates() {
		tpl := templates[name]
		for _, text := range []struct{ lang, kind, raw string }{
			{Arabic, "body", tpl.ar}, {English, "body", tpl.en},
			{Arabic, "subject", tpl.subjectAR}, {English, "subject", tpl.subjectEN},
		} {
			params := map[string]string{}
			for _, m := range placeholder.FindAllStringSubmatch(text.raw, -1) {
				v, ok := sampleParams[m[1]]
				if !ok {
					t.Fatalf("%s uses {%s}: give it a sample value in sampleParams", name, m[1])
				}
				params[m[1]] = v
			}
			render := Render
			if text.kind == "subject" {
				render = Subject
			}
			out, err := render(name, text.lang, params)
			if err != nil {
				t.Fatal(err)
			}
			for key := range params {
				// What the reader sees of the value: an instant as Riyadh time.
				shown := strings.TrimSpace(replacer(Arabic, map[string]string{key: params[key]}).Replace("{" + key + "}"))
				shown = strings.Trim(shown, "\u2066\u2067\u2068\u2069")
				if n := strings.Count(out, shown); n != 1 {
					t.Fatalf("%s %s (%s): %q shows %d times: give {%s} a sample value found once", name, text.kind, text.lang, shown, n, key)
				}
				dir := bidi.LeftToRight
				if text.lang == Arabic {
					dir = bidi.RightToLeft
				}
				if msg := checkUnit(out, shown, dir); msg != "" {
					t.Errorf("%s %s (%s), {%s}: %s\n%q", name, text.kind, text.lang, key, msg, out)
				}
			}
		}
	}
}

// checkUnit reports how value, which must occur in text (a paragraph of
// direction paraDir), fails to be shown as
// a unit in its own order, or "" when it is. The bidi algorithm splits the
// paragraph into runs of one direction. A value of the paragraph's direction
// must lie within one run; a value of the other direction must be a run of
// its own, or neighbouring characters get drawn into it (a neutral hyphen
// between two numbers after Arabic letters belongs to the Arabic, which is
// what swaps the halves of a ticket number).
func checkUnit(text, value string, paraDir bidi.Direction) string {
	at := strings.Index(text, value)
	if at < 0 {
		return "the value is not in the text"
	}
	start := len([]rune(text[:at]))
	end := start + len([]rune(value)) // exclusive
	var p bidi.Paragraph
	if _, err := p.SetString(text); err != nil {
		return err.Error()
	}
	o, err := p.Order()
	if err != nil {
		return err.Error()
	}
	want := bidi.LeftToRight
	if strings.ContainsFunc(value, func(r rune) bool { return unicode.In(r, unicode.Arabic) }) {
		want = bidi.RightToLeft
	}
	for i := range o.NumRuns() {
		r := o.Run(i)
		from, to := r.Pos() // inclusive, in runes
		if from > start || to < start {
			continue
		}
		switch {
		case to < end-1:
			return "split across runs " + describe(o)
		case r.Direction() != want:
			return "runs the wrong way " + describe(o)
		case want != paraDir && (from != start || to != end-1):
			return "shares its run with its neighbours " + describe(o)
		}
		return ""
	}
	return "in no run"
}

func describe(o bidi.Ordering) string {
	var b strings.Builder
	for i := range o.NumRuns() {
		r := o.Run(i)
		d := "L"
		if r.Direction() == bidi.RightToLeft {
			d = "R"
		}
		b.WriteString(d + "[" + r.String() + "] ")
	}
	return b.String()
}

// An English message whose values are plain ASCII gets no isolate: none is
// needed in a left-to-right sentence, and one would move the SMS out of the
// GSM 7-bit alphabet into UCS-2, less than half as many characters a segment.
func TestEnglishWithASCIIValuesStaysASCII(t *testing.T) {
	params := map[string]string{}
	for k, v := range sampleParams {
		if !isASCII(v) {
			v = "King Saud University"
		}
		params[k] = v
	}
	for _, name := range Templates() {
		body, err := Render(name, English, params)
		if err != nil {
			t.Fatal(err)
		}
		if !isASCII(body) {
			t.Errorf("%s: %q", name, body)
		}
	}
	// A value holding Arabic is isolated even in English.
	body, _ := Render("transferred", English, map[string]string{"number": "2026-000001", "entity": "جامعة الملك سعود"})
	if !strings.Contains(body, "to \u2068جامعة الملك سعود\u2069, which") {
		t.Errorf("transferred: %q", body)
	}
}
