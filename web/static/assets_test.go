package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestContentHash(t *testing.T) {
	a, b := []byte("body { color: red }"), []byte("body { color: blue }")
	if contentHash(a) != contentHash([]byte(string(a))) {
		t.Fatal("the same content hashed twice gave two hashes")
	}
	if contentHash(a) == contentHash(b) {
		t.Fatalf("two contents share the hash %s", contentHash(a))
	}
	sum := sha256.Sum256(a)
	if want := hex.EncodeToString(sum[:])[:hashLen]; contentHash(a) != want {
		t.Errorf("contentHash = %s, want the first %d hex digits of SHA-256, %s", contentHash(a), hashLen, want)
	}
}

func TestHashedName(t *testing.T) {
	for name, want := range map[string]string{
		"app.css":     "app.HASH.css",
		"htmx.min.js": "htmx.min.HASH.js",
		"ibm-plex-sans-arabic-arabic-400-normal.woff2": "ibm-plex-sans-arabic-arabic-400-normal.HASH.woff2",
	} {
		if got := hashedName(name, "HASH"); got != want {
			t.Errorf("hashedName(%q) = %q, want %q", name, got, want)
		}
	}
}

var hashedURL = regexp.MustCompile(`^/static/htmx\.min\.[0-9a-f]{10}\.js$`)

func TestURL(t *testing.T) {
	got := URL("htmx.min.js")
	if !hashedURL.MatchString(got) {
		t.Fatalf("URL(htmx.min.js) = %q, want /static/htmx.min.<10 hex>.js", got)
	}
	if again := URL("htmx.min.js"); again != got {
		t.Errorf("URL changed between calls: %q, then %q", got, again)
	}
	onDisk, err := os.ReadFile("vendor/htmx/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := Prefix + hashedName("htmx.min.js", contentHash(onDisk)); got != want {
		t.Errorf("URL(htmx.min.js) = %q, want %q (the hash of the file on disk)", got, want)
	}
}

func TestURLPanicsOnUnknownName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("URL of an unknown name returned instead of panicking")
		}
	}()
	URL("no-such-file.css")
}

// fontsCSS is a stylesheet naming its files every way CSS allows.
const fontsCSS = `@font-face { src: url("/static/f.woff2") format("woff2"); }
@font-face { src: url('/static/f.woff2'); }
.icon { background: url(/static/icons.svg#menu); }
.keep { background: url("https://example.org/x.png"), url(data:image/png;base64,AAAA), url("img/rel.png"); }
`

func TestStylesheetURLsRewritten(t *testing.T) {
	fsys := fstest.MapFS{
		"css/fonts.css":     {Data: []byte(fontsCSS)},
		"vendor/f.woff2":    {Data: []byte("font, version 1")},
		"img/icons.svg":     {Data: []byte("<svg/>")},
		"vendor/LICENSE":    {Data: []byte("not served")},
		"vendor/SHA256SUMS": {Data: []byte("not served")},
	}
	s := mustBuildFS(t, fsys)
	font, icons := s.byName["f.woff2"].url, s.byName["icons.svg"].url
	css := string(s.byName["fonts.css"].body)
	for _, want := range []string{
		`url("` + font + `") format("woff2")`,
		`url('` + font + `')`,
		`url(` + icons + `#menu)`,
		`url("https://example.org/x.png"), url(data:image/png;base64,AAAA), url("img/rel.png")`,
	} {
		if !strings.Contains(css, want) {
			t.Errorf("fonts.css lacks %s:\n%s", want, css)
		}
	}
	if strings.Contains(css, "/static/f.woff2") || strings.Contains(css, "/static/icons.svg") {
		t.Errorf("fonts.css still names a file unhashed:\n%s", css)
	}
	for _, name := range []string{"LICENSE", "SHA256SUMS"} {
		if _, served := s.byName[name]; served {
			t.Errorf("%s is served; only the types in fileTypes are", name)
		}
	}

	// A new font gives the stylesheet naming it a new URL.
	fsys["vendor/f.woff2"] = &fstest.MapFile{Data: []byte("font, version 2")}
	s2 := mustBuildFS(t, fsys)
	if s2.byName["f.woff2"].url == font {
		t.Fatal("the font's URL did not change with its content")
	}
	if s2.byName["fonts.css"].url == s.byName["fonts.css"].url {
		t.Error("fonts.css kept its URL when a font it names changed")
	}
	if s2.byName["icons.svg"].url != icons {
		t.Error("icons.svg changed URL though its content did not")
	}
}

func TestBuildRefuses(t *testing.T) {
	for what, fsys := range map[string]fstest.MapFS{
		"a reference to a missing file": {
			"css/app.css": {Data: []byte(`a { background: url("/static/missing.png") }`)},
		},
		"unbalanced quotes": {
			"css/app.css": {Data: []byte(`a { background: url("/static/x.png) }`)},
			"img/x.png":   {Data: []byte("png")},
		},
		"stylesheets referring to each other": {
			"css/a.css": {Data: []byte(`@import url("/static/b.css");`)},
			"css/b.css": {Data: []byte(`@import url("/static/a.css");`)},
		},
		"two files of one base name": {
			"css/app.css":    {Data: []byte("a {}")},
			"vendor/app.css": {Data: []byte("b {}")},
		},
	} {
		if _, err := build(fsys); err == nil {
			t.Errorf("build accepted %s", what)
		} else {
			t.Logf("%s: %v", what, err)
		}
	}
}

// TestFontsCSS checks the committed stylesheet against the committed fonts:
// every woff2 is named, at its hashed URL.
func TestFontsCSS(t *testing.T) {
	css := string(files.byName["fonts.css"].body)
	fonts := 0
	for name, a := range files.byName {
		if !strings.HasSuffix(name, ".woff2") {
			continue
		}
		fonts++
		if !strings.Contains(css, `url("`+a.url+`") format("woff2")`) {
			t.Errorf("fonts.css does not name %s at %s", name, a.url)
		}
	}
	if fonts == 0 {
		t.Fatal("no woff2 file is embedded")
	}
	if n := strings.Count(css, "unicode-range:"); n != fonts {
		t.Errorf("fonts.css has %d unicode-ranges for %d fonts", n, fonts)
	}
	if n := strings.Count(css, "font-display: swap;"); n != fonts {
		t.Errorf("fonts.css has %d font-display: swap for %d fonts", n, fonts)
	}
}

// TestAxeNotEmbedded: axe is for tests only and must stay out of the binary.
func TestAxeNotEmbedded(t *testing.T) {
	err := fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(p, "testdata") || strings.Contains(p, "axe") {
			t.Errorf("%s is embedded", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(AxePath()); err != nil {
		t.Errorf("AxePath: %v", err)
	}
}

func mustBuildFS(t *testing.T, fsys fs.FS) *assetSet {
	t.Helper()
	s, err := build(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
