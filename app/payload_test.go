package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/payload"
)

// Dev's key is drawn once per data directory, kept 0600, and read back on
// the next start, so the embedded Temporal's histories stay readable; in
// memory mode it is new every start and written nowhere.
func TestDevPayloadKeys(t *testing.T) {
	dir := t.TempDir()
	first, err := DevPayloadKeys(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := payload.ParseKeys(first); err != nil || len(keys) != 1 {
		t.Fatalf("%v %v", keys, err)
	}
	fi, err := os.Stat(filepath.Join(dir, devPayloadKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	again, err := DevPayloadKeys(dir, false)
	if err != nil || again != first {
		t.Fatalf("a restart drew another key")
	}
	m1, _ := DevPayloadKeys(t.TempDir(), true)
	m2, _ := DevPayloadKeys(t.TempDir(), true)
	if m1 == m2 || m1 == first {
		t.Fatal("memory mode reused a key")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files in the data dir: %v", entries)
	}
}

// Keys come from the setting, then the file, newest first; none is an error
// naming both.
func TestPayloadCodecFromConfig(t *testing.T) {
	a, _ := payload.NewKey("a")
	b, _ := payload.NewKey("b")
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte("# older\n"+payload.FormatKey(b)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := PayloadCodec(config.Config{Secrets: config.SecretsConfig{PayloadKeys: payload.FormatKey(a), PayloadKeyFile: file}})
	if err != nil || c.NewestKeyID() != "a" {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := PayloadCodec(config.Config{}); err != ErrNoPayloadKey {
		t.Fatalf("no key: %v", err)
	}
	if _, err := PayloadCodec(config.Config{Secrets: config.SecretsConfig{PayloadKeyFile: filepath.Join(t.TempDir(), "missing")}}); err == nil {
		t.Fatal("a missing key file accepted")
	}
}
