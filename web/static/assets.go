package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// asset is one served file.
type asset struct {
	name        string // base name, as templates and stylesheets call it: "app.css"
	hash        string // contentHash of body; the ETag
	url         string // Prefix + hashedName: "/static/app.3f9a1c2e5b.css"
	contentType string
	body        []byte // for stylesheets, with their url("/static/NAME") rewritten
	gzipped     []byte // body gzipped, for text types; nil where gzip would not shrink it
}

type assetSet struct {
	byName map[string]*asset // "app.css"
	byURL  map[string]*asset // "/static/app.3f9a1c2e5b.css"
}

// fileType is how a served file type is sent.
type fileType struct {
	contentType string
	compress    bool // text: worth gzipping; fonts and images are compressed already
}

// fileTypes are the types the package serves, by extension; the Content-Type
// is set here rather than guessed, so it cannot vary with the machine's MIME
// tables (nosniff makes a wrong one fatal for scripts and stylesheets).
var fileTypes = map[string]fileType{
	".css":   {"text/css; charset=utf-8", true},
	".js":    {"text/javascript; charset=utf-8", true},
	".svg":   {"image/svg+xml", true},
	".woff2": {"font/woff2", false},
	".png":   {"image/png", false},
	".webp":  {"image/webp", false},
	".ico":   {"image/x-icon", false},
}

// hashLen hex digits (40 bits) of SHA-256 name a content: enough that two
// versions of one file never share a URL, short enough to read in a page.
const hashLen = 10

// contentHash is the hash that goes into a file's URL and ETag.
func contentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])[:hashLen]
}

// hashedName puts the hash before the last extension, so the URL keeps the
// extension: hashedName("htmx.min.js", h) is "htmx.min.<h>.js".
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// build reads every servable file of fsys and gives each its hashed URL.
func build(fsys fs.FS) (*assetSet, error) {
	b := builder{
		set:      &assetSet{byName: map[string]*asset{}, byURL: map[string]*asset{}},
		paths:    map[string]string{},
		raw:      map[string][]byte{},
		visiting: map[string]bool{},
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if _, ok := fileTypes[path.Ext(p)]; !ok {
			return nil
		}
		name := path.Base(p)
		if other, dup := b.paths[name]; dup {
			return fmt.Errorf("%s and %s share the name %q, which URLs and stylesheets call them by", other, p, name)
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		b.paths[name], b.raw[name] = p, body
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the embedded files: %w", err)
	}
	for name := range b.raw {
		if _, err := b.add(name); err != nil {
			return nil, err
		}
	}
	return b.set, nil
}

type builder struct {
	set      *assetSet
	paths    map[string]string // base name -> path in the FS, for messages
	raw      map[string][]byte // base name -> content as read
	visiting map[string]bool   // stylesheets being rewritten, to catch a loop
}

// add hashes one file, after the files its stylesheet refers to: their hashes
// are part of its content.
func (b *builder) add(name string) (*asset, error) {
	if a, done := b.set.byName[name]; done {
		return a, nil
	}
	body := b.raw[name]
	ext := path.Ext(name)
	if ext == ".css" {
		if b.visiting[name] {
			return nil, fmt.Errorf("%s: its url() references lead back to it", b.paths[name])
		}
		b.visiting[name] = true
		var err error
		if body, err = b.rewriteURLs(name, body); err != nil {
			return nil, err
		}
		delete(b.visiting, name)
	}
	hash := contentHash(body)
	a := &asset{
		name:        name,
		hash:        hash,
		url:         Prefix + hashedName(name, hash),
		contentType: fileTypes[ext].contentType,
		body:        body,
	}
	if fileTypes[ext].compress {
		gz, err := gzipBytes(body)
		if err != nil {
			return nil, fmt.Errorf("gzipping %s: %w", b.paths[name], err)
		}
		if len(gz) < len(body) {
			a.gzipped = gz
		}
	}
	b.set.byName[name], b.set.byURL[a.url] = a, a
	return a, nil
}

// cssURL is a stylesheet's reference to an embedded file: url("/static/NAME"),
// quoted with " or ' or not at all, optionally with a #fragment or ?query
// (an SVG sprite's symbol). Other url()s (data:, https:, relative) are left
// as written.
var cssURL = regexp.MustCompile(`url\(\s*(["']?)` + regexp.QuoteMeta(Prefix) + `([^"'()\s?#]+)([?#][^"'()\s]*)?(["']?)\s*\)`)

// rewriteURLs replaces each url("/static/NAME") of a stylesheet by NAME's
// hashed URL. A NAME that is not embedded is an error: the browser would get
// a 404 for it.
func (b *builder) rewriteURLs(name string, css []byte) ([]byte, error) {
	var failed error
	out := cssURL.ReplaceAllFunc(css, func(ref []byte) []byte {
		m := cssURL.FindSubmatch(ref)
		open, target, suffix, closing := string(m[1]), string(m[2]), string(m[3]), string(m[4])
		if failed != nil {
			return ref
		}
		if open != closing {
			failed = fmt.Errorf("%s: %s: unbalanced quotes", b.paths[name], ref)
			return ref
		}
		if _, ok := b.raw[target]; !ok {
			failed = fmt.Errorf("%s: %s: no embedded file %q", b.paths[name], ref, target)
			return ref
		}
		a, err := b.add(target)
		if err != nil {
			failed = err
			return ref
		}
		return []byte("url(" + open + a.url + suffix + closing + ")")
	})
	return out, failed
}

// gzipBytes compresses at the best level: it runs once per file, at start.
func gzipBytes(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
