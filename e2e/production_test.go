package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/devserver"
	"github.com/tawasul/tawasul/store"
)

// prodSystem is Tawasul laid out as in production: `tawasul api` and `tawasul
// worker` as processes of the built binary, against PostgreSQL and a Temporal
// server of their own (embedded in the test process, which outlives them).
type prodSystem struct {
	t    *testing.T
	bin  string
	srv  *devserver.Server
	dsn  string
	dir  string
	cfg  string
	addr string
	env  []string
}

// prodTokens are the bearer tokens the processes accept.
var prodTokens = []struct{ token, name, role, entity string }{
	{"t-admin", "admin", "admin", ""},
	{"t-agent", "agent", "agent", ""},
	{"t-ksu", "ksu-coordinator", "coordinator", "KSU"},
	{"t-kau", "kau-coordinator", "coordinator", "KAU"},
}

// newProdSystem prepares the configuration; nothing is migrated or started.
// env adds to (and overrides) the processes' environment.
func newProdSystem(t *testing.T, env ...string) *prodSystem {
	t.Helper()
	p := &prodSystem{t: t, bin: buildBinary(t), srv: newTemporal(t), dsn: pgSchema(t), dir: t.TempDir()}
	p.cfg = filepath.Join(p.dir, "tawasul.yaml")
	var yaml strings.Builder
	yaml.WriteString("auth:\n  tokens:\n")
	for _, tk := range prodTokens {
		fmt.Fprintf(&yaml, "    - {name: %s, hash: %s, role: %s", tk.name, app.HashToken(tk.token), tk.role)
		if tk.entity != "" {
			fmt.Fprintf(&yaml, ", entity: %s", tk.entity)
		}
		yaml.WriteString("}\n")
	}
	if err := os.WriteFile(p.cfg, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	p.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p.env = append([]string{
		"TAWASUL_DATABASE_DSN=" + p.dsn,
		"TAWASUL_TEMPORAL_ADDRESS=" + p.srv.FrontendHostPort(),
		"TAWASUL_TEMPORAL_NAMESPACE=" + p.srv.Namespace(),
		"TAWASUL_TEMPORAL_UPDATE_TIMEOUT=3s",
		"TAWASUL_SECRETS_TRACKING=prod-test-secret",
		"TAWASUL_SECRETS_AUDIT=prod-test-audit-secret-of-32-bytes",
		"TAWASUL_SECRETS_PAYLOAD_KEYS=" + e2ePayloadKeys,
		"TAWASUL_ADDR=" + p.addr,
		"TAWASUL_LOG_LEVEL=warn",
	}, env...)
	return p
}

// run runs a one-shot command (migrate, seed) to its end.
func (p *prodSystem) run(args ...string) (string, error) {
	cmd := exec.Command(p.bin, append(args, "--config", p.cfg)...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// prepare migrates and seeds the read model, as an operator does before the first start.
func (p *prodSystem) prepare() {
	p.t.Helper()
	for _, c := range []string{"migrate", "seed"} {
		if out, err := p.run(c); err != nil {
			p.t.Fatalf("tawasul %s: %v\n%s", c, err, out)
		}
	}
}

func (p *prodSystem) startAPI() *devProcess {
	p.t.Helper()
	return startProcess(p.t, p.bin, p.addr, append(p.env, "PWD="+p.dir), "api", "--config", p.cfg)
}

func (p *prodSystem) startWorker() *devProcess {
	p.t.Helper()
	return startProcess(p.t, p.bin, "", p.env, "worker", "--config", p.cfg)
}

// client is the test's HTTP view of the API process.
func (p *prodSystem) client() *system { return &system{t: p.t, base: "http://" + p.addr} }

// temporal is a client of the system's Temporal server, for checks.
func (p *prodSystem) temporal() client.Client {
	p.t.Helper()
	c, err := app.Dial(context.Background(), config.TemporalConfig{Namespace: p.srv.Namespace()},
		p.srv.FrontendHostPort(), e2eCodec(p.t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(c.Close)
	return c
}

// openStore opens the read model for checks, under an application_name of its
// own so a test cutting the system's database connections spares it.
func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres") {
		dsn = withQuery(dsn, "application_name", "tawasul-e2e-check")
	}
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// withQuery sets one query parameter of a URL-shaped DSN.
func withQuery(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(fmt.Sprintf("DSN %q: %v", dsn, err))
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// The production commands as separate processes: `tawasul migrate`, `seed`,
// `api` and `worker` against an external Temporal and PostgreSQL. The API
// refuses to start on an unmigrated database, and without a worker an action
// answers 503 instead of hanging.
func TestProductionProcesses(t *testing.T) {
	p := newProdSystem(t)

	// No AutoMigrate in production: the API will not start on a bare database.
	if out, err := p.run("api"); err == nil || !strings.Contains(out, "tawasul migrate") {
		t.Fatalf("api started on an unmigrated database (err %v):\n%s", err, out)
	}
	p.prepare()
	// Running them again changes nothing and fails nothing.
	if out, err := p.run("migrate"); err != nil {
		t.Fatalf("second migrate: %v\n%s", err, out)
	}

	api := p.startAPI()
	worker := p.startWorker()
	s := p.client()

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
	p.startWorker()
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
