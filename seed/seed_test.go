package seed

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

func TestBundledOrganizationIsATree(t *testing.T) {
	es, err := Entities()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]string{}
	roots := 0
	for _, e := range es {
		byCode[e.Code] = e.Parent
		if e.Parent == "" {
			roots++
			if e.Kind != domain.EntityMinistry {
				t.Errorf("root %s is a %s", e.Code, e.Kind)
			}
		}
	}
	if roots != 1 {
		t.Fatalf("want one root, got %d", roots)
	}
	for code := range byCode {
		seen := map[string]bool{}
		for c := code; c != ""; c = byCode[c] {
			if seen[c] {
				t.Fatalf("cycle through %s", c)
			}
			seen[c] = true
		}
	}
}

func TestBadRowsReportedByLine(t *testing.T) {
	in := "code,name_ar,name_en,kind,parent\nA,أ,A,ministry,\nB,ب,B,castle,A\nC,,C,sector,A\nA,أ,A,sector,\nD,د,D,sector,ZZ\n"
	_, err := ParseEntities(strings.NewReader(in))
	if err == nil {
		t.Fatal("bad file accepted")
	}
	for _, want := range []string{"line 3: unknown kind", "line 4: code, name_ar", "line 5: code A appears twice", "parent ZZ"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

// Control characters never reach the database from an import: PostgreSQL
// refuses a NUL in text outright. Names lose them (normalize.Text), a code
// holding one is refused.
func TestControlCharactersInImport(t *testing.T) {
	in := "code,name_ar,name_en,kind,parent\nA,\"أ\x00\u0085ب\",A\x7f\x1b,ministry,\nB\x00,ب,B,sector,A\nC,ج,C,sector,A\x01\n"
	_, err := ParseEntities(strings.NewReader(in))
	for _, want := range []string{"line 3: code and parent", "line 4: code and parent"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	es, err := ParseEntities(strings.NewReader("code,name_ar,name_en,kind,parent\nA,\"أ\x00\u0085ب\",A\x7f\x1bB,ministry,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if es[0].NameAR != "أب" || es[0].NameEN != "AB" {
		t.Fatalf("names kept control characters: %+q %+q", es[0].NameAR, es[0].NameEN)
	}
}

// The bundled organization is the one the ministry reported in 2018: 141
// entities (28 public universities, 34 private universities and colleges, 47
// education departments, 32 ministry sectors and cultural attachés) under the
// ministry root.
func TestBundledOrganizationCounts(t *testing.T) {
	es, err := Entities()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[domain.EntityKind]int{}
	byCode := map[string]store.Entity{}
	for _, e := range es {
		if _, dup := byCode[e.Code]; dup {
			t.Errorf("code %s appears twice", e.Code)
		}
		byCode[e.Code] = e
		kinds[e.Kind]++
	}
	for kind, want := range map[domain.EntityKind]int{
		domain.EntityMinistry:            1,
		domain.EntityPublicUniversity:    28,
		domain.EntityPrivateUniversity:   34,
		domain.EntityEducationDepartment: 47,
	} {
		if kinds[kind] != want {
			t.Errorf("%s: got %d, want %d", kind, kinds[kind], want)
		}
	}
	if got := kinds[domain.EntitySector] + kinds[domain.EntityAgency]; got != 32 {
		t.Errorf("sectors and agencies: got %d, want 32", got)
	}
	if len(es) != 142 {
		t.Errorf("got %d rows, want 141 entities plus the ministry", len(es))
	}

	for _, e := range es {
		if e.Parent != "" {
			if _, ok := byCode[e.Parent]; !ok {
				t.Errorf("%s: parent %s does not exist", e.Code, e.Parent)
			}
		}
		switch e.Kind {
		case domain.EntityPublicUniversity, domain.EntityPrivateUniversity:
			if e.Parent != "UNIV" {
				t.Errorf("university %s has parent %q, want UNIV", e.Code, e.Parent)
			}
		case domain.EntityEducationDepartment:
			if e.Parent != "GEN-EDU" {
				t.Errorf("education department %s has parent %q, want GEN-EDU", e.Code, e.Parent)
			}
		}
		if e.Code != strings.ToUpper(e.Code) || len(e.Code) > 32 || strings.ContainsFunc(e.Code, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
		}) {
			t.Errorf("code %q is not short upper-case ASCII", e.Code)
		}
		if strings.TrimSpace(e.NameAR) == "" || strings.TrimSpace(e.NameEN) == "" {
			t.Errorf("%s: empty name", e.Code)
		}
		if !strings.ContainsFunc(e.NameAR, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
			t.Errorf("%s: Arabic name %q has no Arabic letters", e.Code, e.NameAR)
		}
	}

	// Codes other packages and the e2e suite rely on keep their place.
	for code, want := range map[string]struct {
		kind   domain.EntityKind
		parent string
	}{
		"MOE": {domain.EntityMinistry, ""}, "UNIV": {domain.EntitySector, "MOE"},
		"GEN-EDU": {domain.EntitySector, "MOE"}, "SCHOLAR": {domain.EntitySector, "MOE"},
		"KSU": {domain.EntityPublicUniversity, "UNIV"}, "KAU": {domain.EntityPublicUniversity, "UNIV"},
		"IMSIU": {domain.EntityPublicUniversity, "UNIV"}, "PSU": {domain.EntityPrivateUniversity, "UNIV"},
		"RUH-EDU": {domain.EntityEducationDepartment, "GEN-EDU"}, "MAK-EDU": {domain.EntityEducationDepartment, "GEN-EDU"},
		"JED-EDU": {domain.EntityEducationDepartment, "GEN-EDU"}, "US-ATT": {domain.EntityAgency, "SCHOLAR"},
		"UK-ATT": {domain.EntityAgency, "SCHOLAR"},
	} {
		e, ok := byCode[code]
		if !ok {
			t.Errorf("%s is missing", code)
			continue
		}
		if e.Kind != want.kind || e.Parent != want.parent {
			t.Errorf("%s: got %s under %q, want %s under %q", code, e.Kind, e.Parent, want.kind, want.parent)
		}
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	es, err := Entities()
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := WriteEntities(&buf, es); err != nil {
		t.Fatal(err)
	}
	back, err := ParseEntities(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(es) {
		t.Fatalf("round trip: %d entities, want %d", len(back), len(es))
	}
	for i := range es {
		if back[i] != es[i] {
			t.Fatalf("row %d: %+v, want %+v", i, back[i], es[i])
		}
	}
}

func TestImportOntoExistingOrganization(t *testing.T) {
	existing, err := Entities()
	if err != nil {
		t.Fatal(err)
	}
	// A new college under an existing sector: its parent is not in the file.
	in := "code,name_ar,name_en,kind,parent\nNEWC,كلية جديدة,New College,private_university,UNIV\n"
	got, err := ParseEntitiesOnto(strings.NewReader(in), existing)
	if err != nil || len(got) != 1 || got[0].Parent != "UNIV" {
		t.Fatalf("import onto existing: %+v %v", got, err)
	}
	// Re-parenting the sector under its own child would make a loop.
	loop := "code,name_ar,name_en,kind,parent\nUNIV,وكالة,Universities,sector,KSU\n"
	_, err = ParseEntitiesOnto(strings.NewReader(loop), existing)
	var rows RowErrors
	if !errors.As(err, &rows) || len(rows) == 0 || rows[0].Line != 2 || !strings.Contains(rows[0].Message, "loops") {
		t.Fatalf("loop not reported on line 2: %v", err)
	}
	if _, err := ParseEntitiesOnto(strings.NewReader("code,name\nA,B\n"), existing); err == nil {
		t.Fatal("bad header accepted")
	}
}

// TestRowErrorsHaveCodes: every refused line carries the code a front end
// words it by, and the value it names.
func TestRowErrorsHaveCodes(t *testing.T) {
	file := "code,name_ar,name_en,kind,parent\n" +
		"MOE,الوزارة,Ministry,ministry,\n" +
		"A,أ,A,castle,MOE\n" +
		"B,ب,B,agency,NOWHERE\n" +
		"MOE,الوزارة,Ministry,ministry,\n"
	_, err := ParseEntities(strings.NewReader(file))
	rows, ok := err.(RowErrors)
	if !ok {
		t.Fatalf("err = %v, want RowErrors", err)
	}
	want := map[int][2]string{3: {RowUnknownKind, "castle"}, 4: {RowUnknownParent, "NOWHERE"}, 5: {RowTwice, "2"}}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v, want %d", rows, len(want))
	}
	for _, r := range rows {
		if w := want[r.Line]; r.Code != w[0] || r.Arg != w[1] {
			t.Errorf("line %d: code %q arg %q, want %q %q", r.Line, r.Code, r.Arg, w[0], w[1])
		}
	}
}
