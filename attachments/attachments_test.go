package attachments

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Small real documents of each accepted type, and impostors.

func samplePDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
		"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func sampleImage(t *testing.T, encode func(io.Writer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func samplePNG(t *testing.T) []byte { return sampleImage(t, png.Encode) }

func sampleJPEG(t *testing.T) []byte {
	return sampleImage(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
}

// sampleEXE starts like a Windows program (the MZ header and its DOS stub).
func sampleEXE() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	copy(b[78:], "This program cannot be run in DOS mode.")
	return b
}

func TestSniff(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string // "" = refused
	}{
		{"pdf", samplePDF(), "application/pdf"},
		{"png", samplePNG(t), "image/png"},
		{"jpeg", sampleJPEG(t), "image/jpeg"},
		{"windows program named .pdf", sampleEXE(), ""},
		{"html named .png", []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"), ""},
		{"html behind whitespace", []byte("\n\n  <html><body onload=x()>"), ""},
		{"svg with a script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>`), ""},
		{"zip (an office document or worse)", []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), ""},
		{"plain text", []byte("ملاحظات المستفيد"), ""},
		{"elf program", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), ""},
		{"pdf signature late in the file", append([]byte("junk "), samplePDF()...), ""},
		{"png signature without its header chunk", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dJUNK"), ""},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := c.data
			if len(head) > SniffLen {
				head = head[:SniffLen]
			}
			got, ok := Sniff(head)
			switch {
			case c.want == "" && ok:
				t.Fatalf("accepted as %s", got.ContentType)
			case c.want != "" && (!ok || got.ContentType != c.want):
				t.Fatalf("Sniff = %q, %v; want %s", got.ContentType, ok, c.want)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	pdf, _ := Sniff(samplePDF())
	jpg, _ := Sniff(sampleJPEG(t))
	cases := []struct {
		raw  string
		t    Type
		want string
	}{
		{"تقرير طبي.pdf", pdf, "تقرير طبي.pdf"},
		{"Report.PDF", pdf, "Report.PDF"},
		{"photo.jpeg", jpg, "photo.jpeg"},
		{"photo.png", jpg, "photo.jpg"},
		{"setup.exe", pdf, "setup.pdf"},
		{"../../etc/passwd", pdf, "passwd.pdf"},
		{`C:\Users\sara\Desktop\هوية.pdf`, pdf, "هوية.pdf"},
		{".htaccess", pdf, "htaccess.pdf"},
		{"", pdf, "attachment.pdf"},
		{"...", pdf, "attachment.pdf"},
		{"\u202Efdp.exe", pdf, "fdp.pdf"}, // a right-to-left override hiding .exe
		{"a\x00b\r\nc.pdf", pdf, "abc.pdf"},
		{`say "hi"; x=<y>.pdf`, pdf, "say _hi_; x=_y_.pdf"},
		{strings.Repeat("ب", 300) + ".pdf", pdf, strings.Repeat("ب", maxNameRunes) + ".pdf"},
	}
	for _, c := range cases {
		if got := SafeName(c.raw, c.t); got != c.want {
			t.Errorf("SafeName(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestKeys(t *testing.T) {
	a, b := NewKey(), NewKey()
	if a == b || !ValidKey(a) || !ValidKey(b) {
		t.Fatalf("keys %q %q", a, b)
	}
	for _, bad := range []string{"", "../" + a[3:], a[:31] + "/", strings.ToUpper(a), a + "0", "..", a[:30] + "..", "/etc/passwd"} {
		if ValidKey(bad) {
			t.Errorf("ValidKey(%q) = true", bad)
		}
	}
}

func newDisk(t *testing.T) (*Disk, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "attachments")
	d, err := NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d, dir
}

func TestDiskRoundTrip(t *testing.T) {
	d, dir := newDisk(t)
	ctx := context.Background()
	key, data := NewKey(), samplePDF()
	if err := d.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	_ = r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v", got, err)
	}
	// Only the service's user reads beneficiaries' documents.
	for p, want := range map[string]fs.FileMode{dir: 0o700, filepath.Join(dir, key[:2]): 0o700, filepath.Join(dir, key[:2], key): 0o600} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
	}
	if err := d.Put(ctx, key, bytes.NewReader(data)); !errors.Is(err, ErrExists) {
		t.Fatalf("second Put under one key = %v, want ErrExists", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of a missing blob = %v", err)
	}
}

// failingReader yields some bytes, then fails like a body over its limit.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("too large")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

// A failed or abandoned upload leaves no file at all, not even a short one.
func TestDiskPutLeavesNothingOnFailure(t *testing.T) {
	d, dir := newDisk(t)
	key := NewKey()
	if err := d.Put(context.Background(), key, &failingReader{n: 100_000}); err == nil {
		t.Fatal("Put succeeded on a failing reader")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Put(ctx, NewKey(), bytes.NewReader(samplePDF())); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with an ended context = %v", err)
	}
	if files := filesUnder(t, dir); len(files) != 0 {
		t.Fatalf("files left behind: %v", files)
	}
	if _, err := d.Open(context.Background(), key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of a failed Put = %v", err)
	}
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// No key reaches outside the directory: malformed keys are refused before
// any file access, and a link planted inside pointing out is not followed.
func TestDiskRefusesTraversal(t *testing.T) {
	d, dir := newDisk(t)
	ctx := context.Background()
	outside := filepath.Join(filepath.Dir(dir), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../secret", "../../etc/passwd", "/etc/passwd", "ab/../../secret", ""} {
		if err := d.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, ErrBadKey) {
			t.Errorf("Put(%q) = %v", key, err)
		}
		if _, err := d.Open(ctx, key); !errors.Is(err, ErrBadKey) {
			t.Errorf("Open(%q) = %v", key, err)
		}
		if err := d.Delete(ctx, key); !errors.Is(err, ErrBadKey) {
			t.Errorf("Delete(%q) = %v", key, err)
		}
	}
	key := NewKey()
	if err := os.MkdirAll(filepath.Join(dir, key[:2]), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, key[:2], key)); err != nil {
		t.Fatal(err)
	}
	if r, err := d.Open(ctx, key); err == nil {
		b, _ := io.ReadAll(r)
		_ = r.Close()
		t.Fatalf("a link out of the directory was followed: read %q", b)
	}
}

func TestDiskSweep(t *testing.T) {
	d, dir := newDisk(t)
	ctx := context.Background()
	kept, orphan, fresh := NewKey(), NewKey(), NewKey()
	for _, k := range []string{kept, orphan, fresh} {
		if err := d.Put(ctx, k, bytes.NewReader(samplePDF())); err != nil {
			t.Fatal(err)
		}
	}
	crashed := filepath.Join(dir, kept[:2], tmpPrefix+NewKey())
	foreign := filepath.Join(dir, kept[:2], "README")
	for _, p := range []string{crashed, foreign} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{filepath.Join(dir, kept[:2], kept), filepath.Join(dir, orphan[:2], orphan), crashed, foreign} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	inUse := func(_ context.Context, key string) (bool, error) { return key == kept, nil }
	n, err := d.Sweep(ctx, time.Now().Add(-time.Hour), inUse)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 (the orphan and the temporary file)", n, err)
	}
	for key, want := range map[string]bool{kept: true, orphan: false, fresh: true} {
		r, err := d.Open(ctx, key)
		if err == nil {
			_ = r.Close()
		}
		if (err == nil) != want {
			t.Errorf("blob %s present = %v, want %v", key, err == nil, want)
		}
	}
	if _, err := os.Stat(crashed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("a file that is not a blob was removed: %v", err)
	}
}
