package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/seed"
)

// upload posts file as the import form's file field.
func (f *fixture) upload(t *testing.T, path, file string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "entities.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write([]byte(file))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.engine.ServeHTTP(rec, req)
	return rec
}

// TestImportEntitiesAllOrNothing: a file with bad lines is refused whole,
// each line named with its number in the reader's language; a good one is
// merged and the page says what it added and moved; the export is the
// organization's CSV file.
func TestImportEntitiesAllOrNothing(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	cookies := f.signIn(t, "admin")
	before, err := f.store.ListEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Join(seed.Header, ",") + "\n" +
		"NEWU,جامعة جديدة,New University,public_university,UNIV\n" +
		"BADK,جهة,Entity,castle,UNIV\n" +
		"ORPH,يتيمة,Orphan,agency,NOWHERE\n"
	rec := f.upload(t, "/admin/entities/import", bad, cookies)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: HTTP %d, want 422", rec.Code)
	}
	page := rec.Body.String()
	for _, want := range []string{`data-line="3"`, "castle", `data-line="4"`, "NOWHERE", "نوع غير معروف"} {
		if !strings.Contains(page, want) {
			t.Errorf("bad file: the page lacks %q", want)
		}
	}
	if strings.Contains(page, `data-line="2"`) {
		t.Error("bad file: the good line 2 is reported")
	}
	after, err := f.store.ListEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("bad file: %d entities, want %d (nothing imported)", len(after), len(before))
	}

	good := strings.Join(seed.Header, ",") + "\n" +
		"NEWU,جامعة جديدة,New University,public_university,UNIV\n" +
		"KSU,جامعة الملك سعود,King Saud University,public_university,MOE\n"
	rec = f.upload(t, "/admin/entities/import", good, cookies)
	if rec.Code != http.StatusOK {
		t.Fatalf("good file: HTTP %d, want 200", rec.Code)
	}
	page = rec.Body.String()
	for _, want := range []string{`<li data-code="NEWU"><bdi dir="ltr" class="code">NEWU</bdi>`, "أُضيفت تحت", "نُقلت من", `<li data-code="KSU">`} {
		if !strings.Contains(page, want) {
			t.Errorf("good file: the page lacks %q", want)
		}
	}
	if _, err := f.store.GetEntity(ctx, "NEWU"); err != nil {
		t.Errorf("good file: NEWU not stored: %v", err)
	}

	rec = f.do("GET", "/admin/entities/export", nil, cookies)
	es, err := f.store.ListEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := seed.WriteEntities(&want, es); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Body.String() != want.String() {
		t.Errorf("export: HTTP %d, %d bytes; want 200 and the organization's CSV (%d bytes)", rec.Code, rec.Body.Len(), want.Len())
	}
}

// TestImportWithoutAFile is the form again with the error at its field.
func TestImportWithoutAFile(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do("POST", "/admin/entities/import", nil, f.signIn(t, "admin"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `aria-describedby="import-file-error"`) {
		t.Errorf("no file: HTTP %d, want 422 with the error at the file field", rec.Code)
	}
}
