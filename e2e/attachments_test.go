package e2e

import (
	"bytes"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var e2ePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// form is a multipart body with purpose (and public, unless "") and one file.
func form(t *testing.T, purpose, public, name string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("purpose", purpose)
	if public != "" {
		_ = w.WriteField("public", public)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// Documents on a real system, on the portal's two-step filing: the
// beneficiary files, then attaches with the tracking code; a disguised
// program and an oversized file are refused over real HTTP; staff answer
// with a document shared with the beneficiary; the beneficiary attaches
// evidence to an objection. Each side sees what it may, the files are on
// disk only for the service's user.
func TestAttachmentsEndToEnd(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		number, code := s.fileSignedIn(ticketBody("KSU", "مرفقات طلب معادلة"))
		base := "/api/v1/tickets/" + number
		upload := func(path, token, purpose, public, name string, data []byte, headers ...string) response {
			t.Helper()
			body, ct := form(t, purpose, public, name, data)
			return s.do("POST", path, token, body, append([]string{"Content-Type", ct}, headers...)...)
		}

		r := s.must(http.StatusCreated, upload(base+"/beneficiary-attachments", "", "filing", "", "شهادة التخرج.pdf", e2ePDF,
			"X-Tracking-Code", code))
		if str(r.Body["name"]) != "شهادة التخرج.pdf" || str(r.Body["content_type"]) != "application/pdf" {
			t.Fatalf("filing document: %s", r.Raw)
		}
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 300)...)
		r = s.must(http.StatusUnprocessableEntity, upload(base+"/beneficiary-attachments", "", "filing", "", "invoice.pdf", exe,
			"X-Tracking-Code", code))
		if !strings.Contains(string(r.Raw), "unsupported_file_type") {
			t.Fatalf("a disguised program: %s", r.Raw)
		}
		big := append(append([]byte{}, e2ePDF...), bytes.Repeat([]byte("%"), 10<<20)...)
		s.must(http.StatusRequestEntityTooLarge, upload(base+"/beneficiary-attachments", "", "filing", "", "big.pdf", big,
			"X-Tracking-Code", code))

		r = s.must(http.StatusCreated, upload(base+"/attachments", "t-ksu", "response", "true", "خطاب المعادلة.pdf", e2ePDF))
		shared := str(r.Body["id"])
		s.must(http.StatusOK, s.do("POST", base+"/responses", "t-ksu", map[string]any{"message": "أُرفق خطاب المعادلة"}))
		waitFor(t, 10*time.Second, "the answer in the read model", func() bool { return s.status(number) == "answered" })
		s.must(http.StatusCreated, upload(base+"/beneficiary-attachments", "", "objection", "", "إثبات.pdf", e2ePDF,
			"X-Tracking-Code", code))
		s.must(http.StatusOK, s.do("POST", base+"/objections", "", map[string]any{"reason": "الخطاب لا يذكر التخصص"},
			"X-Tracking-Code", code))

		// The tracking page lists the shared answer only (a code alone does not reach personal documents).
		tr := s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+number, "", nil, "X-Tracking-Code", code))
		atts, _ := tr.Body["attachments"].([]any)
		if len(atts) != 1 || str(atts[0].(map[string]any)["id"]) != shared {
			t.Fatalf("tracking page attachments: %s", tr.Raw)
		}
		dl := s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+number+"/attachments/"+shared, "", nil, "X-Tracking-Code", code))
		if !bytes.Equal(dl.Raw, e2ePDF) || dl.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;") ||
			dl.Header.Get("Content-Type") != "application/pdf" || dl.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("download: %v %q", dl.Header, dl.Raw)
		}

		// Staff of the entity see all three; another entity sees nothing.
		detail := s.ticket(number)
		if atts, _ := detail.Body["attachments"].([]any); len(atts) != 3 {
			t.Fatalf("staff detail attachments: %s", detail.Raw)
		}
		s.must(http.StatusNotFound, s.do("GET", base+"/attachments/"+shared, "t-kau", nil))

		// Three files, nothing more (refused ones left none), readable by the service's user only.
		var files []string
		err := filepath.WalkDir(s.files, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				files = append(files, p)
				if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v %v", p, info.Mode(), err)
				}
			}
			return err
		})
		if err != nil || len(files) != 3 {
			t.Fatalf("files on disk %v (%v), want 3", files, err)
		}
	})
}
