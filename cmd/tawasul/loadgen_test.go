package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/loadgen"
	"github.com/tawasul/tawasul/store"
)

func TestLoadgenOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dev-tokens.json")
	if err := os.WriteFile(path, []byte(`[
	  {"name":"demo-agent","token":"tok-agent","role":"agent"},
	  {"name":"demo-coordinator","token":"tok-ksu","role":"coordinator","entity":"KSU"},
	  {"name":"demo-admin","token":"tok-admin","role":"admin"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := loadgenFlags()
	if err := fs.Parse([]string{"lifecycle", "-n", "20", "-c", "4", "--tokens-file", path, "--seed", "9"}); err != nil {
		t.Fatal(err)
	}
	o, err := loadgenOptions(fs)
	if err != nil {
		t.Fatal(err)
	}
	if o.Mode != loadgen.ModeLifecycle || o.N != 20 || o.Concurrency != 4 || o.Seed != 9 || o.RunID == "" {
		t.Fatalf("options %+v", o)
	}
	if o.FileToken != "tok-agent" || o.AdminToken != "tok-admin" || o.Coordinators["KSU"] != "tok-ksu" {
		t.Fatalf("tokens %q %q %v", o.FileToken, o.AdminToken, o.Coordinators)
	}

	// A token in the environment beats the file; a flag beats both.
	t.Setenv("TAWASUL_LOADGEN_TOKEN", "tok-env")
	fs = loadgenFlags()
	_ = fs.Parse([]string{"intake", "--tokens-file", path, "--admin-token", "tok-flag"})
	if o, _ = loadgenOptions(fs); o.FileToken != "tok-env" || o.AdminToken != "tok-flag" {
		t.Fatalf("precedence: %q %q", o.FileToken, o.AdminToken)
	}
}

func TestLoadgenReadModel(t *testing.T) {
	ctx := context.Background()
	pick := func(args ...string) (loadgen.ReadModel, error) {
		fs := loadgenFlags()
		if err := fs.Parse(append([]string{"intake"}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(fs)
		if err != nil {
			t.Fatal(err)
		}
		rm, closeRM, err := readModel(ctx, fs, cfg)
		if err == nil {
			t.Cleanup(closeRM)
		}
		return rm, err
	}
	dir := t.TempDir()
	// No database file in the data directory (or an in-memory system): the API.
	if rm, err := pick("--data-dir", dir); err != nil || rm != nil {
		t.Fatalf("absent file: %v, %v", rm, err)
	}
	if rm, err := pick("--memory"); err != nil || rm != nil {
		t.Fatalf("memory: %v, %v", rm, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tawasul.db")); err == nil {
		t.Fatal("probing created an empty database")
	}
	if _, err := pick("--memory", "--read-model", "db"); err == nil || !strings.Contains(err.Error(), "no reachable database") {
		t.Fatalf("forced db without one: %v", err)
	}
	db := "sqlite://" + filepath.Join(dir, "x.db")
	if _, err := pick("--db", db, "--read-model", "db"); err == nil {
		t.Fatal("forced db on a file that does not exist")
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if rm, err := pick("--db", db); err != nil || rm == nil {
		t.Fatalf("forced db: %v, %v", rm, err)
	}
}

func TestRedactDSN(t *testing.T) {
	if got := redactDSN("postgres://app:secret@db:5432/t"); got != "postgres://app:***@db:5432/t" {
		t.Fatal(got)
	}
	if got := redactDSN("sqlite://./data/tawasul.db"); got != "sqlite://./data/tawasul.db" {
		t.Fatal(got)
	}
}
