package attachments

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tawasul/tawasul/normalize"
)

// SniffLen is how much of a file's start Sniff needs (what
// http.DetectContentType reads).
const SniffLen = 512

// Type is one kind of document accepted.
type Type struct {
	ContentType string
	// Ext is the extension a downloaded copy gets; Exts are the ones a
	// name may already carry (compared without case).
	Ext   string
	Exts  []string
	magic func(head []byte) bool
}

// types is the allow-list: what beneficiaries and staff send a ministry —
// letters and forms as PDF, photos and scans as JPEG or PNG. Formats that
// can carry scripts or macros (HTML, SVG, office documents) are left out:
// telling a safe one by its content takes more than its first bytes.
var types = []Type{
	{ContentType: "application/pdf", Ext: ".pdf", Exts: []string{".pdf"},
		magic: func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) }},
	{ContentType: "image/jpeg", Ext: ".jpg", Exts: []string{".jpg", ".jpeg"},
		magic: func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }},
	// The signature, then the IHDR chunk every PNG must open with.
	{ContentType: "image/png", Ext: ".png", Exts: []string{".png"},
		magic: func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) && len(b) >= 16 && string(b[12:16]) == "IHDR"
		}},
}

// ContentTypes lists the accepted content types (for documentation and errors).
func ContentTypes() []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.ContentType
	}
	return out
}

// Sniff tells the type of a file from its first bytes (at least SniffLen
// when the file is that long). Two independent readings must agree: the
// standard library's (http.DetectContentType) and the type's own signature;
// a file either does not recognise is refused, whatever it is named.
func Sniff(head []byte) (Type, bool) {
	detected, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		return Type{}, false
	}
	for _, t := range types {
		if t.ContentType == detected && t.magic(head) {
			return t, true
		}
	}
	return Type{}, false
}

// maxNameRunes bounds a kept name (before its extension).
const maxNameRunes = 100

// SafeName is the name to keep for an uploaded file: the last element of
// whatever path the client sent, normalized (direction overrides that could
// disguise "fdp.exe" as "exe.pdf" are dropped), without control or
// filesystem-special characters or leading dots, at most maxNameRunes long,
// and ending in an extension of the sniffed type — a PDF named "x.exe" is
// kept as "x.pdf". It is only ever metadata, never a path.
func SafeName(raw string, t Type) string {
	raw = strings.ReplaceAll(raw, `\`, "/")
	if i := strings.LastIndexByte(raw, '/'); i >= 0 {
		raw = raw[i+1:]
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == utf8.RuneError:
			return -1
		case strings.ContainsRune(`:*?"<>|`, r):
			return '_'
		}
		return r
	}, normalize.Text(raw))
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	ext := path.Ext(name)
	base := strings.TrimSpace(strings.TrimSuffix(name, ext))
	if !slices.Contains(t.Exts, strings.ToLower(ext)) {
		ext = t.Ext
	}
	if r := []rune(base); len(r) > maxNameRunes {
		base = strings.TrimSpace(string(r[:maxNameRunes]))
	}
	if base == "" {
		base = "attachment"
	}
	return base + ext
}
