package loadgen

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/seed"
)

// bundled is the organization `tawasul dev` loads.
func bundled(t testing.TB) []Entity {
	t.Helper()
	es, err := seed.Entities()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Entity, 0, len(es))
	for _, e := range es {
		out = append(out, Entity{Code: e.Code, Kind: e.Kind, Parent: e.Parent})
	}
	return out
}

func newGen(t testing.TB, seedValue uint64, run string) *Generator {
	t.Helper()
	g, err := NewGenerator(seedValue, run, DefaultMix(), bundled(t))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checkShares compares observed counts with a dimension's weights: within
// 1.5 percentage points over the draws used here (the standard error of a
// 40% share over 40,000 draws is 0.25 points).
func checkShares[T comparable](t *testing.T, name string, d Dimension[T], counts map[T]int, n int) {
	t.Helper()
	for _, s := range d.Shares {
		want := d.Fraction(s.Value)
		got := float64(counts[s.Value]) / float64(n)
		if math.Abs(got-want) > 0.015 {
			t.Errorf("%s %v: %.3f of draws, want %.3f", name, s.Value, got, want)
		}
	}
	for v := range counts {
		if d.Fraction(v) == 0 {
			t.Errorf("%s: drew %v, which has no weight", name, v)
		}
	}
}

func TestGeneratorProportions(t *testing.T) {
	const n = 40000
	g := newGen(t, 7, "prop")
	m := DefaultMix()
	kinds, channels, prios := map[domain.Kind]int{}, map[domain.Channel]int{}, map[domain.Priority]int{}
	types, nats, genders := map[domain.BeneficiaryType]int{}, map[domain.Nationality]int{}, map[domain.Gender]int{}
	persons := 0
	entities := map[string]int{}
	for i := range n {
		b := g.Request(i).Body
		kinds[b.Kind]++
		channels[b.Channel]++
		prios[b.Priority]++
		types[b.Beneficiary.Type]++
		nats[b.Beneficiary.Nationality]++
		entities[b.Entity]++
		if b.Beneficiary.Type != domain.BeneficiaryCompany {
			persons++
			genders[b.Beneficiary.Gender]++
		} else if b.Beneficiary.Gender != "" {
			t.Fatalf("a company has a gender: %+v", b.Beneficiary)
		}
	}
	checkShares(t, "kind", m.Kinds, kinds, n)
	checkShares(t, "channel", m.Channels, channels, n)
	checkShares(t, "priority", m.Priorities, prios, n)
	checkShares(t, "type", m.Types, types, n)
	checkShares(t, "nationality", m.Nationality, nats, n)
	checkShares(t, "gender", m.Genders, genders, persons)

	// The DIGEST's figures themselves: companies 13%, citizens 87%, men 65 to women 23.
	if got := float64(types[domain.BeneficiaryCompany]) / n; math.Abs(got-0.13) > 0.01 {
		t.Errorf("companies: %.3f, want 0.13", got)
	}
	if got := float64(nats[domain.NationalityCitizen]) / n; math.Abs(got-0.87) > 0.01 {
		t.Errorf("citizens: %.3f, want 0.87", got)
	}

	// Every one of the 141 entities gets tickets; the ministry root none.
	if len(g.Entities()) != 141 {
		t.Fatalf("entities to file to: %d, want 141", len(g.Entities()))
	}
	for _, e := range g.Entities() {
		if entities[e.Code] == 0 {
			t.Errorf("entity %s (%s) never drawn", e.Code, e.Kind)
		}
	}
	if entities["MOE"] != 0 {
		t.Errorf("the ministry root got %d tickets", entities["MOE"])
	}
}

func TestGeneratorAffinity(t *testing.T) {
	g := newGen(t, 3, "aff")
	kindOf := map[string]Entity{}
	for _, e := range g.Entities() {
		kindOf[e.Code] = e
	}
	for i := range 5000 {
		b := g.Request(i).Body
		e := kindOf[b.Entity]
		switch b.Beneficiary.Type {
		case domain.BeneficiaryTeacher, domain.BeneficiaryParent:
			if e.Kind != domain.EntityEducationDepartment {
				t.Fatalf("a %s wrote to %s (%s)", b.Beneficiary.Type, e.Code, e.Kind)
			}
		case domain.BeneficiaryScholarshipStudent:
			if e.Parent != "SCHOLAR" && e.Code != "SCHOLAR" {
				t.Fatalf("a scholarship student wrote to %s", e.Code)
			}
		}
	}
}

func TestGeneratorTextAndIdentity(t *testing.T) {
	g := newGen(t, 11, "text")
	var descTotal, long int
	const n = 3000
	for i := range n {
		req := g.Request(i)
		b := req.Body
		subj := utf8.RuneCountInString(b.Subject)
		if subj < 15 || subj > 200 {
			t.Fatalf("subject of %d runes: %q", subj, b.Subject)
		}
		d := utf8.RuneCountInString(b.Description)
		if d < 80 || d > 5000 {
			t.Fatalf("description of %d runes: %q", d, b.Description)
		}
		descTotal += d
		if d > 600 {
			long++
		}
		if arabicShare(b.Description) < 0.9 || arabicShare(strings.Split(b.Subject, "[")[0]) < 0.95 {
			t.Fatalf("not Arabic enough: %q / %q", b.Subject, b.Description)
		}
		if normalize.Text(b.Subject) != b.Subject || normalize.Text(b.Description) != b.Description {
			t.Fatalf("text changes under the API's normalization: %q", b.Subject)
		}
		id, err := normalize.NationalID(b.Beneficiary.NationalID)
		if err != nil {
			t.Fatalf("national ID %s: %v", b.Beneficiary.NationalID, err)
		}
		if (id[0] == '1') != (b.Beneficiary.Nationality == domain.NationalityCitizen) {
			t.Fatalf("ID %s does not match nationality %s", id, b.Beneficiary.Nationality)
		}
		if _, err := normalize.Mobile(b.Beneficiary.Mobile); err != nil {
			t.Fatalf("mobile %s: %v", b.Beneficiary.Mobile, err)
		}
		if e := b.Beneficiary.Email; e != "" {
			if _, err := normalize.Email(e); err != nil {
				t.Fatalf("email %s: %v", e, err)
			}
		}
		run, seq, ok := ParseMarker(b.Subject)
		if !ok || run != "text" || seq != i || req.Key != req.Marker || !strings.Contains(b.Subject, "["+req.Marker+"]") {
			t.Fatalf("marker of %d: %q -> %q %d %v", i, b.Subject, run, seq, ok)
		}
	}
	// Realistic length: a paragraph on average, some letters much longer.
	if avg := descTotal / n; avg < 180 || avg > 500 {
		t.Errorf("mean description %d runes", avg)
	}
	if long == 0 {
		t.Error("no long description at all")
	}
}

func arabicShare(s string) float64 {
	letters, arabic := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Arabic, r) {
				arabic++
			}
		}
	}
	if letters == 0 {
		return 0
	}
	return float64(arabic) / float64(letters)
}

func TestGeneratorDeterminism(t *testing.T) {
	a, b := newGen(t, 42, "one"), newGen(t, 42, "two")
	c := newGen(t, 43, "one")
	same, differ := 0, 0
	for i := range 200 {
		x, y, z := a.Request(i), b.Request(i), c.Request(i)
		// The same seed sends the same tickets; only the run's marker differs.
		y.Body.Subject = strings.Replace(y.Body.Subject, "lg-two-", "lg-one-", 1)
		if !reflect.DeepEqual(x.Body, y.Body) {
			t.Fatalf("seed 42, request %d differs between runs:\n%+v\n%+v", i, x.Body, y.Body)
		}
		if reflect.DeepEqual(x.Body, z.Body) {
			same++
		} else {
			differ++
		}
		// Asking again, in any order, gives the same request.
		if again := a.Request(i); !reflect.DeepEqual(again, x) {
			t.Fatalf("request %d not reproducible", i)
		}
	}
	if differ < 190 {
		t.Errorf("seeds 42 and 43 agree on %d of 200 requests", same)
	}
	if a.Fate(5, 0.2, 0.1) != b.Fate(5, 0.2, 0.1) {
		t.Error("fate not reproducible")
	}
}

func TestFateShares(t *testing.T) {
	g := newGen(t, 1, "fate")
	counts := map[Fate]int{}
	const n = 20000
	for i := range n {
		counts[g.Fate(i, 0.15, 0.10)]++
	}
	for f, want := range map[Fate]float64{FateObjected: 0.15, FateWithdrawn: 0.10, FateAnswered: 0.75} {
		if got := float64(counts[f]) / n; math.Abs(got-want) > 0.015 {
			t.Errorf("%s: %.3f, want %.2f", f, got, want)
		}
	}
}

func TestNewGeneratorRefuses(t *testing.T) {
	if _, err := NewGenerator(1, "Bad-ID", DefaultMix(), bundled(t)); err == nil {
		t.Error("an upper-case run id with a dash was accepted")
	}
	if _, err := NewGenerator(1, "ok", DefaultMix(), []Entity{{Code: "MOE", Kind: domain.EntityMinistry}}); err == nil {
		t.Error("an organization with only the root was accepted")
	}
	// Another organization without attachés still files scholarship tickets somewhere.
	g, err := NewGenerator(1, "ok", DefaultMix(), []Entity{{Code: "X", Kind: domain.EntityPublicUniversity}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if e := g.Request(i).Body.Entity; e != "X" {
			t.Fatalf("entity %q", e)
		}
	}
}
