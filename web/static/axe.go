package static

import (
	"path/filepath"
	"runtime"
)

// AxePath is the absolute path of axe-core's axe.min.js (version in
// vendor/SHA256SUMS), which browser tests inject into pages to check their
// accessibility. axe is test tooling: it lives under testdata/, outside the
// embedded directories, so it never reaches the binary. The path is this
// source file's directory as the compiler saw it, so it holds in tests (which
// run from the source tree), not in a deployed binary or a -trimpath build.
func AxePath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("static.AxePath: the runtime gave no caller information")
	}
	return filepath.Join(filepath.Dir(file), "testdata", "axe", "axe.min.js")
}
