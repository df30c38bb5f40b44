package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/texts"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

var samplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// sampleEXE starts like a Windows program.
var sampleEXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)

// formPart is one part of a multipart body, in order.
type formPart struct {
	name, filename string
	data           []byte
}

// multipartForm builds a multipart/form-data body of parts, in order.
func multipartForm(parts ...formPart) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
			h.Set("Content-Type", "application/pdf") // what the client claims counts for nothing
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		}
		pw, _ := w.CreatePart(h)
		_, _ = pw.Write(p.data)
	}
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// multipartBody is fields (in name order does not matter) then one file.
func multipartBody(fields map[string]string, filename string, data []byte) ([]byte, string) {
	var parts []formPart
	for k, v := range fields {
		parts = append(parts, formPart{name: k, data: []byte(v)})
	}
	return multipartForm(append(parts, formPart{name: "file", filename: filename, data: data})...)
}

// uploadReq posts a form to path as token (and the tracking code when given).
func uploadReq(path, token, code string, body []byte, ct string, headers ...string) req {
	h := map[string]string{"Content-Type": ct}
	if code != "" {
		h[trackingHeader] = code
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return req{method: "POST", path: path, token: token, body: body, headers: h}
}

// upload sends uploadReq's form.
func (f *fixture) upload(path, token, code string, body []byte, ct string, headers ...string) resp {
	f.t.Helper()
	return f.do(uploadReq(path, token, code, body, ct, headers...))
}

func (f *fixture) uploadStaff(number, token string, fields map[string]string, name string, data []byte) resp {
	f.t.Helper()
	body, ct := multipartBody(fields, name, data)
	return f.upload("/api/v1/tickets/"+number+"/attachments", token, "", body, ct)
}

func (f *fixture) uploadBeneficiary(number, token, code, purpose, name string, data []byte) resp {
	f.t.Helper()
	body, ct := multipartBody(map[string]string{"purpose": purpose}, name, data)
	return f.upload("/api/v1/tickets/"+number+"/beneficiary-attachments", token, code, body, ct)
}

// attach stores a sample PDF and its row directly, as an upload would.
func (f *fixture) attach(number string, purpose domain.AttachmentPurpose, public bool, by string, role domain.Role, name string) store.Attachment {
	f.t.Helper()
	ctx := context.Background()
	key := attachments.NewKey()
	if err := f.api.files.store.Put(ctx, key, bytes.NewReader(samplePDF)); err != nil {
		f.t.Fatal(err)
	}
	sum := sha256.Sum256(samplePDF)
	at, err := f.store.AddAttachment(ctx, store.Attachment{ID: attachments.NewKey(), TicketNumber: number,
		Purpose: purpose, Public: public, UploadedByID: by, UploadedByRole: role, Name: name,
		ContentType: "application/pdf", Size: int64(len(samplePDF)), SHA256: hex.EncodeToString(sum[:]),
		StorageKey: key}, 1<<20)
	if err != nil {
		f.t.Fatal(err)
	}
	return at
}

// storedFiles lists the files in the attachment store's directory.
func (f *fixture) storedFiles() []string {
	f.t.Helper()
	var out []string
	err := filepath.WalkDir(f.filesDir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) attachmentRows(number string) []store.Attachment {
	f.t.Helper()
	as, err := f.store.Attachments(context.Background(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	return as
}

func TestAttachmentStaffUploadAndDownload(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	r := f.uploadStaff(c.Number, testTokens["coord-ksu"], map[string]string{"purpose": "response", "public": "true"},
		`..\..\رد الجامعة.exe`, samplePDF)
	r.expect(http.StatusCreated)
	var at attachmentJSON
	r.json(&at)
	sum := sha256.Sum256(samplePDF)
	if at.Name != "رد الجامعة.pdf" || at.ContentType != "application/pdf" || at.Size != int64(len(samplePDF)) ||
		at.SHA256 != hex.EncodeToString(sum[:]) || !at.Public || at.Purpose != domain.AttachResponse ||
		at.UploadedBy.ID != "coord-ksu" || at.UploadedBy.Role != domain.RoleCoordinator {
		t.Fatalf("stored as %+v", at)
	}
	loc := r.Header().Get("Location")
	if loc != "/api/v1/tickets/"+c.Number+"/attachments/"+at.ID {
		t.Fatalf("Location %q", loc)
	}

	var detail ticketJSON
	d := f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["coord-ksu"]})
	d.expect(http.StatusOK)
	d.json(&detail)
	if len(detail.Attachments) != 1 || detail.Attachments[0].ID != at.ID {
		t.Fatalf("detail lists %+v", detail.Attachments)
	}

	dl := f.do(req{method: "GET", path: loc, token: testTokens["coord-ksu"]})
	dl.expect(http.StatusOK)
	if !bytes.Equal(dl.Body.Bytes(), samplePDF) {
		t.Fatalf("downloaded %q", dl.Body.String())
	}
	for k, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"Content-Disposition":    `attachment; filename="attachment.pdf"; filename*=UTF-8''%D8%B1%D8%AF%20%D8%A7%D9%84%D8%AC%D8%A7%D9%85%D8%B9%D8%A9.pdf`,
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "private, no-store",
		"Content-Length":         strconv.Itoa(len(samplePDF)),
	} {
		if got := dl.Header().Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := dl.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("Content-Security-Policy %q: want a sandbox", csp)
	}

	// Not another ticket's document through this ticket, not a made-up id.
	other := f.file("")
	for _, p := range []string{"/api/v1/tickets/" + other.Number + "/attachments/" + at.ID,
		"/api/v1/tickets/" + c.Number + "/attachments/" + strings.Repeat("0", 32),
		"/api/v1/tickets/" + c.Number + "/attachments/..%2F..%2Fetc%2Fpasswd"} {
		f.do(req{offContract: strings.Contains(p, ".."), method: "GET", path: p, token: testTokens["admin"]}).expectProblem(http.StatusNotFound, codeNotFound)
	}
}

// A file is judged by what it is, not what it is called: a program or a web
// page renamed .pdf or .png is refused, in Arabic and English, and nothing
// of it is kept.
func TestAttachmentDisguisedFileRefused(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	html := []byte("<!DOCTYPE html><html><body><script>fetch('/api/v1/tickets')</script></body></html>")
	zip := []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")
	for _, tc := range []struct {
		name string
		data []byte
	}{{"تقرير.pdf", sampleEXE}, {"photo.png", html}, {"scan.jpg", html}, {"letter.pdf", zip}} {
		for _, lang := range []string{"ar", "en"} {
			body, ct := multipartBody(map[string]string{"purpose": "filing"}, tc.name, tc.data)
			r := f.upload("/api/v1/tickets/"+c.Number+"/beneficiary-attachments", "", c.TrackingCode, body, ct,
				"Accept-Language", lang)
			p := r.expectProblem(http.StatusUnprocessableEntity, codeValidation)
			if len(p.Errors) != 1 || p.Errors[0].Field != "file" || p.Errors[0].Code != fieldUnsupportedType {
				t.Fatalf("%s: errors %+v", tc.name, p.Errors)
			}
			want := texts.FieldMessage(fieldUnsupportedType, negotiate(lang) == langEN)
			if p.Errors[0].Message != want || !strings.Contains(want, "PDF") {
				t.Fatalf("%s (%s): message %q", tc.name, lang, p.Errors[0].Message)
			}
		}
	}
	if rows, files := f.attachmentRows(c.Number), f.storedFiles(); len(rows) != 0 || len(files) != 0 {
		t.Fatalf("kept %d rows and files %v", len(rows), files)
	}
}

func TestAttachmentLimits(t *testing.T) {
	const maxBytes = 1024
	f := newFixture(t, func(o *Options) { o.AttachmentMaxBytes, o.AttachmentsPerTicket = maxBytes, 2 })
	c := f.file("")
	pdfOf := func(n int) []byte {
		return append(append([]byte{}, samplePDF...), bytes.Repeat([]byte("%"), n-len(samplePDF))...)
	}

	// One byte over the limit: 413 while it streams, and nothing left.
	r := f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "big.pdf", pdfOf(maxBytes+1))
	r.expectProblem(http.StatusRequestEntityTooLarge, codeFileTooLarge)
	if files := f.storedFiles(); len(files) != 0 {
		t.Fatalf("an oversized file was kept: %v", files)
	}
	// Far over: the body bound stops it too.
	f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "huge.pdf", pdfOf(200*maxBytes)).
		expectProblem(http.StatusRequestEntityTooLarge, codeFileTooLarge)

	// Exactly the limit is fine; the beneficiary's second file is their last.
	f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "a.pdf", pdfOf(maxBytes)).expect(http.StatusCreated)
	f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "b.pdf", samplePDF).expect(http.StatusCreated)
	p := f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "c.pdf", samplePDF).
		expectProblem(http.StatusConflict, codeAttachmentLimit)
	if !strings.Contains(p.Detail, "2") {
		t.Fatalf("detail does not give the limit: %q", p.Detail)
	}
	// Staff keep their own allowance.
	f.uploadStaff(c.Number, testTokens["coord-ksu"], map[string]string{"purpose": "response", "public": "true"}, "r.pdf", samplePDF).
		expect(http.StatusCreated)
	if rows, files := f.attachmentRows(c.Number), f.storedFiles(); len(rows) != 3 || len(files) != 3 {
		t.Fatalf("%d rows, %d files; want 3 of each", len(rows), len(files))
	}
}

// Malformed or incomplete forms are refused before anything is kept; a file
// stored before a later field turned out wrong is removed again.
func TestAttachmentFormChecks(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	staffPath := "/api/v1/tickets/" + c.Number + "/attachments"
	benPath := "/api/v1/tickets/" + c.Number + "/beneficiary-attachments"
	coord := testTokens["coord-ksu"]
	fieldCases := []struct {
		name        string
		path, token string
		parts       []formPart
		field, code string
	}{
		{"no file", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")}}, "file", fieldRequired},
		{"no purpose", staffPath, coord, []formPart{{name: "file", filename: "a.pdf", data: samplePDF}}, "purpose", fieldRequired},
		{"unknown purpose", staffPath, coord, []formPart{{name: "purpose", data: []byte("gift")},
			{name: "file", filename: "a.pdf", data: samplePDF}}, "purpose", fieldNotInList},
		{"staff cannot object", staffPath, coord, []formPart{{name: "purpose", data: []byte("objection")},
			{name: "file", filename: "a.pdf", data: samplePDF}}, "purpose", fieldNotInList},
		{"the beneficiary does not respond", benPath, "", []formPart{{name: "purpose", data: []byte("response")},
			{name: "file", filename: "a.pdf", data: samplePDF}}, "purpose", fieldNotInList},
		{"the beneficiary does not choose visibility", benPath, "", []formPart{{name: "purpose", data: []byte("filing")},
			{name: "public", data: []byte("false")}, {name: "file", filename: "a.pdf", data: samplePDF}}, "public", fieldUnknown},
		{"a note is never public", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")},
			{name: "public", data: []byte("true")}, {name: "file", filename: "a.pdf", data: samplePDF}}, "public", fieldInvalidValue},
		{"public is a boolean", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")},
			{name: "public", data: []byte("yes please")}, {name: "file", filename: "a.pdf", data: samplePDF}}, "public", fieldInvalidValue},
		{"file after the fields, purpose wrong", staffPath, coord, []formPart{{name: "file", filename: "a.pdf", data: samplePDF},
			{name: "purpose", data: []byte("gift")}}, "purpose", fieldNotInList},
		{"one file per request", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")},
			{name: "file", filename: "a.pdf", data: samplePDF}, {name: "file", filename: "b.pdf", data: samplePDF}}, "file", fieldDuplicate},
		{"empty file", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")},
			{name: "file", filename: "a.pdf"}}, "file", fieldEmptyFile},
		{"unknown part", staffPath, coord, []formPart{{name: "purpose", data: []byte("note")}, {name: "colour", data: []byte("red")},
			{name: "file", filename: "a.pdf", data: samplePDF}}, "colour", fieldUnknown},
	}
	for _, tc := range fieldCases {
		body, ct := multipartForm(tc.parts...)
		code := ""
		if tc.token == "" {
			code = c.TrackingCode
		}
		p := f.do(uploadReq(tc.path, tc.token, code, body, ct).outsideContract()).expectProblem(http.StatusUnprocessableEntity, codeValidation)
		found := false
		for _, e := range p.Errors {
			found = found || (e.Field == tc.field && e.Code == tc.code)
		}
		if !found {
			t.Errorf("%s: errors %+v, want %s %s", tc.name, p.Errors, tc.field, tc.code)
		}
	}
	f.do(req{offContract: true, method: "POST", path: staffPath, token: coord, body: map[string]any{"purpose": "note"}}).
		expectProblem(http.StatusUnsupportedMediaType, codeUnsupportedMedia)
	f.do(uploadReq(staffPath, coord, "", []byte("--x\r\nnot a form"), "multipart/form-data; boundary=x").outsideContract()).
		expectProblem(http.StatusBadRequest, codeMalformedForm)
	if rows, files := f.attachmentRows(c.Number), f.storedFiles(); len(rows) != 0 || len(files) != 0 {
		t.Fatalf("kept %d rows and files %v", len(rows), files)
	}

	// A closed ticket takes no more documents.
	if err := f.store.ApplyChange(context.Background(), store.TicketChange{Number: c.Number, Version: 1,
		Status: domain.StatusClosed, ResponsibleEntity: "KSU", SLADueAt: c.SLADueAt}); err != nil {
		t.Fatal(err)
	}
	f.uploadStaff(c.Number, coord, map[string]string{"purpose": "note"}, "a.pdf", samplePDF).
		expectProblem(http.StatusConflict, codeTicketClosed)
}

// Showing the beneficiary a document is answering them: whoever sees the
// ticket may keep a note, only who may answer may publish.
func TestAttachmentPublishNeedsTheRightToAnswer(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	sup := testTokens["supervisor"] // sees every ticket, answers only once it climbs to them
	f.uploadStaff(c.Number, sup, map[string]string{"purpose": "response", "public": "true"}, "a.pdf", samplePDF).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.uploadStaff(c.Number, sup, map[string]string{"purpose": "note"}, "a.pdf", samplePDF).expect(http.StatusCreated)
	f.uploadStaff(c.Number, testTokens["auditor"], map[string]string{"purpose": "note"}, "a.pdf", samplePDF).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.uploadStaff(c.Number, testTokens["coord-edu"], map[string]string{"purpose": "note"}, "a.pdf", samplePDF).
		expectProblem(http.StatusNotFound, codeNotFound)
	if rows, files := f.attachmentRows(c.Number), f.storedFiles(); len(rows) != 1 || len(files) != 1 {
		t.Fatalf("%d rows, %d files; want the note only", len(rows), len(files))
	}
}

// Who sees which document: the beneficiary their own and what staff shared
// (the tracking code alone not their personal papers), staff handling the
// case everything, auditors not the personal papers, anyone else nothing.
func TestAttachmentVisibility(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	r := f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "هوية.jpg", samplePDF)
	r.expect(http.StatusCreated)
	if loc := r.Header().Get("Location"); loc != "" {
		t.Fatalf("a tracking code was given the address of a personal document: %s", loc)
	}
	var own publicAttachmentJSON
	r.json(&own)
	f.clock.Advance(time.Minute) // lists are oldest first
	if own.Name != "هوية.pdf" || own.From != "beneficiary" || own.Purpose != domain.AttachFiling {
		t.Fatalf("uploaded %+v", own)
	}
	shared := f.uploadStaff(c.Number, testTokens["coord-ksu"], map[string]string{"purpose": "response", "public": "true"}, "رد.pdf", samplePDF)
	shared.expect(http.StatusCreated)
	var sh attachmentJSON
	shared.json(&sh)
	f.clock.Advance(time.Minute)
	note := f.uploadStaff(c.Number, testTokens["coord-ksu"], map[string]string{"purpose": "note"}, "INTERNAL.pdf", samplePDF)
	note.expect(http.StatusCreated)
	var nt attachmentJSON
	note.json(&nt)

	sessA, sessB := f.sessionFor(mobileA), f.sessionFor(mobileB)
	listed := func(r resp, ids ...string) {
		t.Helper()
		r.expect(http.StatusOK)
		var v struct {
			Attachments []struct{ ID string } `json:"attachments"`
		}
		r.json(&v)
		var got []string
		for _, a := range v.Attachments {
			got = append(got, a.ID)
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("listed %v, want %v", got, ids)
		}
		if strings.Contains(r.Body.String(), "INTERNAL") {
			t.Fatalf("the internal note shows: %s", r.Body.String())
		}
	}
	track := req{method: "GET", path: "/api/v1/track/" + c.Number, headers: map[string]string{trackingHeader: c.TrackingCode}}
	listed(f.do(track), sh.ID)
	listed(f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + c.Number, token: sessA}), own.ID, sh.ID)
	var staffView ticketJSON
	d := f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["coord-ksu"]})
	d.expect(http.StatusOK)
	d.json(&staffView)
	if len(staffView.Attachments) != 3 {
		t.Fatalf("staff see %d attachments, want 3", len(staffView.Attachments))
	}
	d = f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["auditor"]})
	d.expect(http.StatusOK)
	var auditView ticketJSON
	d.json(&auditView)
	if len(auditView.Attachments) != 2 || strings.Contains(d.Body.String(), own.ID) {
		t.Fatalf("the auditor sees %+v, want the shared answer and the note only", auditView.Attachments)
	}

	type dl struct {
		name string
		r    req
		want int
	}
	trackDL := func(id string) req {
		return req{method: "GET", path: "/api/v1/track/" + c.Number + "/attachments/" + id, headers: map[string]string{trackingHeader: c.TrackingCode}}
	}
	ownDL := func(tok, id string) req {
		return req{method: "GET", path: "/api/v1/beneficiary/tickets/" + c.Number + "/attachments/" + id, token: tok}
	}
	staffDL := func(tok, id string) req {
		return req{method: "GET", path: "/api/v1/tickets/" + c.Number + "/attachments/" + id, token: tok}
	}
	for _, tc := range []dl{
		{"tracking code, shared answer", trackDL(sh.ID), http.StatusOK},
		{"tracking code, own personal document", trackDL(own.ID), http.StatusNotFound},
		{"tracking code, internal note", trackDL(nt.ID), http.StatusNotFound},
		{"wrong tracking code", req{method: "GET", path: "/api/v1/track/" + c.Number + "/attachments/" + sh.ID,
			headers: map[string]string{trackingHeader: trackcode.New()}}, http.StatusNotFound},
		{"session, own document", ownDL(sessA, own.ID), http.StatusOK},
		{"session, shared answer", ownDL(sessA, sh.ID), http.StatusOK},
		{"session, internal note", ownDL(sessA, nt.ID), http.StatusNotFound},
		{"another beneficiary", ownDL(sessB, own.ID), http.StatusNotFound},
		{"a staff token on the beneficiary's route", ownDL(testTokens["admin"], sh.ID), http.StatusUnauthorized},
		{"coordinator, personal document", staffDL(testTokens["coord-ksu"], own.ID), http.StatusOK},
		{"coordinator, internal note", staffDL(testTokens["coord-ksu"], nt.ID), http.StatusOK},
		{"auditor, personal document", staffDL(testTokens["auditor"], own.ID), http.StatusNotFound},
		{"auditor, shared answer", staffDL(testTokens["auditor"], sh.ID), http.StatusOK},
		{"another entity", staffDL(testTokens["coord-edu"], sh.ID), http.StatusNotFound},
		{"agent who did not file it", staffDL(testTokens["agent"], sh.ID), http.StatusNotFound},
		{"a beneficiary session on the staff route", staffDL(sessA, sh.ID), http.StatusUnauthorized},
	} {
		r := f.do(tc.r)
		if r.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, r.Code, tc.want, r.Body.String())
			continue
		}
		if tc.want == http.StatusNotFound {
			if p := r.problem(); p.Code != codeNotFound {
				t.Errorf("%s: code %s", tc.name, p.Code)
			}
		}
		if tc.want == http.StatusOK && !bytes.Equal(r.Body.Bytes(), samplePDF) {
			t.Errorf("%s: body %q", tc.name, r.Body.String())
		}
	}
}

// Without an attachment store (no directory configured) uploads and
// downloads say so, and the views still answer.
func TestAttachmentsOff(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Attachments = nil })
	c := f.file("")
	f.uploadStaff(c.Number, testTokens["coord-ksu"], map[string]string{"purpose": "note"}, "a.pdf", samplePDF).
		expectProblem(http.StatusServiceUnavailable, codeAttachmentsOff)
	f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["coord-ksu"]}).expect(http.StatusOK)
}

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"report.pdf":     `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		"تقرير طبي.pdf":  `attachment; filename="attachment.pdf"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D8%B7%D8%A8%D9%8A.pdf`,
		"scan 2 (ب).jpg": `attachment; filename="scan 2 ().jpg"; filename*=UTF-8''scan%202%20%28%D8%A8%29.jpg`,
		`a"b\c%d;e.png`:  `attachment; filename="abcd;e.png"; filename*=UTF-8''a%22b%5Cc%25d%3Be.png`,
	} {
		if got := attachments.ContentDisposition(name); got != want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", name, got, want)
		}
	}
}

// The uploads leave nothing behind when the client goes away mid-file.
func TestAttachmentAbandonedUpload(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	body, ct := multipartBody(map[string]string{"purpose": "note"}, "a.pdf", append(append([]byte{}, samplePDF...), bytes.Repeat([]byte("%"), 4096)...))
	cut := body[:len(body)-1500] // the body ends inside the file
	f.do(uploadReq("/api/v1/tickets/"+c.Number+"/attachments", testTokens["coord-ksu"], "", cut, ct).outsideContract()).
		expectProblem(http.StatusBadRequest, codeMalformedForm)
	if files := f.storedFiles(); len(files) != 0 {
		t.Fatalf("a cut upload was kept: %v", files)
	}
	if _, err := os.Stat(f.filesDir); err != nil {
		t.Fatal(err)
	}
}
