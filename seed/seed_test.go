package seed

import (
	"strings"
	"testing"

	"github.com/tawasul/tawasul/domain"
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
