package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestEntitiesExportImport(t *testing.T) {
	f := newFixture(t)
	admin := testTokens["admin"]

	exp := f.do(req{method: "GET", path: "/api/v1/entities/export", token: admin})
	exp.expect(http.StatusOK)
	if !strings.HasPrefix(exp.Body.String(), "code,name_ar,name_en,kind,parent\n") || !strings.Contains(exp.Body.String(), "KSU,") {
		t.Fatalf("export: %q", exp.Body.String())
	}
	f.do(req{method: "GET", path: "/api/v1/entities/export", token: testTokens["coord-ksu"]}).expectProblem(http.StatusForbidden, codeForbidden)

	before, _ := f.store.ListEntities(context.Background())
	// Two bad lines and one good one: both reported by line, nothing written.
	bad := "code,name_ar,name_en,kind,parent\nNEWC,كلية,New College,private_university,SEC-UNI\nBAD1,ب,Bad,castle,SEC-UNI\nBAD2,ب,Bad,sector,NOWHERE\n"
	p := f.do(req{method: "POST", path: "/api/v1/entities/import", token: admin, body: bad,
		headers: map[string]string{"Content-Type": "text/csv", "Accept-Language": "en"}}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if len(p.Errors) != 2 || p.Errors[0].Field != "line 3" || p.Errors[1].Field != "line 4" {
		t.Fatalf("errors: %+v", p.Errors)
	}
	after, _ := f.store.ListEntities(context.Background())
	if len(after) != len(before) {
		t.Fatalf("a refused import wrote %d entities", len(after)-len(before))
	}

	good := "code,name_ar,name_en,kind,parent\nNEWC,كلية جديدة,New College,private_university,SEC-UNI\n"
	ok := f.do(req{method: "POST", path: "/api/v1/entities/import", token: admin, body: good,
		headers: map[string]string{"Content-Type": "text/csv"}})
	ok.expect(http.StatusOK)
	// The public picker sees it at once (the cache was dropped).
	list := f.do(req{method: "GET", path: "/api/v1/entities"})
	if !strings.Contains(list.Body.String(), `"NEWC"`) {
		t.Fatalf("imported entity not listed: %s", list.Body.String())
	}
	f.do(req{offContract: true, method: "POST", path: "/api/v1/entities/import", token: admin, body: good,
		headers: map[string]string{"Content-Type": "application/json"}}).expectProblem(http.StatusUnsupportedMediaType, codeUnsupportedMedia)
}
