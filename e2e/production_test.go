package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/app"
)

// The production commands as separate processes: `tawasul migrate`, `seed`,
// `api` and `worker` against an external Temporal and PostgreSQL. The API
// refuses to start on an unmigrated database, and without a worker an action
// answers 503 instead of hanging.
func TestProductionProcesses(t *testing.T) {
	bin := buildBinary(t)
	srv := newTemporal(t)
	dsn := pgSchema(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tawasul.yaml")
	yaml := fmt.Sprintf(`auth:
  tokens:
    - {name: admin, hash: %s, role: admin}
    - {name: ksu-coordinator, hash: %s, role: coordinator, entity: KSU}
`, app.HashToken("t-admin"), app.HashToken("t-ksu"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := []string{
		"TAWASUL_DATABASE_DSN=" + dsn,
		"TAWASUL_TEMPORAL_ADDRESS=" + srv.FrontendHostPort(),
		"TAWASUL_TEMPORAL_NAMESPACE=" + srv.Namespace(),
		"TAWASUL_TEMPORAL_UPDATE_TIMEOUT=3s",
		"TAWASUL_SECRETS_TRACKING=prod-test-secret",
		"TAWASUL_ADDR=" + addr,
		"TAWASUL_LOG_LEVEL=warn",
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// No AutoMigrate in production: the API will not start on a bare database.
	if out, err := run("api", "--config", cfg); err == nil || !strings.Contains(out, "tawasul migrate") {
		t.Fatalf("api started on an unmigrated database (err %v):\n%s", err, out)
	}
	for _, c := range []string{"migrate", "seed"} {
		if out, err := run(c, "--config", cfg); err != nil {
			t.Fatalf("tawasul %s: %v\n%s", c, err, out)
		}
	}
	// Running them again changes nothing and fails nothing.
	if out, err := run("migrate", "--config", cfg); err != nil {
		t.Fatalf("second migrate: %v\n%s", err, out)
	}

	api := startProcess(t, bin, addr, append(env, "PWD="+dir), "api", "--config", cfg)
	worker := startProcess(t, bin, "", env, "worker", "--config", cfg)
	s := &system{t: t, base: "http://" + addr}

	n1, _ := s.file(ticketBody("KSU", "production path"))
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+n1+"/responses", "t-ksu", map[string]any{"message": "done"}))
	if st := s.status(n1); st != "answered" {
		t.Fatalf("answered ticket is %s", st)
	}

	// With no worker the update cannot be taken: a clear 503 after the timeout.
	worker.interrupt(t)
	n2, _ := s.file(ticketBody("KSU", "no worker"))
	began := time.Now()
	r := s.must(http.StatusServiceUnavailable, s.do("POST", "/api/v1/tickets/"+n2+"/responses", "t-ksu",
		map[string]any{"message": "nobody home"}, "Idempotency-Key", "answer-1"))
	if str(r.Body["code"]) != "action_not_confirmed" || time.Since(began) > 20*time.Second {
		t.Fatalf("no-worker answer after %s: %s", time.Since(began), r.Raw)
	}
	if st := s.status(n2); st != "open" {
		t.Fatalf("refused action changed the ticket: %s", st)
	}

	// A worker comes back: the server still held the update, so it is applied, and
	// the client's retry with the same key learns that outcome (no second answer).
	startProcess(t, bin, "", env, "worker", "--config", cfg)
	r = s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+n2+"/responses", "t-ksu",
		map[string]any{"message": "nobody home"}, "Idempotency-Key", "answer-1"))
	if str(r.Body["status"]) != "answered" {
		t.Fatalf("retry outcome: %s", r.Raw)
	}
	tk := s.ticket(n2)
	if got := strings.Count(strings.Join(timelineTypes(tk), ","), "responded"); got != 1 {
		t.Fatalf("want one response on the timeline, got %d: %s", got, tk.Raw)
	}
	api.interrupt(t)
}
