package e2e

// Faults: the system is hurt while it works — its worker killed, the whole
// `tawasul dev` killed, its database connections cut, one Idempotency-Key
// sent by many at once — and afterwards nothing is lost, nothing is doubled,
// and the read model says what the workflows say.
//
// `go test ./...` runs the short form. `make faults` runs the long form
// (TAWASUL_FAULT_LONG=1): more tickets, more kills. TAWASUL_FAULT_TICKETS
// sets the ticket count of every load for either form.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/loadgen"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

func faultLong() bool { return os.Getenv("TAWASUL_FAULT_LONG") == "1" }

// faultSize picks the short or the long form's figure.
func faultSize(short, long int) int {
	if faultLong() {
		return long
	}
	return short
}

// faultTickets is how many tickets a load files.
func faultTickets(t *testing.T, short, long int) int {
	t.Helper()
	if v := os.Getenv("TAWASUL_FAULT_TICKETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("TAWASUL_FAULT_TICKETS=%q: want a positive number", v)
		}
		return n
	}
	return faultSize(short, long)
}

// each runs fn over items on conc goroutines.
func each(items []string, conc int, fn func(item string)) {
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(1, min(conc, len(items))) {
		wg.Go(func() {
			for it := range work {
				fn(it)
			}
		})
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
}

// listed joins at most 20 problems, saying how many were left out.
func listed(problems []string) string {
	sort.Strings(problems)
	if len(problems) > 20 {
		problems = append(problems[:20:20], fmt.Sprintf("… and %d more", len(problems)-20))
	}
	return strings.Join(problems, "\n  ")
}

// projection is what a ticket's read-model row and its workflow's own state
// must agree on.
type projection struct {
	Status            domain.Status
	ResponsibleEntity string
	Round             int
	EscalationLevel   int
	EscalationRole    domain.Role
	EscalationEntity  string
	PolicyVersion     int
	Version           int64
	SLADueAt          time.Time
}

func rowProjection(r store.Ticket) projection {
	return projection{
		Status: r.Status, ResponsibleEntity: r.ResponsibleEntity, Round: r.Round,
		EscalationLevel: r.EscalationLevel, EscalationRole: r.EscalationRole, EscalationEntity: r.EscalationEntity,
		PolicyVersion: r.PolicyVersion, Version: r.Version, SLADueAt: r.SLADueAt.UTC(),
	}
}

// stateProjection keeps the microseconds both read-model dialects store.
func stateProjection(s workflows.TicketState) projection {
	return projection{
		Status: s.Status, ResponsibleEntity: s.ResponsibleEntity, Round: s.Round,
		EscalationLevel: s.EscalationLevel, EscalationRole: s.EscalationRole, EscalationEntity: s.EscalationEntity,
		PolicyVersion: s.PolicyVersion, Version: s.Version, SLADueAt: s.SLADueAt.UTC().Truncate(time.Microsecond),
	}
}

// differences names the fields where the row differs from the workflow; "" when none.
func (row projection) differences(wf projection) string {
	var d []string
	add := func(field string, r, w any) {
		if fmt.Sprint(r) != fmt.Sprint(w) {
			d = append(d, fmt.Sprintf("%s: row %v, workflow %v", field, r, w))
		}
	}
	add("status", row.Status, wf.Status)
	add("responsible_entity", row.ResponsibleEntity, wf.ResponsibleEntity)
	add("round", row.Round, wf.Round)
	add("escalation_level", row.EscalationLevel, wf.EscalationLevel)
	add("escalation_role", row.EscalationRole, wf.EscalationRole)
	add("escalation_entity", row.EscalationEntity, wf.EscalationEntity)
	add("policy_version", row.PolicyVersion, wf.PolicyVersion)
	add("version", row.Version, wf.Version)
	if !row.SLADueAt.Equal(wf.SLADueAt) {
		d = append(d, fmt.Sprintf("sla_due_at: row %s, workflow %s", row.SLADueAt.Format(time.RFC3339Nano), wf.SLADueAt.Format(time.RFC3339Nano)))
	}
	return strings.Join(d, "; ")
}

func queryState(ctx context.Context, tc client.Client, number string) (workflows.TicketState, error) {
	var st workflows.TicketState
	v, err := tc.QueryWorkflow(ctx, workflows.TicketWorkflowID(number), "", workflows.QueryState)
	if err == nil {
		err = v.Get(&st)
	}
	return st, err
}

// converge waits until the read-model row of every ticket says what its
// workflow's "state" query says, and returns those states. Tickets that still
// differ after within fail the test, each with its differences.
func converge(t *testing.T, tc client.Client, st *store.Store, numbers []string, within time.Duration) map[string]workflows.TicketState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	states := make(map[string]workflows.TicketState, len(numbers))
	pending := numbers
	for {
		var mu sync.Mutex
		diffs := map[string]string{}
		each(pending, 8, func(n string) {
			ws, err := queryState(ctx, tc, n)
			var d string
			if err != nil {
				d = "state query: " + err.Error()
			} else if row, err := st.GetTicket(ctx, n); err != nil {
				d = "read model: " + err.Error()
			} else {
				d = rowProjection(row).differences(stateProjection(ws))
			}
			mu.Lock()
			defer mu.Unlock()
			if d == "" {
				states[n] = ws
			} else {
				diffs[n] = d
			}
		})
		if len(diffs) == 0 {
			return states
		}
		if ctx.Err() != nil {
			var ps []string
			for n, d := range diffs {
				ps = append(ps, n+": "+d)
			}
			t.Fatalf("after %s, %d of %d read-model rows still differ from their workflow:\n  %s",
				within, len(diffs), len(numbers), listed(ps))
		}
		pending = pending[:0:0]
		for n := range diffs {
			pending = append(pending, n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkTimelines: each ticket's timeline runs 1..Seq of its workflow without
// a gap or a repeat, and holds each event the workflow did once as often as
// the workflow did it.
func checkTimelines(t *testing.T, st *store.Store, states map[string]workflows.TicketState) {
	t.Helper()
	ctx := context.Background()
	var problems []string
	for n, ws := range states {
		all, err := st.Timeline(ctx, n, false)
		if err != nil {
			t.Fatal(err)
		}
		// The state was taken when the row converged; a closed ticket goes
		// on (its survey), so lines numbered after that snapshot are later
		// events, not duplicates.
		var evs []store.TicketEvent
		for _, e := range all {
			if e.Seq <= ws.Seq {
				evs = append(evs, e)
			}
		}
		count := map[string]int{}
		escalated := map[int]int{}
		for i, e := range evs {
			if e.Seq != i+1 {
				problems = append(problems, fmt.Sprintf("%s: line %d has seq %d", n, i+1, e.Seq))
				break
			}
			count[e.Type]++
			if e.Type == workflows.EventEscalated {
				escalated[e.Level]++
			}
		}
		b := func(v bool) int {
			if v {
				return 1
			}
			return 0
		}
		want := map[string]int{
			workflows.EventCreated:   1,
			workflows.EventResponded: len(ws.Responses),
			workflows.EventObjected:  b(ws.Objected),
		}
		switch ws.Status {
		case domain.StatusClosed:
			want[workflows.EventClosed] = 1
		case domain.StatusWithdrawn:
			want[workflows.EventWithdrawn] = 1
		}
		if len(evs) != ws.Seq {
			problems = append(problems, fmt.Sprintf("%s: %d timeline lines, the workflow numbered %d", n, len(evs), ws.Seq))
		}
		for typ, w := range want {
			if count[typ] != w {
				problems = append(problems, fmt.Sprintf("%s: %d %q lines, want %d", n, count[typ], typ, w))
			}
		}
		// Each round climbs its own ladder once.
		for lv, c := range escalated {
			if c > ws.Round+1 {
				problems = append(problems, fmt.Sprintf("%s: level %d escalated %d times in %d rounds", n, lv, c, ws.Round+1))
			}
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%d timeline problems:\n  %s", len(problems), listed(problems))
	}
}

// checkOutbox: no notification key twice, and one "created" message per
// ticket and channel, however often its activity ran.
func checkOutbox(t *testing.T, st *store.Store, numbers []string) {
	t.Helper()
	// A notice is written by the Notify activity after the projection the
	// row converged to, and its retries back off (up to a minute) while the
	// database is being cut: a missing notice is waited for; a doubled one
	// fails at once.
	deadline := time.Now().Add(90 * time.Second)
	for {
		problems, missing := outboxProblems(t, st, numbers)
		if len(problems) > 0 || (len(missing) > 0 && time.Now().After(deadline)) {
			t.Fatalf("%d outbox problems:\n  %s", len(problems)+len(missing), listed(append(problems, missing...)))
		}
		if len(missing) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// outboxProblems lists keys written twice (problems) and tickets whose one
// "created" notice per channel is not there (missing, or doubled: problems).
// A ticket whose mobile is unproven (a call-center caller taken on their
// word) has none, and any is a problem.
func outboxProblems(t *testing.T, st *store.Store, numbers []string) (problems, missing []string) {
	t.Helper()
	for _, n := range numbers {
		ms, err := st.Outbox(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := st.GetTicket(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		created := map[string]int{}
		for _, m := range ms {
			if keys[m.Key] {
				problems = append(problems, n+": key "+m.Key+" twice")
			}
			keys[m.Key] = true
			if m.Template == "created" {
				created[m.Channel]++
			}
		}
		switch {
		case tk.MobileProvenAt == nil && len(created) > 0:
			problems = append(problems, fmt.Sprintf("%s: created notices to an unproven mobile %v", n, created))
		case tk.MobileProvenAt == nil:
		case created["sms"] > 1 || created["email"] > 1:
			problems = append(problems, fmt.Sprintf("%s: created notices by channel %v", n, created))
		case created["sms"] == 0:
			missing = append(missing, fmt.Sprintf("%s: created notices by channel %v", n, created))
		}
	}
	return problems, missing
}

// markerOf is the loadgen marker in a subject ("… [lg-run-000012]"), which
// loadgen also sends as the filing's Idempotency-Key.
func markerOf(subject string) string {
	i, j := strings.LastIndex(subject, "[lg-"), strings.LastIndex(subject, "]")
	if i < 0 || j < i {
		return ""
	}
	return subject[i+1 : j]
}

// checkOneTicketPerKey: each filing's Idempotency-Key has one record, and it
// names the one row that carries the filing's marker.
func checkOneTicketPerKey(t *testing.T, st *store.Store, rows []loadgen.Row, want int) {
	t.Helper()
	var problems []string
	byMarker := map[string][]string{}
	for _, r := range rows {
		m := markerOf(r.Subject)
		byMarker[m] = append(byMarker[m], r.Number)
	}
	if len(byMarker) != want {
		problems = append(problems, fmt.Sprintf("%d distinct filings among the rows, want %d", len(byMarker), want))
	}
	for m, ns := range byMarker {
		if len(ns) != 1 {
			problems = append(problems, fmt.Sprintf("filing %s has rows %v", m, ns))
			continue
		}
		sum := sha256.Sum256([]byte(m))
		rec, err := st.FindIdempotency(context.Background(), hex.EncodeToString(sum[:]))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("filing %s (%s): key record: %v", m, ns[0], err))
		case rec.TicketNumber != ns[0]:
			problems = append(problems, fmt.Sprintf("filing %s: key names %s, the row is %s", m, rec.TicketNumber, ns[0]))
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%d idempotency problems:\n  %s", len(problems), listed(problems))
	}
}

// checkWorkflowCount: the Temporal server holds exactly want ticket
// workflows, so a twin workflow under another number would show. Visibility
// lags the executions, hence the wait.
func checkWorkflowCount(t *testing.T, tc client.Client, want int) {
	t.Helper()
	var got int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := tc.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
			Query: "WorkflowType = '" + workflows.TicketWorkflowName + "'"})
		if err != nil {
			t.Fatal(err)
		}
		if got = resp.GetCount(); got == int64(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got != int64(want) {
		t.Fatalf("Temporal holds %d ticket workflows, want %d", got, want)
	}
}

// lifecycleLoad is a loadgen lifecycle run for a fault test: tickets filed,
// answered, objected to and withdrawn, every call retried long enough to
// outlast the fault.
func lifecycleLoad(base, runID string, n int, tc client.Client, st *store.Store) loadgen.Options {
	return loadgen.Options{
		Mode: loadgen.ModeLifecycle, Target: base, N: n, Concurrency: 8, Seed: 4, RunID: runID,
		FileToken: "t-agent", AdminToken: "t-admin", Coordinators: map[string]string{"KSU": "t-ksu", "KAU": "t-kau"},
		ObjectionShare: 0.3, WithdrawalShare: 0.1,
		Timeout: 30 * time.Second, Retries: 20, Check: true, Settle: 2 * time.Minute,
		Temporal: tc, ReadModel: loadgen.DBReadModel{Store: st},
	}
}

// checkLoad asserts the run's own end check: every filing accepted once,
// in the read model and in Temporal, in the status its fate leads to.
func checkLoad(t *testing.T, rep *loadgen.Report, err error, n int) {
	t.Helper()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	c := rep.Check
	if !rep.Passed || c == nil || c.Accepted != n || c.Rows != n || c.Workflows != n {
		t.Fatalf("load did not pass: %s\nfailures %v\ncheck %+v\nerrors %v", rep.Summary(), rep.Failures, c, rep.ErrorsByCode)
	}
}

// afterFault is what every load under a fault must show at the end: the read
// model converged to each workflow's state, timelines and outbox without a
// repeat, one ticket per key, no workflow beyond the accepted tickets.
func afterFault(t *testing.T, tc client.Client, st *store.Store, runID string, n int, within time.Duration) {
	t.Helper()
	rows, err := loadgen.DBReadModel{Store: st}.RunRows(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	numbers := make([]string, len(rows))
	for i, r := range rows {
		numbers[i] = r.Number
	}
	checkOneTicketPerKey(t, st, rows, n)
	states := converge(t, tc, st, numbers, within)
	checkTimelines(t, st, states)
	checkOutbox(t, st, numbers)
	checkWorkflowCount(t, tc, n)
}

// waitRows waits until the run has at least want rows. A load that ends
// first fails the test: a kill after it would prove nothing about a kill
// during a load.
func waitRows(t *testing.T, st *store.Store, runID string, want int, loadDone <-chan struct{}) {
	t.Helper()
	for {
		rows, err := loadgen.DBReadModel{Store: st}.RunRows(context.Background(), runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) >= want {
			return
		}
		select {
		case <-loadDone:
			t.Fatalf("the load ended with %d of the %d rows awaited before the kill", len(rows), want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The worker process is killed with SIGKILL while tickets are filed,
// answered, objected to and withdrawn through a separate API process, and
// started again. Actions that found no worker were answered 503 and retried
// with their Idempotency-Key; tasks the dead worker held were handed out
// again. Every ticket ends as its lifecycle says, once.
func TestFaultWorkerSIGKILLDuringLoad(t *testing.T) {
	n := faultTickets(t, 60, 2000)
	kills := faultSize(1, 4)
	// One address sends every beneficiary action: lift the per-address
	// limit, or the run would measure it.
	p := newProdSystem(t, "TAWASUL_TEMPORAL_UPDATE_TIMEOUT=5s", "TAWASUL_INTAKE_PER_MINUTE=100000")
	p.prepare()
	p.startAPI()
	worker := p.startWorker()
	tc := p.temporal()
	st := openStore(t, p.dsn)

	began := time.Now()
	opts := lifecycleLoad("http://"+p.addr, "workerkill", n, tc, st)
	var rep *loadgen.Report
	var runErr error
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		rep, runErr = loadgen.Run(context.Background(), opts)
	}()
	for k := 1; k <= kills; k++ {
		waitRows(t, st, opts.RunID, k*n/(kills+1), loadDone)
		worker.kill()
		if ps := worker.cmd.ProcessState; ps == nil || ps.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("worker did not die by SIGKILL: %v", ps)
		}
		// The load cannot finish without a worker (its last steps are
		// actions the workflow decides), so one still running now was
		// running when the kill landed; one done now may have been done
		// before it.
		select {
		case <-loadDone:
			t.Fatalf("the load had ended when kill %d landed", k)
		default:
		}
		// Long enough for actions to meet no worker and time out.
		time.Sleep(2 * time.Second)
		worker = p.startWorker()
	}
	<-loadDone
	checkLoad(t, rep, runErr, n)
	loaded := time.Since(began)
	afterFault(t, tc, st, opts.RunID, n, 2*time.Minute)
	t.Logf("%d tickets, worker killed %d times: load %s, retries by operation %v; all checks %s",
		n, kills, loaded.Round(time.Second), retriesByOp(rep), time.Since(began).Round(time.Second))
}

// retriesByOp counts the calls of each operation that had to be sent again
// (after a transport error, a 429 or a 5xx) before they got their answer.
func retriesByOp(rep *loadgen.Report) map[string]int {
	out := map[string]int{}
	for name, op := range rep.Ops {
		if op.Retries > 0 {
			out[name] = op.Retries
		}
	}
	return out
}

// While a load runs, every connection the system holds to PostgreSQL is
// terminated again and again (pg_terminate_backend, only this test's
// connections, told apart by application_name). Requests that failed with a
// 5xx were retried with their Idempotency-Key, activities retried until the
// database answered, and the read model ends where every workflow is.
func TestFaultPostgresConnectionsKilledDuringLoad(t *testing.T) {
	n := faultTickets(t, 60, 2000)
	// The store reports each failed statement on the default logger: counted
	// here, not printed by the thousand.
	failures := &countingHandler{}
	prev := slog.Default()
	slog.SetDefault(slog.New(failures))
	t.Cleanup(func() { slog.SetDefault(prev) })
	base := pgSchema(t)
	name := "tawasul-fault-" + searchPath(t, base)
	sys := start(t, withQuery(base, "application_name", name), "postgres")
	st := openStore(t, base)

	admin, err := sql.Open("pgx", pgDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed atomic.Int64
	stop := make(chan struct{})
	killerDone := make(chan error, 1)
	go func() {
		killerDone <- func() error {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return nil
				case <-time.After(time.Duration(200+(i*137)%600) * time.Millisecond):
				}
				var k int64
				err := admin.QueryRow(`SELECT count(*) FROM (
					SELECT pg_terminate_backend(pid) AS gone FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1) t
					WHERE gone`, name).Scan(&k)
				if err != nil {
					return err
				}
				killed.Add(k)
			}
		}()
	}()

	began := time.Now()
	opts := lifecycleLoad(sys.base, "pgkill", n, sys.app.Client, st)
	rep, runErr := loadgen.Run(context.Background(), opts)
	close(stop)
	if err := <-killerDone; err != nil {
		t.Fatalf("terminating connections: %v", err)
	}
	if killed.Load() == 0 {
		t.Fatal("no connection of the system was terminated: the fault did not happen")
	}
	checkLoad(t, rep, runErr, n)
	loaded := time.Since(began)
	afterFault(t, sys.app.Client, st, opts.RunID, n, 3*time.Minute)
	t.Logf("%d tickets, %d connections terminated, %d statements failed: load %s, retries by operation %v; all checks %s",
		n, killed.Load(), failures.n.Load(), loaded.Round(time.Second), retriesByOp(rep), time.Since(began).Round(time.Second))
}

// countingHandler is a slog handler that only counts its records.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// searchPath is the schema a pgSchema DSN points at.
func searchPath(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Query().Get("search_path") == "" {
		t.Fatalf("no search_path in the DSN (%v)", err)
	}
	return u.Query().Get("search_path")
}

// Storms of one Idempotency-Key: many clients send the same filing with the
// same key at once (a double click, a retrying gateway). Each key makes one
// ticket; every 201 names it with the same number and tracking code, and only
// one of them is not a replay. Under one key a different body is refused
// (422 idempotency_key_reused) whichever body came first.
func TestFaultIdempotencyKeyStorm(t *testing.T) {
	keys, per := faultSize(4, 20), faultSize(50, 200)
	readModels(t, func(t *testing.T, s *system) {
		type answer struct {
			key, variant int
			r            response
			err          error
		}
		answers := make([]answer, keys*per)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for k := range keys {
			for g := range per {
				wg.Go(func() {
					// Key 0 is also sent with another body by one client in five.
					variant := 0
					if k == 0 && g%5 == 4 {
						variant = 1
					}
					body := ticketBody("KAU", fmt.Sprintf("storm %d body %d", k, variant))
					<-gate
					r, err := s.send("POST", "/api/v1/tickets", "", body, "Idempotency-Key", fmt.Sprintf("storm-%d", k))
					answers[k*per+g] = answer{key: k, variant: variant, r: r, err: err}
				})
			}
		}
		close(gate)
		wg.Wait()

		type outcome struct {
			numbers, codes map[string]bool
			created        int
			variants       map[int]bool
		}
		byKey := make([]outcome, keys)
		refused := map[int]map[int]int{} // key -> variant -> 422s
		for i := range byKey {
			byKey[i] = outcome{numbers: map[string]bool{}, codes: map[string]bool{}, variants: map[int]bool{}}
		}
		for _, a := range answers {
			switch {
			case a.err != nil:
				t.Fatalf("key %d: %v", a.key, a.err)
			case a.r.Status == http.StatusCreated:
				o := &byKey[a.key]
				o.numbers[str(a.r.Body["number"])] = true
				o.codes[str(a.r.Body["tracking_code"])] = true
				o.variants[a.variant] = true
				if a.r.Header.Get("Idempotent-Replayed") != "true" {
					o.created++
				}
			case a.r.Status == http.StatusUnprocessableEntity && str(a.r.Body["code"]) == "idempotency_key_reused":
				if refused[a.key] == nil {
					refused[a.key] = map[int]int{}
				}
				refused[a.key][a.variant]++
			default:
				t.Fatalf("key %d: %d %s", a.key, a.r.Status, a.r.Raw)
			}
		}
		all := map[string]bool{}
		for k, o := range byKey {
			if len(o.numbers) != 1 || len(o.codes) != 1 || o.created != 1 || len(o.variants) != 1 {
				t.Fatalf("key %d: numbers %v, codes %v, %d not replayed, bodies %v", k, o.numbers, o.codes, o.created, o.variants)
			}
			for n := range o.numbers {
				all[n] = true
			}
			var winner int
			for v := range o.variants {
				winner = v
			}
			for v, c := range refused[k] {
				if v == winner {
					t.Fatalf("key %d: %d requests with the winning body refused", k, c)
				}
			}
		}
		if len(all) != keys {
			t.Fatalf("%d keys made %d distinct tickets", keys, len(all))
		}
		if len(refused[0]) == 0 {
			t.Fatal("no request under key 0 was refused: the other body made no attempt")
		}

		// The read model and Temporal hold those tickets and nothing more.
		list := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?entity=KAU&limit=200", "t-admin", nil))
		if items, _ := list.Body["items"].([]any); len(items) != keys {
			t.Fatalf("the read model has %d tickets for %d keys", len(items), keys)
		}
		numbers := make([]string, 0, keys)
		for n := range all {
			numbers = append(numbers, n)
		}
		slices.Sort(numbers)
		checkWorkflowCount(t, s.app.Client, keys)
		converge(t, s.app.Client, s.app.Store, numbers, 30*time.Second)
	})
}

// fileLoad files n generated tickets on conc goroutines, each call retried
// with the filing's Idempotency-Key; filed counts the 201s as they come.
// It returns the filings that were never accepted.
func fileLoad(ctx context.Context, cl *loadgen.Client, gen *loadgen.Generator, n, conc int, token string,
	acc *loadgen.Accepted, filed *atomic.Int64) []string {
	var mu sync.Mutex
	var failed []string
	seqs := make([]string, n)
	for i := range seqs {
		seqs[i] = strconv.Itoa(i)
	}
	each(seqs, conc, func(s string) {
		i, _ := strconv.Atoi(s)
		req := gen.Request(i)
		res := cl.Do(ctx, loadgen.Call{Method: http.MethodPost, Path: "/api/v1/tickets", Token: token,
			Header: map[string]string{"Idempotency-Key": req.Key}, Body: req.Body})
		var c loadgen.Created
		if res.OK() {
			if err := json.Unmarshal(res.Body, &c); err != nil || c.Number == "" {
				res.Class = "bad 201 body"
			}
		}
		if !res.OK() {
			mu.Lock()
			failed = append(failed, fmt.Sprintf("filing %d: %s after %d attempts", i, res.Class, res.Attempts))
			mu.Unlock()
			return
		}
		acc.Add(i, c, res.Replayed && res.Attempts == 1)
		filed.Add(1)
	})
	return failed
}

// The built `tawasul dev` (file data) is killed with SIGKILL while tickets
// pour in under a policy of second-long allowances, and started again on the
// same data directory. Every ticket accepted before, during and after the
// kill is in the read model and in Temporal, once; the deadline timers that
// were pending at the kill fire after the restart, and the rungs they start
// fire in turn. The restarted system numbers new tickets after the old ones
// and stops cleanly on Ctrl-C.
func TestFaultDevSIGKILLDuringLoad(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is POSIX (machine lacks it)")
	}
	n := faultTickets(t, 40, 1000)
	kills := faultSize(1, 3)
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tawasul.yaml")
	yaml := fmt.Sprintf("dev:\n  demo: false\nauth:\n  tokens:\n    - {name: admin, hash: %s, role: admin}\n    - {name: agent, hash: %s, role: agent}\n",
		app.HashToken("t-admin"), app.HashToken("t-agent"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	temporalPort := freePort(t)

	p := startDev(t, bin, cfg, data, addr, temporalPort)
	s := &system{t: t, base: "http://" + addr}
	// The first answer is due after a few seconds, and so is the end of the
	// first rung; the second rung lasts an hour, where every ticket settles.
	allowance := 8 * time.Second
	policy := secondsPolicy(allowance.String(), "1h")
	for _, rung := range policy["ladder"].([]map[string]any)[1:] {
		rung["allowance"] = "1h"
	}
	s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", policy))

	ctx := context.Background()
	cl := loadgen.NewClient(s.base, 8, 30*time.Second, 25)
	var es []loadgen.Entity
	if err := cl.GetJSON(ctx, "/api/v1/entities", "", &es); err != nil {
		t.Fatal(err)
	}
	gen, err := loadgen.NewGenerator(7, "devkill", loadgen.DefaultMix(), es)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	acc := loadgen.NewAccepted()
	var filed atomic.Int64
	var failed []string
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		failed = fileLoad(ctx, cl, gen, n, 8, "t-agent", acc, &filed)
	}()
	var killedAt []time.Time
	for k := 1; k <= kills; k++ {
		for filed.Load() < int64(k*n/(kills+1)) {
			select {
			case <-loadDone:
				t.Fatalf("the load ended before kill %d: %d filed, failures %v", k, filed.Load(), failed)
			case <-time.After(20 * time.Millisecond):
			}
		}
		p.kill()
		if st := p.cmd.ProcessState; st == nil || st.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("process did not die by SIGKILL: %v", st)
		}
		killedAt = append(killedAt, time.Now())
		p = startDev(t, bin, cfg, data, addr, temporalPort)
	}
	<-loadDone
	loaded := time.Since(began)
	if len(failed) > 0 {
		t.Fatalf("%d filings never accepted:\n  %s", len(failed), listed(failed))
	}
	numbers := acc.Numbers()
	if len(numbers) != n {
		t.Fatalf("%d filings accepted as %d numbers", n, len(numbers))
	}

	// The dev process sealed its payloads under the key it keeps in data.
	codec, err := app.PayloadCodec(config.Config{Secrets: config.SecretsConfig{PayloadKeyFile: filepath.Join(data, "payload-keys")}})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := app.Dial(context.Background(), config.TemporalConfig{Namespace: "default"}, fmt.Sprintf("127.0.0.1:%d", temporalPort),
		codec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	st := openStore(t, "sqlite://"+filepath.Join(data, "tawasul.db"))
	chk := loadgen.Checker{ReadModel: loadgen.DBReadModel{Store: st}, Temporal: tc, Settle: time.Minute, Conc: 8}
	rep, err := chk.Check(ctx, gen.RunID(), acc)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Rows != n || rep.Workflows != n {
		t.Fatalf("after %d kills: %+v", kills, rep)
	}

	// Every ticket climbs to the second rung: its first deadline's timer and
	// then its first rung's child both fired, whenever they were set.
	// Escalations come in a burst as large as the load, which an embedded
	// server on a shared two-core machine works off at a few per second.
	climbing := numbers
	deadline := time.Now().Add(90*time.Second + time.Duration(n)*time.Second)
	for len(climbing) > 0 {
		var still []string
		for _, num := range climbing {
			if tk, err := st.GetTicket(ctx, num); err != nil || tk.EscalationLevel < 2 {
				still = append(still, num)
			}
		}
		climbing = still
		if len(climbing) > 0 && time.Now().After(deadline) {
			t.Fatalf("%d tickets below escalation level 2:\n  %s", len(climbing), listed(stuckReport(ctx, tc, st, climbing)))
		}
		time.Sleep(500 * time.Millisecond)
	}
	climbed := time.Since(began)
	// A timer pending at a kill (filed before it, due after it) fired after
	// the restart: nothing ran in between.
	pending := 0
	var problems []string
	var late []time.Duration
	for i := range n {
		c, _ := acc.Get(i)
		evs, err := st.Timeline(ctx, c.Number, false)
		if err != nil {
			t.Fatal(err)
		}
		j := slices.IndexFunc(evs, func(e store.TicketEvent) bool { return e.Type == workflows.EventEscalated && e.Level == 1 })
		if j >= 0 {
			late = append(late, evs[j].At.Sub(c.SLADueAt))
		}
		var kill time.Time
		for _, k := range killedAt {
			if c.CreatedAt.Before(k) && c.SLADueAt.After(k) {
				kill = k
			}
		}
		if kill.IsZero() {
			continue
		}
		pending++
		if j < 0 || evs[j].At.Before(c.SLADueAt) || !evs[j].At.After(kill) {
			problems = append(problems, fmt.Sprintf("%s filed %s due %s, killed %s: escalation %v",
				c.Number, c.CreatedAt.Format(time.StampMilli), c.SLADueAt.Format(time.StampMilli), kill.Format(time.StampMilli), evs))
		}
	}
	slices.Sort(late)
	if pending == 0 {
		t.Fatal("no deadline was pending at a kill: the fault missed the timers")
	}
	if len(problems) > 0 {
		t.Fatalf("%d timers pending at a kill misfired:\n  %s", len(problems), listed(problems))
	}
	states := converge(t, tc, st, numbers, time.Minute)
	checkTimelines(t, st, states)
	checkOutbox(t, st, numbers)
	checkWorkflowCount(t, tc, n)

	// The restarted system still takes new tickets, numbered after the old ones.
	if num, _ := s.file(ticketBody("KSU", "after restart")); num <= numbers[len(numbers)-1] {
		t.Fatalf("new number %s not after %s", num, numbers[len(numbers)-1])
	}
	// Ctrl-C stops it cleanly: exit status 0, in good time.
	p.interrupt(t)
	t.Logf("%d tickets, %d kills, %d deadlines pending at a kill fired after the restart; first escalations late by %s (median) to %s; "+
		"load %s, all at level 2 at %s, all checks %s", n, kills, pending,
		late[len(late)/2].Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond),
		loaded.Round(time.Second), climbed.Round(time.Second), time.Since(began).Round(time.Second))
}

// stuckReport says of each ticket where its row, its workflow's state and
// its workflow's execution stand, for a test that waited in vain.
func stuckReport(ctx context.Context, tc client.Client, st *store.Store, numbers []string) []string {
	var out []string
	for _, num := range numbers[:min(len(numbers), 10)] {
		line := num + ":"
		if tk, err := st.GetTicket(ctx, num); err == nil {
			line += fmt.Sprintf(" row %s level %d v%d due %s;", tk.Status, tk.EscalationLevel, tk.Version, tk.SLADueAt.Format(time.StampMilli))
		}
		if ws, err := queryState(ctx, tc, num); err == nil {
			line += fmt.Sprintf(" workflow %s level %d v%d due %s;", ws.Status, ws.EscalationLevel, ws.Version, ws.SLADueAt.Format(time.StampMilli))
		} else {
			line += " query: " + err.Error() + ";"
		}
		if d, err := tc.DescribeWorkflowExecution(ctx, workflows.TicketWorkflowID(num), ""); err == nil {
			line += fmt.Sprintf(" execution %s", d.WorkflowExecutionInfo.Status)
			for _, a := range d.PendingActivities {
				line += fmt.Sprintf(", activity %s attempt %d state %s last failure %q", a.ActivityType.GetName(), a.Attempt, a.State, a.LastFailure.GetMessage())
			}
			for _, c := range d.PendingChildren {
				line += fmt.Sprintf(", child %s", c.WorkflowId)
			}
			if wt := d.PendingWorkflowTask; wt != nil {
				line += fmt.Sprintf(", workflow task %s attempt %d", wt.State, wt.Attempt)
			}
		} else {
			line += " describe: " + err.Error()
		}
		out = append(out, line)
	}
	return out
}
