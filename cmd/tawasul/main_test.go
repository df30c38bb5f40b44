package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/store"
)

func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tawasul.db")
	dsn := "sqlite://" + path

	// Not migrated: refused with a clear error, not reported as intact.
	var out bytes.Buffer
	if err := auditVerify(ctx, dsn, &out); err == nil || !strings.Contains(err.Error(), "tawasul migrate") {
		t.Fatalf("unmigrated: %v", err)
	}

	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var second store.AuditEntry
	for i, action := range []string{"policy.created", "entities.imported", "history.read"} {
		e, err := s.AppendAudit(ctx, store.AuditEntry{ActorID: "admin", ActorRole: "admin", Action: action, Detail: `{}`})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			second = e
		}
	}
	_ = s.Close()

	out.Reset()
	if err := auditVerify(ctx, dsn, &out); err != nil || out.String() != "audit chain intact: 3 entries\n" {
		t.Fatalf("intact: %q, %v", out.String(), err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET actor_id = 'someone else' WHERE id = ?`, second.ID); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	out.Reset()
	err = auditVerify(ctx, dsn, &out)
	if !errors.Is(err, errAuditBroken) || out.String() != "audit chain broken at entry 2\n" || second.ID != 2 {
		t.Fatalf("tampered: %q, %v", out.String(), err)
	}
}

// Every command answers --help and -h with its usage and the built-in
// defaults on stdout and exit 0, and `tawasul help CMD` says the same.
func TestHelp(t *testing.T) {
	t.Chdir(t.TempDir()) // no stray ./tawasul.yaml
	ctx := context.Background()
	call := func(args ...string) (code int, stdout, stderr string) {
		var out, errb bytes.Buffer
		code = cli(ctx, args, &out, &errb)
		return code, out.String(), errb.String()
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errs := call(args...)
		if code != 0 || !strings.Contains(out, "usage: tawasul <command>") || !strings.Contains(out, "create-admin") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	for _, c := range commands {
		cmd := strings.Fields(c.name)
		for _, flag := range []string{"--help", "-h"} {
			code, out, errs := call(append(cmd, flag)...)
			if code != 0 || !strings.HasPrefix(out, "usage: tawasul "+c.name+" ") || errs != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q", c.name, flag, code, out, errs)
			}
			if c.name != "hash-token" && !strings.Contains(out, "(default ") {
				t.Errorf("%s %s shows no defaults:\n%s", c.name, flag, out)
			}
		}
		_, direct, _ := call(append(cmd, "--help")...)
		if code, out, _ := call(append([]string{"help"}, cmd...)...); code != 0 || out != direct {
			t.Errorf("help %s: exit %d, %q; want %q", c.name, code, out, direct)
		}
	}
	// The SHA-256 of "--help" is not what someone asking for help wants.
	if _, out, _ := call("hash-token", "--help"); strings.Contains(out, app.HashToken("--help")) {
		t.Errorf("hash-token hashed --help: %q", out)
	}
	if code, out, _ := call("hash-token", "--", "-x"); code != 0 || strings.TrimSpace(out) != app.HashToken("-x") {
		t.Errorf("hash-token -- -x: exit %d, %q", code, out)
	}
	// Where a port or address takes 0, the help says what 0 means.
	_, out, _ := call("dev", "--help")
	for _, want := range []string{"--addr host:port", `(default "127.0.0.1:8080")`, "--temporal-port port", "(default 7233)",
		"--ui-port port", "(default 8233)", "0 = any free port", "-1 = no UI", `--data-dir DIR`, `(default "./data")`} {
		if !strings.Contains(out, want) {
			t.Errorf("dev --help lacks %q:\n%s", want, out)
		}
	}
	// A mode's help describes that mode and only its own flags.
	_, out, _ = call("loadgen", "soak", "--help")
	if !strings.HasPrefix(out, "usage: tawasul loadgen soak ") || !strings.Contains(out, "--rate") || strings.Contains(out, "--objections") {
		t.Errorf("loadgen soak --help:\n%s", out)
	}
	_, out, _ = call("loadgen", "--help")
	if !strings.Contains(out, "--tokens-file FILE") || strings.Contains(out, "tawasul dev:") || !strings.Contains(out, "ceiling ") {
		t.Errorf("loadgen --help:\n%s", out)
	}

	// What is not a command is a short hint on stderr and exit 2.
	for _, args := range [][]string{{"serve"}, {"audit"}, {"audit", "check"}, {"hash-token"}, {"dev", "--no-such-flag"}, {"loadgen"}, {"loadgen", "sprint"}} {
		code, out, errs := call(args...)
		if code != 2 || out != "" || !strings.Contains(errs, "help") && !strings.Contains(errs, "usage: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		if n := strings.Count(errs, "\n"); n > 2 {
			t.Errorf("%v: %d lines on stderr, want a short hint:\n%s", args, n, errs)
		}
	}
	if code, _, errs := call("serve"); code != 2 || !strings.Contains(errs, `unknown command "serve"`) || !strings.Contains(errs, "tawasul help") {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
	if code, _, errs := call(); code != 2 || !strings.Contains(errs, "usage: tawasul") {
		t.Errorf("no command: exit %d, %q", code, errs)
	}
}

// One entry is "1 entry", not "1 entries".
func TestAuditVerifyOneEntry(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "tawasul.db")
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{ActorID: "admin", ActorRole: "admin", Action: "policy.created", Detail: `{}`}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	var out bytes.Buffer
	if err := auditVerify(ctx, dsn, &out); err != nil || out.String() != "audit chain intact: 1 entry\n" {
		t.Fatalf("%q, %v", out.String(), err)
	}
}
