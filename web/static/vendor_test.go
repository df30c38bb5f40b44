package static

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifest is vendor/SHA256SUMS, written by vendor.sh.
const manifest = "vendor/SHA256SUMS"

// vendoredDirs hold only files vendor.sh copies from npm packages.
var vendoredDirs = []string{"vendor", filepath.Join("testdata", "axe")}

// TestVendoredFilesMatchManifest: every vendored file is listed in
// vendor/SHA256SUMS with its package and version, and its content is the one
// recorded there — a file edited by hand, added without vendor.sh, or left
// behind by an update fails.
func TestVendoredFilesMatchManifest(t *testing.T) {
	f, err := os.Open(manifest)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]string{} // file -> sha256
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") || strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 4 {
			t.Errorf("%s:%d: %q is not \"package version file sha256\"", manifest, line, text)
			continue
		}
		file, sum := fields[2], fields[3]
		if _, dup := listed[file]; dup {
			t.Errorf("%s:%d: %s listed twice", manifest, line, file)
		}
		listed[file] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(listed) == 0 {
		t.Fatalf("%s lists no file", manifest)
	}

	for file, want := range listed {
		body, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Errorf("%s lists %s: %v", manifest, file, err)
			continue
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, %s says %s (run make vendor-web, or restore the file)", file, got, manifest, want)
		}
	}

	for _, dir := range vendoredDirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			file := filepath.ToSlash(p)
			if d.IsDir() || file == manifest {
				return nil
			}
			if _, ok := listed[file]; !ok {
				t.Errorf("%s is not in %s: vendored files come from vendor.sh (make vendor-web)", file, manifest)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
