package static

import (
	"net/http"
	"strconv"
	"strings"
)

// A year, the longest lifetime caches honour; immutable tells browsers not to
// revalidate even on reload. Safe because a URL names one content.
const cacheForever = "public, max-age=31536000, immutable"

func (s *assetSet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	a, ok := s.byURL[r.URL.Path]
	if !ok {
		// Not cached: in a rolling deploy an instance still on the old
		// files is asked for a new one's URL; the next try may reach a new one.
		h.Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h.Set("Cache-Control", cacheForever)
	h.Set("Content-Type", a.contentType)
	body, etag := a.body, `"`+a.hash+`"`
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			// A strong ETag names one byte sequence, so the gzipped
			// body has its own (RFC 9110, 8.8.3.3).
			body, etag = a.gzipped, `"`+a.hash+`-gzip"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if noneMatchHas(r.Header.Get("If-None-Match"), a.hash) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // the client went away: nothing to do
	}
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: named (or as
// x-gzip) with a q above 0, or not named and allowed by "*" (RFC 9110, 12.5.3).
func acceptsGzip(values []string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for _, v := range values {
		for _, entry := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(entry, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(p, "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				anyQ = max(anyQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// noneMatchHas reports whether an If-None-Match header names either body of
// the file with this hash, or is "*". Either will do: the URL names one
// content, so a client holding any encoding of it holds the current one.
func noneMatchHas(header, hash string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == `"`+hash+`"` || tag == `"`+hash+`-gzip"` {
			return true
		}
	}
	return false
}
