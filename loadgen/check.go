package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Row is a read-model ticket as the end check sees it.
type Row struct {
	Number          string        `json:"number"`
	Subject         string        `json:"subject"`
	Status          domain.Status `json:"status"`
	WorkflowStarted *bool         `json:"workflow_started,omitempty"` // unknown through the API
	// Version is 0 until the ticket's workflow has recorded it.
	Version int64 `json:"version"`
}

// ReadModel finds the rows of one run.
type ReadModel interface {
	// RunRows lists every ticket whose subject carries the run's marker.
	RunRows(ctx context.Context, runID string) ([]Row, error)
	Name() string
}

// runFragment is what every subject of the run contains.
func runFragment(runID string) string { return "[lg-" + runID + "-" }

// DBReadModel reads the system's own database: exact, and blind to nothing
// the API might hide.
type DBReadModel struct{ Store *store.Store }

func (d DBReadModel) Name() string { return "database (" + d.Store.Dialect() + ")" }

func (d DBReadModel) RunRows(ctx context.Context, runID string) ([]Row, error) {
	refs, err := d.Store.TicketRefsBySubject(ctx, runFragment(runID))
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(refs))
	for _, r := range refs {
		started := r.WorkflowStarted
		out = append(out, Row{Number: r.Number, Subject: r.Subject, Status: r.Status, WorkflowStarted: &started, Version: r.Version})
	}
	return out, nil
}

// APIReadModel pages through the staff inbox of every status when the
// database is out of reach (an in-memory dev system). The inbox is keyset
// paged on the deadline, which moves as tickets change, so a row can slip
// between pages: Lookup then asks for each missing number by itself.
type APIReadModel struct {
	Client *Client
	Token  string // a staff token that sees every entity (admin, agent, supervisor)
}

func (a APIReadModel) Name() string { return "API (staff inbox)" }

func (a APIReadModel) RunRows(ctx context.Context, runID string) ([]Row, error) {
	frag := runFragment(runID)
	statuses := make([]string, 0, len(domain.Statuses()))
	for _, s := range domain.Statuses() {
		statuses = append(statuses, string(s))
	}
	q := url.Values{"limit": {"200"}, "status": {strings.Join(statuses, ",")}}
	var out []Row
	for {
		var page struct {
			Items      []Row  `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := a.Client.GetJSON(ctx, "/api/v1/tickets?"+q.Encode(), a.Token, &page); err != nil {
			return nil, fmt.Errorf("listing tickets: %w", err)
		}
		for _, r := range page.Items {
			if strings.Contains(r.Subject, frag) {
				out = append(out, r)
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}

// Lookup fetches the given tickets one by one; absent ones are left out.
func (a APIReadModel) Lookup(ctx context.Context, numbers []string, c int) ([]Row, error) {
	var mu sync.Mutex
	var out []Row
	var firstErr error
	pool(ctx, len(numbers), c, func(ctx context.Context, i int) {
		r := a.Client.Do(ctx, Call{Method: "GET", Path: "/api/v1/tickets/" + numbers[i], Token: a.Token})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.OK():
			var row Row
			if err := json.Unmarshal(r.Body, &row); err == nil {
				out = append(out, row)
			}
		case r.Status == 404:
		default:
			if firstErr == nil {
				firstErr = fmt.Errorf("GET ticket %s: %s", numbers[i], r.Class)
			}
		}
	})
	return out, firstErr
}

// Accepted is what the API confirmed with a 201: one ticket number per
// filing. Two filings answered with one number, or a filing answered as a
// replay on its first attempt (its key existed before the run), are
// recorded as conflicts.
type Accepted struct {
	mu        sync.Mutex
	bySeq     map[int]Created
	byNumber  map[string]int
	conflicts []string
}

// Created is the part of a 201 the run keeps.
type Created struct {
	Number       string    `json:"number"`
	TrackingCode string    `json:"tracking_code"`
	Status       string    `json:"status"`
	SLADueAt     time.Time `json:"sla_due_at"`
	Entity       string    `json:"entity"`
	CreatedAt    time.Time `json:"created_at"`
}

func NewAccepted() *Accepted {
	return &Accepted{bySeq: map[int]Created{}, byNumber: map[string]int{}}
}

// Add records filing seq's answer.
func (a *Accepted) Add(seq int, c Created, replayedFirst bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if replayedFirst {
		a.conflicts = append(a.conflicts, fmt.Sprintf("filing %d: its first attempt was answered as a replay of %s", seq, c.Number))
	}
	if prev, ok := a.bySeq[seq]; ok && prev.Number != c.Number {
		a.conflicts = append(a.conflicts, fmt.Sprintf("filing %d answered as %s and as %s", seq, prev.Number, c.Number))
	}
	if other, ok := a.byNumber[c.Number]; ok && other != seq {
		a.conflicts = append(a.conflicts, fmt.Sprintf("%s answered to filings %d and %d", c.Number, other, seq))
	}
	a.bySeq[seq] = c
	a.byNumber[c.Number] = seq
}

// Get is filing seq's ticket.
func (a *Accepted) Get(seq int) (Created, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.bySeq[seq]
	return c, ok
}

// Numbers are the distinct accepted numbers, sorted.
func (a *Accepted) Numbers() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.byNumber))
	for n := range a.byNumber {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Inject adds a number no filing produced: how a test proves that the
// check can fail.
func (a *Accepted) Inject(number string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byNumber[number] = -1
}

// CheckReport is the end check: accepted == rows == workflows, none lost,
// none duplicated.
type CheckReport struct {
	Passed    bool   `json:"passed"`
	ReadModel string `json:"read_model"`
	Temporal  string `json:"temporal"`
	Accepted  int    `json:"accepted"`
	Rows      int    `json:"rows"`
	Workflows int    `json:"workflows"`
	// WindowWorkflows counts every ticket workflow started since the run
	// began: more than Workflows when others filed meanwhile.
	WindowWorkflows int      `json:"window_workflows"`
	LostRows        []string `json:"lost_rows,omitempty"`
	LostWorkflows   []string `json:"lost_workflows,omitempty"`
	Extra           []string `json:"extra_rows,omitempty"`
	Duplicates      []string `json:"duplicates,omitempty"`
	Unstarted       int      `json:"unstarted,omitempty"`
	WrongStatus     []string `json:"wrong_status,omitempty"`
	SettledSec      float64  `json:"settled_sec"`
	Problems        []string `json:"problems,omitempty"`
}

// Checker compares what the API accepted with the read model and Temporal.
type Checker struct {
	ReadModel ReadModel
	Temporal  client.Client // nil: Temporal is not checked (reported)
	// Settle bounds the wait for late rows, late starts (the API's
	// pending-start loop) and visibility lag.
	Settle time.Duration
	// Expect, when set, is the statuses each number may end in.
	Expect func(number string) []domain.Status
	Since  time.Time // the run's start, for the window count
	Conc   int
}

const maxListed = 20

// Check waits up to Settle for the counts to agree, then reports.
func (ch Checker) Check(ctx context.Context, runID string, acc *Accepted) (*CheckReport, error) {
	began := time.Now()
	deadline := began.Add(ch.Settle)
	var rep *CheckReport
	for {
		var err error
		rep, err = ch.once(ctx, runID, acc)
		if err != nil {
			return nil, err
		}
		if rep.Passed || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		if sleepCtx(ctx, time.Second) != nil {
			break
		}
	}
	rep.SettledSec = round2(time.Since(began).Seconds())
	return rep, nil
}

func (ch Checker) once(ctx context.Context, runID string, acc *Accepted) (*CheckReport, error) {
	accepted := acc.Numbers()
	rep := &CheckReport{ReadModel: ch.ReadModel.Name(), Accepted: len(accepted)}
	acc.mu.Lock()
	rep.Duplicates = append(rep.Duplicates, acc.conflicts...)
	acc.mu.Unlock()

	rows, err := ch.ReadModel.RunRows(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("end check: reading the read model: %w", err)
	}
	byNumber := map[string]Row{}
	bySeq := map[int][]string{}
	for _, r := range rows {
		byNumber[r.Number] = r
		if _, seq, ok := ParseMarker(r.Subject); ok {
			bySeq[seq] = append(bySeq[seq], r.Number)
		}
	}
	var missing []string
	for _, n := range accepted {
		if _, ok := byNumber[n]; !ok {
			missing = append(missing, n)
		}
	}
	if lk, ok := ch.ReadModel.(interface {
		Lookup(context.Context, []string, int) ([]Row, error)
	}); ok && len(missing) > 0 {
		found, err := lk.Lookup(ctx, missing, max(ch.Conc, 1))
		if err != nil {
			return nil, fmt.Errorf("end check: looking up tickets: %w", err)
		}
		for _, r := range found {
			if strings.Contains(r.Subject, runFragment(runID)) {
				byNumber[r.Number] = r
				if _, seq, ok := ParseMarker(r.Subject); ok && !slices.Contains(bySeq[seq], r.Number) {
					bySeq[seq] = append(bySeq[seq], r.Number)
				}
			}
		}
		missing = missing[:0]
		for _, n := range accepted {
			if _, ok := byNumber[n]; !ok {
				missing = append(missing, n)
			}
		}
	}
	rep.Rows = len(byNumber)
	rep.LostRows = firstN(missing)
	acceptedSet := make(map[string]bool, len(accepted))
	for _, n := range accepted {
		acceptedSet[n] = true
	}
	var extra []string
	for n := range byNumber {
		if !acceptedSet[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	rep.Extra = firstN(extra)
	seqs := make([]int, 0, len(bySeq))
	for s := range bySeq {
		seqs = append(seqs, s)
	}
	sort.Ints(seqs)
	for _, s := range seqs {
		if ns := bySeq[s]; len(ns) > 1 {
			sort.Strings(ns)
			rep.Duplicates = append(rep.Duplicates, fmt.Sprintf("filing %d has %d rows: %s", s, len(ns), strings.Join(ns, ", ")))
		}
	}
	var wrong []string
	for _, n := range accepted {
		r, ok := byNumber[n]
		if !ok {
			continue
		}
		if r.WorkflowStarted != nil && !*r.WorkflowStarted {
			rep.Unstarted++
		}
		if ch.Expect != nil {
			if want := ch.Expect(n); len(want) > 0 && !slices.Contains(want, r.Status) {
				wrong = append(wrong, fmt.Sprintf("%s is %s, want %v", n, r.Status, want))
			}
		}
	}
	rep.WrongStatus = firstN(wrong)

	// Temporal: every number the read model or the API knows of this run.
	all := append(append([]string{}, accepted...), extra...)
	if ch.Temporal == nil {
		rep.Temporal = "not checked (no Temporal connection)"
	} else {
		found, how, err := countWorkflows(ctx, ch.Temporal, all, max(ch.Conc, 1))
		if err != nil {
			return nil, fmt.Errorf("end check: counting workflows: %w", err)
		}
		rep.Temporal = how
		rep.Workflows = len(found)
		var lost []string
		for _, n := range accepted {
			if !found[n] {
				lost = append(lost, n)
			}
		}
		rep.LostWorkflows = firstN(lost)
		if !ch.Since.IsZero() {
			if n, err := countQuery(ctx, ch.Temporal, fmt.Sprintf("WorkflowType = '%s' AND StartTime >= '%s'", workflows.TicketWorkflowName,
				ch.Since.Add(-time.Second).UTC().Format(time.RFC3339Nano))); err == nil {
				rep.WindowWorkflows = int(n)
			}
		}
	}

	p := &rep.Problems
	if len(missing) > 0 {
		*p = append(*p, fmt.Sprintf("%s %s no row in the read model", Plural(len(missing), "accepted ticket", "accepted tickets"), verb(len(missing), "has", "have")))
	}
	if len(extra) > 0 {
		*p = append(*p, fmt.Sprintf("%s of this run %s never accepted (created without a 201)", Plural(len(extra), "row", "rows"), verb(len(extra), "was", "were")))
	}
	if len(rep.Duplicates) > 0 {
		*p = append(*p, Plural(len(rep.Duplicates), "duplicate", "duplicates"))
	}
	if ch.Temporal != nil && rep.Workflows != len(all) {
		*p = append(*p, fmt.Sprintf("%d of %d %s no workflow in Temporal", len(all)-rep.Workflows, len(all), verb(len(all)-rep.Workflows, "ticket has", "tickets have")))
	}
	if rep.Unstarted > 0 {
		*p = append(*p, fmt.Sprintf("%s still %s for %s workflow start", Plural(rep.Unstarted, "row", "rows"), verb(rep.Unstarted, "waits", "wait"), verb(rep.Unstarted, "its", "their")))
	}
	if len(wrong) > 0 {
		*p = append(*p, fmt.Sprintf("%s did not end in the expected status", Plural(len(wrong), "ticket", "tickets")))
	}
	rep.Passed = len(*p) == 0
	return rep, nil
}

func firstN(xs []string) []string {
	if len(xs) > maxListed {
		return append(xs[:maxListed:maxListed], fmt.Sprintf("… and %d more", len(xs)-maxListed))
	}
	return xs
}

// countWorkflows says which tickets have their workflow in Temporal. It asks
// visibility for the ids in batches; visibility is eventually consistent, so
// the numbers it did not see are confirmed one by one with Describe, which
// reads the execution itself.
func countWorkflows(ctx context.Context, tc client.Client, numbers []string, c int) (map[string]bool, string, error) {
	found := make(map[string]bool, len(numbers))
	how := "visibility count"
	const batch = 100
	for i := 0; i < len(numbers); i += batch {
		part := numbers[i:min(i+batch, len(numbers))]
		ids := make([]string, len(part))
		for j, n := range part {
			ids[j] = "'ticket-" + n + "'"
		}
		q := "WorkflowType = '" + workflows.TicketWorkflowName + "' AND WorkflowId IN (" + strings.Join(ids, ",") + ")"
		n, err := countQuery(ctx, tc, q)
		if err != nil {
			var bad *serviceerror.InvalidArgument
			if !errors.As(err, &bad) {
				return nil, "", err
			}
			how = "describe (visibility refused the query)"
			break
		}
		if int(n) == len(part) {
			for _, num := range part {
				found[num] = true
			}
		}
	}
	var rest []string
	for _, n := range numbers {
		if !found[n] {
			rest = append(rest, n)
		}
	}
	if len(rest) == 0 {
		return found, how, nil
	}
	var mu sync.Mutex
	var firstErr error
	pool(ctx, len(rest), c, func(ctx context.Context, i int) {
		_, err := tc.DescribeWorkflowExecution(ctx, "ticket-"+rest[i], "")
		mu.Lock()
		defer mu.Unlock()
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			found[rest[i]] = true
		case errors.As(err, &nf):
		case firstErr == nil:
			firstErr = err
		}
	})
	if firstErr != nil {
		return nil, "", fmt.Errorf("describing workflows: %w", firstErr)
	}
	if how == "visibility count" && len(rest) < len(numbers) {
		how = "visibility count, the rest by describe"
	}
	return found, how, nil
}

func countQuery(ctx context.Context, tc client.Client, q string) (int64, error) {
	resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
	if err != nil {
		return 0, err
	}
	return resp.GetCount(), nil
}
