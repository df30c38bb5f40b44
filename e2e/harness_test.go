// Package e2e runs Tawasul end to end: a real Temporal server in process
// (devserver), the real worker and the real HTTP API, over SQLite and over
// PostgreSQL read models.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tawasul/tawasul/apicontract"
	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/devserver"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/payload"
)

// newTemporal starts an in-memory Temporal server for one system. Each system
// gets its own (a start costs about a second) because ticket numbers come from
// the system's own read model: two systems sharing a server would share
// workflow ids.
func newTemporal(t testing.TB) *devserver.Server {
	t.Helper()
	return newTemporalIn(t, "")
}

// newTemporalIn is newTemporal keeping its SQLite files in dir ("": in memory).
func newTemporalIn(t testing.TB, dir string) *devserver.Server {
	t.Helper()
	srv, err := devserver.Start(context.Background(), devserver.Options{
		Memory: dir == "", DataDir: dir, UIPort: -1,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		t.Fatalf("starting the embedded Temporal server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping Temporal: %v", err)
		}
	})
	return srv
}

// e2ePayloadKeys seal the systems' Temporal payloads (a fixed key: a test
// may open what another process of the same test sealed).
var e2ePayloadKeys = "e2e:" + base64.StdEncoding.EncodeToString([]byte("tawasul-e2e-payload-key-32-bytes"))

// e2eCodec opens and seals as the systems do.
func e2eCodec(t testing.TB) *payload.Codec {
	t.Helper()
	keys, err := payload.ParseKeys(e2ePayloadKeys)
	if err != nil {
		t.Fatal(err)
	}
	c, err := payload.New(payload.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Tokens used by the tests: name -> (token, role, entity).
var testTokens = []app.DevToken{
	{Name: "admin", Token: "t-admin", Role: domain.RoleAdmin},
	{Name: "auditor", Token: "t-auditor", Role: domain.RoleAuditor},
	{Name: "agent", Token: "t-agent", Role: domain.RoleAgent},
	{Name: "reception", Token: "t-reception", Role: domain.RoleReception},
	{Name: "ksu-coordinator", Token: "t-ksu", Role: domain.RoleCoordinator, Entity: "KSU"},
	{Name: "kau-coordinator", Token: "t-kau", Role: domain.RoleCoordinator, Entity: "KAU"},
	{Name: "univ-official", Token: "t-univ", Role: domain.RoleSectorOfficial, Entity: "UNIV"},
	{Name: "supervisor", Token: "t-supervisor", Role: domain.RoleSupervisor},
	{Name: "minister", Token: "t-minister", Role: domain.RoleMinisterOffice},
}

// system is one running Tawasul (worker + API) on its own read model.
type system struct {
	t       testing.TB
	base    string
	app     *app.App
	dialect string
	// files is the attachment store's directory.
	files string
	// temporal is the system's Temporal server (a test that talks to it
	// directly, as someone reaching the frontend would).
	temporal *devserver.Server
}

const pgDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func pgDSN() string {
	if d := os.Getenv("TAWASUL_TEST_POSTGRES"); d != "" {
		return d
	}
	return pgDefault
}

// readModels runs fn against a SQLite and a PostgreSQL read model.
func readModels(t *testing.T, fn func(t *testing.T, sys *system)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, start(t, "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite"))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, start(t, pgSchema(t), "postgres"))
	})
}

// needPostgres connects to the test PostgreSQL: a test without it is skipped
// locally and fails in CI. The caller closes db.
func needPostgres(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgDSN())
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable at %s (machine lacks it): %v", pgDSN(), err)
	}
	return db
}

// pgSchema creates a throwaway schema and returns a DSN whose search_path is it.
func pgSchema(t *testing.T) string {
	t.Helper()
	db := needPostgres(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "e2e_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, _ := url.Parse(pgDSN())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// start runs a system on dsn; opts adjust its options (e.g. the demo FAQ bank).
func start(t testing.TB, dsn, dialect string, opts ...func(*app.Options)) *system {
	t.Helper()
	return startWith(t, dsn, dialect, opts...)
}

// startWith is start with the options edited before the system is built.
func startWith(t testing.TB, dsn, dialect string, edits ...func(*app.Options)) *system {
	t.Helper()
	return startOn(t, newTemporal(t), dsn, dialect, edits...)
}

// startOn is startWith on a Temporal server of the test's own.
func startOn(t testing.TB, srv *devserver.Server, dsn, dialect string, edits ...func(*app.Options)) *system {
	t.Helper()
	files := filepath.Join(t.TempDir(), "attachments")
	cfg := config.Config{
		Addr:        "127.0.0.1:0",
		Temporal:    config.TemporalConfig{Namespace: srv.Namespace(), UpdateTimeout: 10 * time.Second},
		Intake:      config.IntakeConfig{PerMinute: 10000},
		Secrets:     config.SecretsConfig{Tracking: "e2e-secret", PayloadKeys: e2ePayloadKeys},
		Attachments: config.AttachmentsConfig{Dir: files},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := app.Options{
		Config: cfg, DSN: dsn, TemporalAddress: srv.FrontendHostPort(), Worker: true, API: true,
		Migrate: true, Seed: true, Credentials: app.DevCredentials(testTokens), Listener: ln,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, edit := range edits {
		edit(&opts)
	}
	a, err := app.New(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("starting the system: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("system stopped with error: %v", err)
		}
		a.Close()
	})
	return &system{t: t, base: "http://" + a.Addr(), app: a, dialect: dialect, files: files, temporal: srv}
}

// response is an HTTP answer with its decoded JSON body.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// contract is api/openapi.yaml, parsed once for every test's exchanges.
var contract = sync.OnceValues(func() (*apicontract.Validator, error) {
	spec, err := os.ReadFile(filepath.Join("..", "api", "openapi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading the API's contract: %w", err)
	}
	return apicontract.New(spec)
})

// offContract wraps the body (nil for none) of a request a test sends
// outside api/openapi.yaml on purpose: send skips its check, not its answer's.
type offContract struct{ body any }

func (s *system) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	r, err := s.send(method, path, token, body, headers...)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// send is do for goroutines other than the test's own, which may not stop the
// test: what would fail it comes back as an error. An exchange that departs
// from api/openapi.yaml fails the test (t.Errorf, safe from any goroutine)
// whatever the caller makes of the answer.
func (s *system) send(method, path, token string, body any, headers ...string) (response, error) {
	s.t.Helper()
	oc, off := body.(offContract)
	if off {
		body = oc.body
	}
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		raw = j
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	s.checkContract(req, raw, off, res, answer)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: answer}
	if len(answer) > 0 && answer[0] == '{' {
		if err := json.Unmarshal(answer, &out.Body); err != nil {
			return out, fmt.Errorf("%s %s: bad JSON %q: %w", method, path, answer, err)
		}
	}
	return out, nil
}

// checkContract fails the test when req (its body raw) or its answer res
// (body answer) departs from api/openapi.yaml.
func (s *system) checkContract(req *http.Request, raw []byte, off bool, res *http.Response, answer []byte) {
	s.t.Helper()
	v, err := contract()
	if err != nil {
		s.t.Errorf("contract: %v", err)
		return
	}
	if err := v.Check(context.Background(), apicontract.Exchange{
		Request: req, RequestBody: raw, OffContract: off,
		Status: res.StatusCode, Header: res.Header, Body: answer,
	}); err != nil {
		s.t.Errorf("contract (api/openapi.yaml): %v", err)
	}
}

func (s *system) must(want int, r response) response {
	s.t.Helper()
	if r.Status != want {
		s.t.Fatalf("want HTTP %d, got %d: %s", want, r.Status, r.Raw)
	}
	return r
}

// validID builds a national ID with a correct check digit from 9 leading digits.
func validID(prefix9 string) string {
	sum := 0
	for i, c := range prefix9 {
		d := int(c - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return prefix9 + fmt.Sprint((10-sum%10)%10)
}

func ticketBody(entity, subject string) map[string]any {
	return map[string]any{
		"kind": "complaint", "channel": "portal", "priority": "normal",
		"subject": subject, "description": "لم تصدر وثيقة التخرج بعد مرور شهرين",
		"entity": entity,
		"beneficiary": map[string]any{
			"name": "سارة العتيبي", "national_id": validID("110000000"), "mobile": "0512345678",
			"type": "student", "gender": "female",
		},
	}
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

// secondsPolicy is a policy whose every allowance is a few seconds on the 24x7
// clock, so a whole escalation runs inside a test.
func secondsPolicy(allowance, window string) map[string]any {
	var rules []map[string]any
	for _, k := range domain.Kinds() {
		for _, p := range domain.Priorities() {
			rules = append(rules, map[string]any{"kind": k, "priority": p, "allowance": allowance, "clock": "24x7"})
		}
	}
	var ladder []map[string]any
	for _, r := range domain.LadderRoles() {
		ladder = append(ladder, map[string]any{"role": r, "allowance": allowance})
	}
	return map[string]any{
		"calendar": map[string]any{"time_zone": "Asia/Riyadh", "work_days": []int{0, 1, 2, 3, 4},
			"opens_at": "08:00", "closes_at": "15:00", "holidays": []any{}},
		"responses": rules, "ladder": ladder,
		"objection_window": window, "objection_review": "1h",
		"reason": "allowances of " + allowance + " for the test",
	}
}
