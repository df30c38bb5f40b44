package attachments

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// DownloadHeaders are the headers of a file sent to be saved, whichever
// front end sends it: its sniffed type and size, saved under its kept name,
// never rendered as a page of ours (nosniff, a sandboxing policy), never
// cached, never embedded by another origin.
func DownloadHeaders(h http.Header, name, contentType string, size int64) {
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	// Should a browser render it anyway, it runs nothing and reaches nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// ContentDisposition makes the browser save the file rather than show it,
// under its kept name: UTF-8 as RFC 6266/8187 filename*, and an ASCII
// fallback for old clients (non-ASCII letters dropped, "attachment" if
// nothing is left).
func ContentDisposition(name string) string {
	ext := path.Ext(name)
	var ascii strings.Builder
	for _, r := range strings.TrimSuffix(name, ext) {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			ascii.WriteRune(r)
		}
	}
	base := strings.TrimSpace(ascii.String())
	if base == "" {
		base = "attachment"
	}
	return `attachment; filename="` + base + ext + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// encodeRFC8187 percent-encodes every byte outside RFC 8187's attr-char.
func encodeRFC8187(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
