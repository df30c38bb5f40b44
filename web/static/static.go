// Package static serves the web application's embedded files — its stylesheets,
// the vendored htmx and the IBM Plex Sans Arabic fonts — under content-hashed
// URLs. A URL names one content for ever, so browsers keep each file a year
// without asking again, and a changed file reaches them as a new URL.
//
// Templates name a file by its base name ("app.css", "htmx.min.js") and call
// URL for its address; a stylesheet names another file as url("/static/NAME"),
// which the package rewrites to the hashed URL before hashing the stylesheet,
// so a new font also gives fonts.css a new URL. Base names are therefore unique
// across the embedded directories.
//
// axe-core, which only the browser tests use, lives under testdata/, outside
// the embedded directories: see AxePath.
package static

import (
	"embed"
	"fmt"
	"net/http"
)

// The embedded directories. A new one (img/, say) is added here; files whose
// type the package does not serve (licenses, SHA256SUMS) ride along unserved.
//
//go:embed css js vendor
var embedded embed.FS

// Prefix is the path the handler answers under; every URL starts with it.
const Prefix = "/static/"

// files is built once, when the program starts: the embedded set cannot
// change, so a fault in it (a stylesheet naming a missing file, two files of
// one name) is a programming error, and failing at start shows it in every
// test rather than as a broken page.
var files = mustBuild()

func mustBuild() *assetSet {
	s, err := build(embedded)
	if err != nil {
		panic(fmt.Sprintf("web/static: %v", err))
	}
	return s
}

// URL returns the content-hashed URL of the embedded file with this base
// name, e.g. "/static/app.3f9a1c2e5b.css" for "app.css".
//
// It panics on a name it does not know, rather than returning "": templates
// are its callers, text/template turns a panicking function into an error from
// Execute, so a misspelt name fails the page's test — whereas an empty
// src="" or href="" would pass it, and make the browser fetch the page itself
// again as a script or stylesheet.
func URL(name string) string {
	a, ok := files.byName[name]
	if !ok {
		panic(fmt.Sprintf("static.URL: no embedded file %q", name))
	}
	return a.url
}

// Handler serves the embedded files at their hashed URLs, and 404 for any other
// name under Prefix (an unhashed name, or a hash no longer current). Mount it
// at Prefix without stripping the prefix: with Gin, route GET and HEAD of
// static.Prefix+"*file" to gin.WrapH(static.Handler()).
func Handler() http.Handler {
	return files
}
