package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/apicontract"
	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// testTemporalTimeout bounds each call of a test API to its fake Temporal.
const testTemporalTimeout = 2 * time.Second

// newAPI builds the API over a ticket service that talks to tc (a fake),
// with the tracking secret "test secret" and a 2 s bound on Temporal calls.
func newAPI(opts Options, tc tickets.Temporal) (*API, error) {
	if opts.Entities == nil && opts.Store != nil {
		opts.Entities = entities.NewCache(opts.Store.ListEntities, 0, opts.Now)
	}
	if opts.Tickets == nil {
		svc, err := newTestTickets(opts, tc, testTemporalTimeout)
		if err != nil {
			return nil, err
		}
		opts.Tickets = svc
	}
	return New(opts)
}

// newTestTickets is the ticket service of a test API (timeout bounds each
// call to tc).
func newTestTickets(opts Options, tc tickets.Temporal, timeout time.Duration) (*tickets.Service, error) {
	return tickets.New(tickets.Options{
		Store: opts.Store, Temporal: tc, Entities: opts.Entities, Keys: trackcode.NewKeys([]byte("test secret")),
		Logger: opts.Logger, Now: opts.Now, Timeout: timeout,
	})
}

// ---- fake Temporal -------------------------------------------------------

type startCall struct {
	opts     client.StartWorkflowOptions
	workflow any
	args     []any
}

type updateCall struct {
	opts client.UpdateWorkflowOptions
}

// fakeTemporal records what the API asks of Temporal and answers with
// whatever the test configured.
type fakeTemporal struct {
	mu       sync.Mutex
	starts   []startCall
	updates  []updateCall
	startErr error // returned by every ExecuteWorkflow while set
	// update answers one update: the result (JSON-encodable) or an error. nil
	// blocks until the context ends, like a namespace without a worker.
	update func(opts client.UpdateWorkflowOptions) (any, error)
	// histories by workflow id: pages of events.
	history func(req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error)
	// query answers QueryWorkflow; nil means the workflow does not exist.
	query func(workflowID, queryType string) (any, error)
}

func (f *fakeTemporal) ExecuteWorkflow(ctx context.Context, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, startCall{opts: opts, workflow: wf, args: args})
	if f.startErr != nil {
		return nil, f.startErr
	}
	return fakeRun{id: opts.ID}, nil
}

func (f *fakeTemporal) UpdateWorkflow(ctx context.Context, opts client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	f.updates = append(f.updates, updateCall{opts: opts})
	fn := f.update
	f.mu.Unlock()
	if fn == nil {
		<-ctx.Done()
		return nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(ctx.Err())
	}
	res, err := fn(opts)
	if err != nil {
		return nil, err
	}
	return fakeHandle{opts: opts, result: res}, nil
}

func (f *fakeTemporal) GetWorkflowExecutionHistory(ctx context.Context, req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	f.mu.Lock()
	fn := f.history
	f.mu.Unlock()
	if fn == nil {
		return nil, errors.New("fake: no history configured")
	}
	if err := ctx.Err(); err != nil {
		return nil, err // as a gRPC call made with a spent context
	}
	return fn(req)
}

func (f *fakeTemporal) QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	fn := f.query
	f.mu.Unlock()
	if fn == nil {
		return nil, serviceerror.NewNotFound("fake: no such workflow")
	}
	v, err := fn(workflowID, queryType)
	if err != nil {
		return nil, err
	}
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		return nil, err
	}
	return newEncoded(p), nil
}

func (f *fakeTemporal) startCalls() []startCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]startCall(nil), f.starts...)
}

func (f *fakeTemporal) updateCalls() []updateCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]updateCall(nil), f.updates...)
}

type fakeRun struct{ id string }

func (r fakeRun) GetID() string                               { return r.id }
func (r fakeRun) GetRunID() string                            { return "run-" + r.id }
func (r fakeRun) GetFirstExecutionRunID() string              { return "run-" + r.id }
func (r fakeRun) Get(ctx context.Context, valuePtr any) error { return nil }
func (r fakeRun) GetWithOptions(ctx context.Context, valuePtr any, _ client.WorkflowRunGetOptions) error {
	return nil
}

type fakeHandle struct {
	opts   client.UpdateWorkflowOptions
	result any
}

func (h fakeHandle) WorkflowID() string { return h.opts.WorkflowID }
func (h fakeHandle) RunID() string      { return "run" }
func (h fakeHandle) UpdateID() string   { return h.opts.UpdateID }
func (h fakeHandle) Get(ctx context.Context, valuePtr any) error {
	// Round-trip through JSON, as Temporal's data converter would.
	b, err := json.Marshal(h.result)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, valuePtr)
}

// ---- fixture -------------------------------------------------------------

// testPasswords hashes with argon2id at a tiny cost, so tests stay fast.
var testPasswords = func() *password.Hasher {
	h, err := password.New(password.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		panic(err)
	}
	return h
}()

// Tokens of the test credentials, by name.
var testTokens = map[string]string{
	"agent":          "tok-agent",
	"coord-ksu":      "tok-coord-ksu",
	"coord-edu":      "tok-coord-edu",
	"manager-ksu":    "tok-manager-ksu",
	"head-ksu":       "tok-head-ksu",
	"sector-uni":     "tok-sector-uni",
	"supervisor":     "tok-supervisor",
	"minister":       "tok-minister",
	"admin":          "tok-admin",
	"auditor":        "tok-auditor",
	"coord-elsewher": "tok-coord-elsewhere",
	"reception":      "tok-reception",
	"survey":         "tok-survey",
}

func testCredentials() []Credential {
	cred := func(name string, role domain.Role, entity string) Credential {
		sum := sha256.Sum256([]byte(testTokens[name]))
		return Credential{Name: name, TokenHash: hex.EncodeToString(sum[:]), Role: role, Entity: entity}
	}
	return []Credential{
		cred("agent", domain.RoleAgent, ""),
		cred("coord-ksu", domain.RoleCoordinator, "KSU"),
		cred("coord-edu", domain.RoleCoordinator, "EDU-RIY"),
		cred("manager-ksu", domain.RoleCareCenterManager, "KSU"),
		cred("head-ksu", domain.RoleEntityHead, "KSU"),
		cred("sector-uni", domain.RoleSectorOfficial, "SEC-UNI"),
		cred("supervisor", domain.RoleSupervisor, ""),
		cred("minister", domain.RoleMinisterOffice, ""),
		cred("admin", domain.RoleAdmin, ""),
		cred("auditor", domain.RoleAuditor, ""),
		cred("coord-elsewher", domain.RoleCoordinator, "UQU"),
		cred("reception", domain.RoleReception, ""),
		cred("survey", domain.RoleSurveyAgent, ""),
	}
}

var testEntities = []store.Entity{
	{Code: "MOE", NameAR: "وزارة التعليم", NameEN: "Ministry of Education", Kind: domain.EntityMinistry},
	{Code: "SEC-UNI", NameAR: "وكالة الجامعات", NameEN: "Universities Deputyship", Kind: domain.EntitySector, Parent: "MOE"},
	{Code: "SEC-EDU", NameAR: "وكالة التعليم العام", NameEN: "General Education Deputyship", Kind: domain.EntitySector, Parent: "MOE"},
	{Code: "KSU", NameAR: "جامعة الملك سعود", NameEN: "King Saud University", Kind: domain.EntityPublicUniversity, Parent: "SEC-UNI"},
	{Code: "UQU", NameAR: "جامعة أم القرى", NameEN: "Umm Al-Qura University", Kind: domain.EntityPublicUniversity, Parent: "SEC-UNI"},
	{Code: "EDU-RIY", NameAR: "تعليم الرياض", NameEN: "Riyadh Education", Kind: domain.EntityEducationDepartment, Parent: "SEC-EDU"},
}

// testClock is a settable clock shared by the API and the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	t      *testing.T
	api    *API
	store  *store.Store
	tc     *fakeTemporal
	clock  *testClock
	logs   *syncBuffer
	dbPath string // the SQLite file behind store
	// filesDir is the attachment store's directory.
	filesDir string
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newFixture builds the API over a fresh SQLite read model (entities and the
// default policy loaded) and a fake Temporal. mod may adjust the options.
func newFixture(t *testing.T, mod ...func(*Options)) *fixture {
	t.Helper()
	return newFixtureOpts(t, true, mod...)
}

func newFixtureOpts(t *testing.T, withPolicy bool, mod ...func(*Options)) *fixture {
	t.Helper()
	f := buildFixture(t, withPolicy, mod...)
	f.t = t
	return f
}

// buildFixture is newFixtureOpts for any testing.TB (a benchmark drives
// f.api directly: f.t, which the request helpers need, stays nil).
func buildFixture(t testing.TB, withPolicy bool, mod ...func(*Options)) *fixture {
	t.Helper()
	dbPath := t.TempDir() + "/t.db"
	f := buildFixtureOn(t, "sqlite://"+dbPath, withPolicy, mod...)
	f.dbPath = dbPath
	return f
}

// buildFixtureOn is buildFixture over the read model at dsn (empty).
func buildFixtureOn(t testing.TB, dsn string, withPolicy bool, mod ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// Keyed, as the API runs outside dev.
	st.SetAuditKey([]byte("the audit key of the api tests, 32+ bytes"))
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := st.UpsertEntities(ctx, testEntities); err != nil {
		t.Fatalf("entities: %v", err)
	}
	if withPolicy {
		if _, err := st.EnsurePolicy(ctx, sla.Default()); err != nil {
			t.Fatalf("policy: %v", err)
		}
	}
	// Sunday 2026-03-01 09:00 Riyadh: inside working hours.
	clock := &testClock{t: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}
	logs := &syncBuffer{}
	filesDir := t.TempDir() + "/attachments"
	files, err := attachments.NewDisk(filesDir)
	if err != nil {
		t.Fatalf("attachment store: %v", err)
	}
	t.Cleanup(func() { _ = files.Close() })
	opts := Options{
		Passwords:   testPasswords,
		Store:       st,
		Credentials: testCredentials(),
		Logger:      slog.New(slog.NewJSONHandler(logs, nil)),
		Now:         clock.Now,
		Attachments: files,
		Codec:       testCodec,
	}
	for _, m := range mod {
		m(&opts)
	}
	tc := &fakeTemporal{}
	a, err := newAPI(opts, tc)
	if err != nil {
		t.Fatalf("new api: %v", err)
	}
	// Tests that measure it set it back (TestBeneficiaryAnswerTiming).
	a.limits.answerFloor = 0
	return &fixture{api: a, store: st, tc: tc, clock: clock, logs: logs, filesDir: filesDir}
}

type req struct {
	method  string
	path    string
	body    any // string/[]byte sent raw; anything else JSON-encoded
	token   string
	headers map[string]string
	// offContract marks a request sent outside api/openapi.yaml on purpose
	// (bad input under test): the contract check skips it, not its answer.
	offContract bool
}

// outsideContract is r marked offContract.
func (r req) outsideContract() req {
	r.offContract = true
	return r
}

type resp struct {
	*httptest.ResponseRecorder
	t *testing.T
}

// contract is api/openapi.yaml, parsed once for every test's exchanges.
var contract = sync.OnceValues(func() (*apicontract.Validator, error) {
	return apicontract.New(openapiYAML)
})

// do serves r and checks the exchange against the contract: a request or an
// answer that openapi.yaml does not describe fails the test.
func (f *fixture) do(r req) resp {
	f.t.Helper()
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		body = j
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr := httptest.NewRequest(r.method, r.path, rd)
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.api.Handler().ServeHTTP(w, hr)
	f.checkContract(hr, body, r.offContract, w)
	return resp{w, f.t}
}

// checkContract fails the test (without stopping it) when the exchange of
// hr, with body, and its answer w departs from api/openapi.yaml.
func (f *fixture) checkContract(hr *http.Request, body []byte, offContract bool, w *httptest.ResponseRecorder) {
	f.t.Helper()
	v, err := contract()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := v.Check(context.Background(), apicontract.Exchange{
		Request: hr, RequestBody: body, OffContract: offContract,
		Status: w.Code, Header: w.Header(), Body: w.Body.Bytes(),
	}); err != nil {
		f.t.Errorf("contract (api/openapi.yaml): %v", err)
	}
}

func (r resp) json(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		r.t.Fatalf("decode %q: %v", r.Body.String(), err)
	}
}

func (r resp) problem() Problem {
	r.t.Helper()
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("content type %q, want application/problem+json (body %s)", ct, r.Body.String())
	}
	var p Problem
	r.json(&p)
	if p.Status != r.Code {
		r.t.Fatalf("problem status %d != HTTP status %d", p.Status, r.Code)
	}
	if p.Type == "" || p.Title == "" || p.Code == "" {
		r.t.Fatalf("problem lacks type/title/code: %s", r.Body.String())
	}
	return p
}

// expectProblem checks the status and code of a problem answer.
func (r resp) expectProblem(status int, code string) Problem {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	p := r.problem()
	if p.Code != code {
		r.t.Fatalf("code %q, want %q: %s", p.Code, code, r.Body.String())
	}
	return p
}

// fieldCodes maps a problem's field errors to their codes.
func fieldCodes(p Problem) map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}

func (r resp) expect(status int) {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
}

// validID completes 9 digits into a national ID with a correct check digit.
func validID(nine string) string {
	for d := byte('0'); d <= '9'; d++ {
		id := nine + string(d)
		sum := 0
		for i := 0; i < 10; i++ {
			v := int(id[i] - '0')
			if i%2 == 0 {
				v *= 2
				v = v/10 + v%10
			}
			sum += v
		}
		if sum%10 == 0 {
			return id
		}
	}
	panic("no check digit")
}

// ticketBody is a valid intake body; edits adjust it.
func ticketBody(edits ...func(m map[string]any)) map[string]any {
	m := map[string]any{
		"kind":        "complaint",
		"channel":     "portal",
		"subject":     "تأخر صرف المكافأة",
		"description": "لم تُصرف مكافأة شهر فبراير حتى الآن.",
		"entity":      "KSU",
		"beneficiary": map[string]any{
			"name":        "سارة العتيبي",
			"national_id": validID("108765432"),
			"mobile":      "0501234567",
			"type":        "student",
		},
	}
	for _, e := range edits {
		e(m)
	}
	withChannelDetails(m)
	return m
}

// withChannelDetails gives a staffed channel's body the details it must
// carry, unless the test set (or nulled) them itself.
func withChannelDetails(m map[string]any) {
	if _, set := m["channel_details"]; set {
		return
	}
	switch m["channel"] {
	case "call_center":
		m["channel_details"] = map[string]any{"verification": "registered_mobile"}
	case "social":
		m["channel_details"] = map[string]any{"platform": "x", "handle": "@moe_student"}
	case "email":
		if b, ok := m["beneficiary"].(map[string]any); ok && b["email"] == nil {
			b["email"] = "student@example.com"
		}
	}
}

func benef(m map[string]any) map[string]any { return m["beneficiary"].(map[string]any) }

type created struct {
	Number       string    `json:"number"`
	TrackingCode string    `json:"tracking_code"`
	Status       string    `json:"status"`
	SLADueAt     time.Time `json:"sla_due_at"`
	Entity       string    `json:"entity"`
	Kind         string    `json:"kind"`
	Priority     string    `json:"priority"`
	Channel      string    `json:"channel"`
	CreatedAt    time.Time `json:"created_at"`
}

// file files a valid ticket (edited) and returns the answer. Filed
// anonymously, it is then proven as its mobile's owner proves it
// (tickets.ProveMobile's row), so that tests of what a beneficiary does
// with their own ticket need not sign in first; fileAnonymous leaves it
// unproven.
func (f *fixture) file(token string, edits ...func(m map[string]any)) created {
	f.t.Helper()
	c := f.fileAnonymous(token, edits...)
	if token == "" {
		ctx := context.Background()
		t, err := f.store.GetTicket(ctx, c.Number)
		if err == nil {
			err = f.store.ProveMobile(ctx, c.Number, t.BeneficiaryMobile, f.clock.Now())
		}
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return c
}

// fileAnonymous files a valid ticket (edited) as sent, the mobile of an
// anonymous filing left unproven.
func (f *fixture) fileAnonymous(token string, edits ...func(m map[string]any)) created {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(edits...), token: token})
	r.expect(http.StatusCreated)
	var c created
	r.json(&c)
	return c
}

// ticketCount counts every ticket row (started or not).
func (f *fixture) ticketCount() int {
	f.t.Helper()
	p, err := f.store.ListTickets(context.Background(), store.TicketFilter{Scope: authz.Scope{All: true}, Limit: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(p.Tickets)
}

// encoded is a query answer as the SDK hands it back.
type encoded struct{ p *commonpb.Payloads }

func newEncoded(p *commonpb.Payloads) encoded { return encoded{p: p} }

func (e encoded) HasValue() bool { return e.p != nil && len(e.p.Payloads) > 0 }

func (e encoded) Get(v any) error { return converter.GetDefaultDataConverter().FromPayloads(e.p, v) }

// account creates a password account directly in the store.
func (f *fixture) account(username string, role domain.Role, entity, pw string) store.Account {
	f.t.Helper()
	h, err := testPasswords.Hash(pw)
	if err != nil {
		f.t.Fatal(err)
	}
	acc, err := f.store.CreateAccount(context.Background(), store.NewAccount{
		Username: username, Name: username, Role: role, Entity: entity, PasswordHash: h}, f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return acc
}
