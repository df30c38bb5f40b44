package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

func serve(t *testing.T, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec
}

func TestHandlerServesHashedURLs(t *testing.T) {
	for _, c := range []struct {
		name, file, contentType string
	}{
		{"htmx.min.js", "vendor/htmx/htmx.min.js", "text/javascript; charset=utf-8"},
		{"ibm-plex-sans-arabic-arabic-400-normal.woff2", "vendor/fonts/ibm-plex-sans-arabic-arabic-400-normal.woff2", "font/woff2"},
		{"fonts.css", "", "text/css; charset=utf-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := files.byName[c.name]
			rec := serve(t, http.MethodGet, URL(c.name), nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			want := a.body // fonts.css: as rewritten
			if c.file != "" {
				var err error
				if want, err = os.ReadFile(c.file); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body is %d bytes, not the %d of the file", rec.Body.Len(), len(want))
			}
			for k, v := range map[string]string{
				"Cache-Control":          "public, max-age=31536000, immutable",
				"Content-Type":           c.contentType,
				"X-Content-Type-Options": "nosniff",
				"ETag":                   `"` + contentHash(want) + `"`,
				"Content-Encoding":       "",
			} {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHandlerGzip(t *testing.T) {
	for _, name := range []string{"htmx.min.js", "fonts.css"} {
		rec := serve(t, http.MethodGet, URL(name), http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: status %d, Content-Encoding %q; want 200, gzip", name, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		if v := rec.Header().Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", name, v)
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		a := files.byName[name]
		if !bytes.Equal(plain, a.body) {
			t.Errorf("%s: the gzipped body does not unpack to the file", name)
		}
		if tag := rec.Header().Get("ETag"); tag == `"`+a.hash+`"` {
			t.Errorf("%s: the gzipped body has the plain body's strong ETag", name)
		}
		// The identity answer varies too, or a cache could hand it to a gzip client and back.
		plainRec := serve(t, http.MethodGet, URL(name), nil)
		if plainRec.Header().Get("Vary") != "Accept-Encoding" || plainRec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s without Accept-Encoding: Vary %q, Content-Encoding %q", name, plainRec.Header().Get("Vary"), plainRec.Header().Get("Content-Encoding"))
		}
	}
	font := "ibm-plex-sans-arabic-latin-400-normal.woff2"
	rec := serve(t, http.MethodGet, URL(font), http.Header{"Accept-Encoding": {"gzip"}})
	if rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Vary") != "" {
		t.Errorf("woff2 (compressed already) sent with Content-Encoding %q, Vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                        false,
		"gzip":                    true,
		"GZip;Q=0.5":              true,
		"x-gzip":                  true,
		"br, gzip;q=0.1":          true,
		"gzip;q=0":                false,
		"gzip; q=0.000":           false,
		"br":                      false,
		"identity":                false,
		"*":                       true,
		"*;q=0":                   false,
		"gzip;q=0, *":             false,
		"deflate, *;q=0.2":        true,
		"br;q=1.0, gzip;q=0.8, *": true,
	} {
		if got := acceptsGzip([]string{header}); got != want {
			t.Errorf("Accept-Encoding %q: gzip allowed %v, want %v", header, got, want)
		}
	}
	if !acceptsGzip([]string{"br", "gzip"}) {
		t.Error("gzip in a second Accept-Encoding line was missed")
	}
}

func TestHandlerNotFound(t *testing.T) {
	stale := Prefix + hashedName("htmx.min.js", "0123456789")
	for _, target := range []string{
		"/static/htmx.min.js", // unhashed
		stale,                 // a hash not current
		"/static/nope.0123456789.js",
		"/static/",
		"/static/SHA256SUMS",
		"/static/OFL.txt",
		"/static/LICENSE",
		"/static/axe.min.js",
		"/static/vendor/htmx/htmx.min.js",
		URL("htmx.min.js")[len(Prefix)-1:], // the hashed name without the prefix
	} {
		rec := serve(t, http.MethodGet, target, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, rec.Code)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", target, cc)
		}
	}
}

func TestHandlerConditionalHeadAndMethods(t *testing.T) {
	url := URL("htmx.min.js")
	a := files.byName["htmx.min.js"]
	for _, tag := range []string{`"` + a.hash + `"`, `W/"` + a.hash + `-gzip"`, `"other", "` + a.hash + `"`, "*"} {
		rec := serve(t, http.MethodGet, url, http.Header{"If-None-Match": {tag}})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: status %d with %d bytes, want 304 and none", tag, rec.Code, rec.Body.Len())
		}
	}
	if rec := serve(t, http.MethodGet, url, http.Header{"If-None-Match": {`"0123456789"`}}); rec.Code != http.StatusOK {
		t.Errorf("If-None-Match of another content: status %d, want 200", rec.Code)
	}

	head := serve(t, http.MethodHead, url, nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}

	post := serve(t, http.MethodPost, url, nil)
	if post.Code != http.StatusMethodNotAllowed || post.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", post.Code, post.Header().Get("Allow"))
	}
}
