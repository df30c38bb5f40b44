package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// auditLog makes a migrated SQLite read model at path with n audit entries
// chained under key (unkeyed when key is nil) and returns them.
func auditLog(t *testing.T, path string, key []byte, n int) []store.AuditEntry {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetAuditKey(key)
	out := make([]store.AuditEntry, n)
	for i := range out {
		if out[i], err = s.AppendAudit(ctx, store.AuditEntry{ActorID: "admin", ActorRole: "admin", Action: "account.role_changed", Detail: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func verifyOut(t *testing.T, dsn string, key []byte, anchor string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := auditVerify(context.Background(), dsn, key, anchor, quiet, &out)
	return out.String(), err
}

func TestAuditVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tawasul.db")
	dsn := "sqlite://" + path

	// Not migrated: refused with a clear error, not reported as intact.
	if _, err := verifyOut(t, dsn, testAuditKey, ""); err == nil || !strings.Contains(err.Error(), "tawasul migrate") {
		t.Fatalf("unmigrated: %v", err)
	}
	rows := auditLog(t, path, testAuditKey, 3)
	if out, err := verifyOut(t, dsn, testAuditKey, ""); err != nil || out != "audit chain intact: 3 entries, head 3 "+rows[2].Hash+"\n" {
		t.Fatalf("intact: %q, %v", out, err)
	}
	// A keyed log cannot be checked, nor called intact, without the key.
	if out, err := verifyOut(t, dsn, nil, ""); !errors.Is(err, store.ErrAuditKeyRequired) || out != "" {
		t.Fatalf("without the key: %q, %v", out, err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_log SET actor_id = 'someone else' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	out, err := verifyOut(t, dsn, testAuditKey, "")
	if !errors.Is(err, errAuditBroken) || !strings.HasPrefix(out, "audit chain broken at entry 2: its hash does not match") ||
		!strings.Contains(out, "last intact entry: 1 "+rows[0].Hash) {
		t.Fatalf("tampered: %q, %v", out, err)
	}
}

// The attack of issue 15, as a database owner would script it: drop an
// entry, renumber the rest and recompute the plain SHA-256 chain (marking
// every row unkeyed, so nothing asks for the key). tawasul audit verify used
// to call the result intact; under secrets.audit it fails.
func TestAuditVerifyDeletionAndRechain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tawasul.db")
	rows := auditLog(t, path, testAuditKey, 5)

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	prev, id := store.GenesisHash, int64(0)
	for _, r := range rows {
		if r.ID == 3 {
			continue // the entry to hide
		}
		id++
		r.ID, r.PrevHash, r.Chain = id, prev, store.AuditUnkeyed
		r.Hash = store.AuditHash(r)
		if _, err := db.Exec(`INSERT INTO audit_log (id, at, actor_id, actor_role, action, subject, detail, prev_hash, hash, chain)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.At.UnixMicro(), r.ActorID, r.ActorRole, r.Action, r.Subject, r.Detail, r.PrevHash, r.Hash, r.Chain); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}

	out, err := verifyOut(t, "sqlite://"+path, testAuditKey, "")
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "entries 1 to 4 (4) were made unkeyed") || strings.Contains(out, "intact") {
		t.Fatalf("rewritten log under the key: %q, %v", out, err)
	}
	// Without the key (a dev log) the rewrite cannot be told from the real
	// thing by the chain alone; it says so instead of calling it proof.
	out, err = verifyOut(t, "sqlite://"+path, nil, "")
	if err != nil || !strings.Contains(out, "were made unkeyed: whoever can write the database could have rewritten them") {
		t.Fatalf("rewritten log without the key: %q, %v", out, err)
	}
}

// --anchor checks the log against the heads written before and appends the
// new one; a head rewritten since (in an unkeyed log, where anyone can
// recompute it) or cut off is found.
func TestAuditVerifyAnchor(t *testing.T) {
	dir := t.TempDir()
	path, anchors := filepath.Join(dir, "tawasul.db"), filepath.Join(dir, "anchors")
	dsn := "sqlite://" + path
	rows := auditLog(t, path, nil, 3)
	out, err := verifyOut(t, dsn, nil, anchors)
	if err != nil || !strings.HasSuffix(out, "audit chain intact: 3 entries, head 3 "+rows[2].Hash+"\nhead appended to "+anchors+"\n") {
		t.Fatalf("first anchored verify: %q, %v", out, err)
	}
	// Verified again with nothing new: the head is not appended twice.
	if out, err = verifyOut(t, dsn, nil, anchors); err != nil || strings.Contains(out, "appended") {
		t.Fatalf("second anchored verify: %q, %v", out, err)
	}
	b, err := os.ReadFile(anchors)
	if err != nil || strings.Count(string(b), "\n") != 1 || !strings.HasPrefix(string(b), "3 "+rows[2].Hash+" ") {
		t.Fatalf("anchor file %q, %v", b, err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	head := rows[2]
	head.Detail = `{"rewritten":true}`
	head.Hash = store.AuditHash(head)
	if _, err := db.Exec(`UPDATE audit_log SET detail = ?, hash = ? WHERE id = 3`, head.Detail, head.Hash); err != nil {
		t.Fatal(err)
	}
	if out, err = verifyOut(t, dsn, nil, ""); err != nil {
		t.Fatalf("without the anchor the rewritten unkeyed head verifies: %q, %v", out, err)
	}
	out, err = verifyOut(t, dsn, nil, anchors)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "audit chain broken at entry 3: its hash differs from the anchor") {
		t.Fatalf("rewritten head against the anchor: %q, %v", out, err)
	}
	if _, err := db.Exec(`DELETE FROM audit_log WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	out, err = verifyOut(t, dsn, nil, anchors)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "entries were removed from the end") {
		t.Fatalf("cut head against the anchor: %q, %v", out, err)
	}
	if b2, _ := os.ReadFile(anchors); string(b2) != string(b) {
		t.Fatalf("a broken log's head was appended: %q", b2)
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
	if err := auditVerify(ctx, dsn, nil, "", quiet, &out); err != nil || !strings.Contains(out.String(), "audit chain intact: 1 entry, head ") {
		t.Fatalf("%q, %v", out.String(), err)
	}
}

// `tawasul dev` on an address other machines reach stops before it starts
// anything (no Temporal, no data dir) unless --allow-remote says so.
func TestDevRefusesRemoteAddr(t *testing.T) {
	t.Chdir(t.TempDir())
	data := filepath.Join(t.TempDir(), "data")
	// Cancelled: were the address let through, dev would stop at once
	// rather than run (and the data dir would tell).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := cli(ctx, []string{"dev", "--addr", "0.0.0.0:0", "--data-dir", data, "--ui-port", "-1"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "--allow-remote") {
		t.Fatalf("exit %d, stderr %q; want 1 naming --allow-remote", code, errb.String())
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dev started on a refused address: data dir %v", err)
	}
}

// `tawasul api` and `worker` refuse to start without a payload key, before
// touching Temporal: they would write personal data in clear into it.
func TestAPIAndWorkerNeedAPayloadKey(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, cmd := range []string{"api", "worker"} {
		var out, errb bytes.Buffer
		t.Setenv("TAWASUL_SECRETS_TRACKING", "tracking")
		t.Setenv("TAWASUL_SECRETS_AUDIT", strings.Repeat("a", 32))
		code := cli(context.Background(), []string{cmd, "--db", "sqlite://" + t.TempDir() + "/t.db", "--temporal-address", "127.0.0.1:1"}, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), "secrets.payload_keys") {
			t.Errorf("%s without a key: exit %d, %s", cmd, code, errb.String())
		}
	}
}
