package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report is everything a run measured; its JSON form is what --json prints.
type Report struct {
	Mode        string    `json:"mode"`
	Target      string    `json:"target"`
	RunID       string    `json:"run_id"`
	Seed        uint64    `json:"seed"`
	N           int       `json:"n,omitempty"`
	Concurrency int       `json:"concurrency"`
	Rate        float64   `json:"rate,omitempty"`
	DurationSec float64   `json:"duration_sec,omitempty"`
	Started     time.Time `json:"started"`
	Entities    int       `json:"entities,omitempty"`
	Machine     *Machine  `json:"machine,omitempty"`
	Filings     int       `json:"filings"`

	ElapsedSec     float64 `json:"elapsed_sec"`
	Throughput     float64 `json:"throughput"`
	ThroughputUnit string  `json:"throughput_unit,omitempty"`
	// Latency is the main operation's (create, or the whole lifecycle chain).
	Latency Stats               `json:"latency"`
	Ops     map[string]OpReport `json:"ops"`
	// ErrorsByCode sums failed calls of every operation by class.
	ErrorsByCode map[string]int `json:"errors_by_code"`
	Errors       int            `json:"errors"`
	Retries      int            `json:"retries"`
	// RetriedBy sums every operation's retried attempts by what failed them.
	RetriedBy map[string]int `json:"retried_by,omitempty"`

	MixSent        *MixReport       `json:"mix_sent,omitempty"`
	TestPolicy     int              `json:"test_policy_version,omitempty"`
	PolicyRestored int              `json:"policy_restored_version,omitempty"`
	Soak           *SoakReport      `json:"soak,omitempty"`
	Burst          *BurstReport     `json:"burst,omitempty"`
	Lifecycle      *LifecycleReport `json:"lifecycle,omitempty"`
	Drain          *DrainReport     `json:"drain,omitempty"`
	Check          *CheckReport     `json:"check,omitempty"`
	Ceiling        *CeilingReport   `json:"ceiling,omitempty"`
	// TimerCeiling is a burst's ceiling: bare timers due as its deadlines.
	TimerCeiling *TimerCeiling `json:"timer_ceiling,omitempty"`
	// Ratios divide this run's throughput by the ceiling's matching figure.
	Ratios map[string]float64 `json:"ratios,omitempty"`

	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
}

// MixReport is the share (percent) of each value among the filings sent.
type MixReport struct {
	Kinds       map[string]float64 `json:"kinds"`
	Channels    map[string]float64 `json:"channels"`
	Priorities  map[string]float64 `json:"priorities"`
	Types       map[string]float64 `json:"beneficiary_types"`
	Entities    int                `json:"entities_used"`
	Nationality map[string]float64 `json:"nationality"`
}

func (rep *Report) throughput(rc *Recorder, op string, el time.Duration, unit string) {
	ops := rc.Report()
	rep.ElapsedSec = round2(el.Seconds())
	rep.Throughput = rate(int64(ops[op].OK), el)
	rep.ThroughputUnit = unit
	rep.Latency = ops[op].Latency
}

// finish totals the errors and decides whether the run passed.
func (rep *Report) finish(rc *Recorder, maxErrors int) {
	if rep.Machine != nil {
		rep.Machine.LoadEnd = loadAvg()
	}
	rep.Ops = rc.Report()
	rep.ErrorsByCode = map[string]int{}
	for name, op := range rep.Ops {
		if name == "lifecycle" {
			continue // its failures are the failed calls, already counted
		}
		for class, n := range op.Errors {
			rep.ErrorsByCode[class] += n
			rep.Errors += n
		}
		rep.Retries += op.Retries
		for class, n := range op.RetriedBy {
			if rep.RetriedBy == nil {
				rep.RetriedBy = map[string]int{}
			}
			rep.RetriedBy[class] += n
		}
	}
	if c := rep.Ceiling; c != nil && rep.Throughput > 0 {
		rep.Ratios = map[string]float64{}
		switch rep.ThroughputUnit {
		case "tickets/s":
			if c.StartsPerSec > 0 {
				rep.Ratios["intake_per_noop_start"] = round2(rep.Throughput / c.StartsPerSec)
			}
			// Workflows that ran against workflows that ran: the no-ops'
			// completions, the tickets' first tasks recorded.
			if d := rep.Drain; d != nil && d.Pending == 0 && d.Sec > 0 && c.NoopDrainSec > 0 {
				rep.Ratios["intake_drained_per_noop_drained"] = round2(d.PerSec / (float64(c.N) / c.NoopDrainSec))
			}
		case "lifecycles/s":
			if c.LifecyclesPerSec > 0 {
				rep.Ratios["lifecycle_per_minimal_lifecycle"] = round2(rep.Throughput / c.LifecyclesPerSec)
			}
		}
	}
	// A ceiling whose timers shared one instant measures an aligned burst
	// only (the instant can cross the policy's last hour of the day while
	// the ceiling runs, and the burst then falls back to spread deadlines).
	if c, b := rep.TimerCeiling, rep.Burst; c != nil && b != nil && c.Lateness.P99MS > 0 && b.Escalated > 0 &&
		c.Deadline.IsZero() != b.Aligned {
		// Lateness is better lower: this ratio is how many times the
		// platform's own p99 a ticket's escalation took (1 = no cost).
		rep.Ratios = map[string]float64{"burst_p99_lateness_per_timer_p99": round2(b.Lateness.P99MS / c.Lateness.P99MS)}
	}
	if rep.Filings > 0 && rep.Ops["create"].OK == 0 {
		rep.Failures = append(rep.Failures, "no filing was accepted")
	}
	if rep.Errors > maxErrors {
		rep.Failures = append(rep.Failures, fmt.Sprintf("%s, more than --max-errors %d", Plural(rep.Errors, "error", "errors"), maxErrors))
	}
	if rep.Check != nil && !rep.Check.Passed {
		rep.Failures = append(rep.Failures, "end check failed: "+strings.Join(rep.Check.Problems, "; "))
	}
	if b := rep.Burst; b != nil && b.NotEscalated > 0 {
		rep.Failures = append(rep.Failures, fmt.Sprintf("%s never escalated", Plural(b.NotEscalated, "burst ticket", "burst tickets")))
	}
	if c := rep.Ceiling; c != nil && c.StartErrors+c.LifecycleErrors > 0 {
		rep.Failures = append(rep.Failures, fmt.Sprintf("ceiling: %d start and %s", c.StartErrors, Plural(c.LifecycleErrors, "lifecycle error", "lifecycle errors")))
	}
	if c := rep.TimerCeiling; c != nil && (c.StartErrors > 0 || c.Fired < c.N) {
		rep.Failures = append(rep.Failures, fmt.Sprintf("timer ceiling: %s, %d of %d fired", Plural(c.StartErrors, "start error", "start errors"), c.Fired, c.N))
	}
	rep.Passed = len(rep.Failures) == 0
}

// observedMix recomputes the first n requests (cheap, deterministic) and
// counts what was sent.
func (r *runner) observedMix(n int) *MixReport {
	if n == 0 {
		return nil
	}
	m := &MixReport{Kinds: map[string]float64{}, Channels: map[string]float64{}, Priorities: map[string]float64{},
		Types: map[string]float64{}, Nationality: map[string]float64{}}
	used := map[string]bool{}
	for i := range n {
		b := r.gen.Request(i).Body
		m.Kinds[string(b.Kind)]++
		m.Channels[string(b.Channel)]++
		m.Priorities[string(b.Priority)]++
		m.Types[string(b.Beneficiary.Type)]++
		m.Nationality[string(b.Beneficiary.Nationality)]++
		used[b.Entity] = true
	}
	for _, mp := range []map[string]float64{m.Kinds, m.Channels, m.Priorities, m.Types, m.Nationality} {
		for k, v := range mp {
			mp[k] = round2(v * 100 / float64(n))
		}
	}
	m.Entities = len(used)
	return m
}

// WriteJSON prints the report as one JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WritePlain prints the report for people; its last line is the one-line
// summary (Summary).
func (rep *Report) WritePlain(w io.Writer) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-11s %s\n", label, fmt.Sprintf(format, args...))
	}
	if rep.Mode == ModeCeiling {
		p("run", "%s  id %s", rep.Mode, rep.RunID)
	} else {
		p("run", "%s  id %s  seed %d  target %s", rep.Mode, rep.RunID, rep.Seed, rep.Target)
	}
	if m := rep.Machine; m != nil {
		p("machine", "%s/%s, %d CPUs, load average %s at the start, %s at the end", m.OS, m.Arch, m.CPUs, m.LoadStart, m.LoadEnd)
	}
	if rep.Filings > 0 {
		switch {
		case rep.Mode == ModeSoak:
			p("load", "%s in %.1fs at concurrency ≤%d (target %.1f/s for %.0fs)", Plural(rep.Filings, "filing", "filings"), rep.ElapsedSec,
				rep.Concurrency, rep.Rate, rep.DurationSec)
		default:
			p("load", "%s at concurrency %d in %.1fs over %s", unitCount(rep.Filings, rep.ThroughputUnit),
				rep.Concurrency, rep.ElapsedSec, Plural(rep.Entities, "entity", "entities"))
		}
		p("throughput", "%.1f %s", rep.Throughput, rep.ThroughputUnit)
		p("latency", "%s", latencyLine(rep.Latency))
		for _, name := range sortedKeys(rep.Ops) {
			op := rep.Ops[name]
			if name == mainOp(rep) || op.OK+sumValues(op.Errors) == 0 {
				continue
			}
			p("  "+name, "%d ok  %s", op.OK, latencyLine(op.Latency))
		}
		p("errors", "%s", errorsLine(rep.ErrorsByCode))
		if rep.Retries > 0 {
			p("retries", "%d, after %s (every retry reuses its Idempotency-Key)", rep.Retries, errorsLine(rep.RetriedBy))
		} else {
			p("retries", "0 (every retry reuses its Idempotency-Key)")
		}
	}
	if m := rep.MixSent; m != nil {
		p("mix", "kinds %s", shares(m.Kinds))
		p("", "channels %s", shares(m.Channels))
		p("", "priorities %s", shares(m.Priorities))
		p("", "beneficiaries %s", shares(m.Types))
		p("", "nationality %s; %s used", shares(m.Nationality), Plural(m.Entities, "entity", "entities"))
	}
	if l := rep.Lifecycle; l != nil {
		p("fates", "answered %d  objected %d  withdrawn %d", l.Fates[FateAnswered], l.Fates[FateObjected], l.Fates[FateWithdrawn])
	}
	if s := rep.Soak; s != nil {
		p("soak", "achieved %.1f/s of %.1f/s; %s left behind schedule", s.AchievedRate, s.TargetRate, Plural(s.Behind, "filing", "filings"))
	}
	if b := rep.Burst; b != nil {
		how := b.Allowance + " after each filing, 24x7 clock"
		if b.Aligned {
			how = "every ticket filed before the office opened due a minute after"
		}
		p("burst", "policy v%d (%s); deadlines %s → %s (spread %.1fs)", b.TestPolicy, how,
			b.FirstDeadline.Format(time.TimeOnly), b.LastDeadline.Format(time.TimeOnly), b.SpreadSec)
		p("lateness", "%d escalated, %d not; %s", b.Escalated, b.NotEscalated, latencyLine(b.Lateness))
	}
	if d := rep.Drain; d != nil {
		if d.Pending == 0 {
			p("drain", "every ticket recorded by its workflow %.1fs after the first filing: %.1f tickets/s (read every %.0fs)",
				d.Sec, d.PerSec, d.EverySec)
		} else {
			// A speed figure, not a check: the workflows run later, not never
			// (the end check counts them).
			p("drain", "%d recorded by their workflow, %d not yet when the wait (--settle) ended", d.Recorded, d.Pending)
		}
	}
	if rep.PolicyRestored > 0 {
		p("policy", "test policy v%d; the previous one saved again as v%d", rep.TestPolicy, rep.PolicyRestored)
	}
	if c := rep.Check; c != nil {
		verdict := "PASS"
		if !c.Passed {
			verdict = "FAIL"
		}
		p("check", "%s  accepted %d, rows %d, workflows %d  (read model: %s; Temporal: %s; %.1fs)", verdict,
			c.Accepted, c.Rows, c.Workflows, c.ReadModel, c.Temporal, c.SettledSec)
		if c.WindowWorkflows > 0 {
			p("", "ticket workflows started since the run began: %d (any other traffic included)", c.WindowWorkflows)
		}
		for _, l := range []struct {
			what string
			xs   []string
		}{{"no row", c.LostRows}, {"no workflow", c.LostWorkflows}, {"never accepted", c.Extra},
			{"duplicate", c.Duplicates}, {"status", c.WrongStatus}} {
			if len(l.xs) > 0 {
				p("", "%s: %s", l.what, strings.Join(l.xs, ", "))
			}
		}
	}
	if c := rep.Ceiling; c != nil {
		p("ceiling", "Temporal alone, %d each at concurrency %d, task queue %s:", c.N, c.Concurrency, c.TaskQueue)
		p("", "no-op starts %.1f/s  %s  (all completed after %.1fs)", c.StartsPerSec, latencyLine(c.StartLatency), c.NoopDrainSec)
		p("", "minimal lifecycles %.1f/s  %s", c.LifecyclesPerSec, latencyLine(c.LifecycleLatency))
		for _, k := range sortedKeys(rep.Ratios) {
			p("ratio", "%s %.2f", k, rep.Ratios[k])
		}
	}
	if c := rep.TimerCeiling; c != nil {
		due := "all due at " + c.Deadline.Format(time.TimeOnly)
		if c.Deadline.IsZero() {
			due = "each due a fixed time after its start"
		}
		p("ceiling", "Temporal alone, %s (%s), started at %.1f/s by concurrency %d in %.1fs, task queue %s:",
			Plural(c.N, "bare timer", "bare timers"), due, c.StartsPerSec, c.Concurrency, c.StartsEndedSec, c.TaskQueue)
		p("", "%d fired; lateness %s", c.Fired, latencyLine(c.Lateness))
		for _, k := range sortedKeys(rep.Ratios) {
			p("ratio", "%s %.2f", k, rep.Ratios[k])
		}
		if b := rep.Burst; b != nil && c.Deadline.IsZero() == b.Aligned {
			p("ratio", "none: the bare timers and the burst's deadlines fell due in different ways")
		}
	}
	for _, f := range rep.Failures {
		p("failure", "%s", f)
	}
	fmt.Fprintln(w, rep.Summary())
}

// Summary is the report in one line, for logs and CI.
func (rep *Report) Summary() string {
	var b strings.Builder
	if rep.Passed {
		b.WriteString("PASS ")
	} else {
		b.WriteString("FAIL ")
	}
	b.WriteString(rep.Mode)
	if rep.Filings > 0 {
		fmt.Fprintf(&b, " n=%d c=%d %.1f %s p50=%s p99=%s errors=%d retries=%d", rep.Filings, rep.Concurrency,
			rep.Throughput, rep.ThroughputUnit, fmtMS(rep.Latency.P50MS), fmtMS(rep.Latency.P99MS), rep.Errors, rep.Retries)
	}
	if c := rep.Check; c != nil {
		fmt.Fprintf(&b, " check=%s(%d/%d/%d)", map[bool]string{true: "pass", false: "fail"}[c.Passed], c.Accepted, c.Rows, c.Workflows)
	}
	if d := rep.Drain; d != nil && d.Pending == 0 {
		fmt.Fprintf(&b, " drained=%.1fs", d.Sec)
	}
	if bu := rep.Burst; bu != nil {
		fmt.Fprintf(&b, " lateness_p99=%s", fmtMS(bu.Lateness.P99MS))
	}
	if c := rep.Ceiling; c != nil {
		fmt.Fprintf(&b, " ceiling=%.1f starts/s,%.1f lifecycles/s", c.StartsPerSec, c.LifecyclesPerSec)
	}
	if c := rep.TimerCeiling; c != nil {
		fmt.Fprintf(&b, " ceiling_lateness_p99=%s", fmtMS(c.Lateness.P99MS))
	}
	for _, k := range sortedKeys(rep.Ratios) {
		fmt.Fprintf(&b, " ratio=%.2f", rep.Ratios[k])
	}
	return b.String()
}

func mainOp(rep *Report) string {
	if rep.Mode == ModeLifecycle {
		return "lifecycle"
	}
	return "create"
}

// unitCount is n lifecycles or tickets, as the throughput's unit counts.
func unitCount(n int, unit string) string {
	if unit == "lifecycles/s" {
		return Plural(n, "lifecycle", "lifecycles")
	}
	return Plural(n, "ticket", "tickets")
}

// Plural is n with the noun that fits it: "1 entry", "0 entries", "2 entries".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// verb is the singular or plural verb for n subjects ("has"/"have").
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func latencyLine(s Stats) string {
	if s.Count == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s", fmtMS(s.P50MS), fmtMS(s.P95MS), fmtMS(s.P99MS), fmtMS(s.MaxMS))
}

func fmtMS(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.1fms", v)
}

func errorsLine(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	return largestFirst(m, "%s ×%d")
}

func shares(m map[string]float64) string { return largestFirst(m, "%s %.1f%%") }

// largestFirst lists a map's entries, the largest value first (ties by
// name), each formatted with its key and value.
func largestFirst[V int | float64](m map[string]V, format string) string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf(format, k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
