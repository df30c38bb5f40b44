package loadgen

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func sampleReport() *Report {
	rec := NewRecorder()
	for i := range 100 {
		rec.Add("create", Result{Attempts: 1, Latency: time.Duration(10+i) * time.Millisecond})
	}
	rec.Add("create", Result{Attempts: 3, Class: "503 temporal_unavailable", Status: 503})
	rep := &Report{Mode: ModeIntake, Target: "http://127.0.0.1:8080", RunID: "abc", Seed: 1, N: 101,
		Concurrency: 8, Filings: 101, Entities: 141}
	rep.throughput(rec, "create", 2*time.Second, "tickets/s")
	rep.Check = &CheckReport{Passed: true, ReadModel: "fake", Temporal: "visibility count", Accepted: 100, Rows: 100, Workflows: 100}
	rep.Ceiling = &CeilingReport{N: 100, Concurrency: 8, StartsPerSec: 200, LifecyclesPerSec: 40}
	rep.finish(rec, 5)
	return rep
}

func TestReportPlain(t *testing.T) {
	rep := sampleReport()
	if !rep.Passed || rep.Errors != 1 || rep.Retries != 2 || rep.Throughput != 50 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Ratios["intake_per_noop_start"] != 0.25 {
		t.Fatalf("ratios %v", rep.Ratios)
	}
	var b bytes.Buffer
	rep.WritePlain(&b)
	out := b.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"PASS intake", "n=101", "c=8", "50.0 tickets/s", "p50=", "p99=", "errors=1",
		"retries=2", "check=pass(100/100/100)", "ceiling=200.0 starts/s,40.0 lifecycles/s", "ratio=0.25"} {
		if !strings.Contains(last, want) {
			t.Errorf("summary line %q lacks %q", last, want)
		}
	}
	for _, want := range []string{"throughput  50.0 tickets/s", "503 temporal_unavailable ×1",
		"check       PASS  accepted 100, rows 100, workflows 100", "ratio       intake_per_noop_start 0.25"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestReportFails(t *testing.T) {
	rec := NewRecorder()
	rec.Add("create", Result{Attempts: 1, Class: "500", Status: 500})
	rep := &Report{Mode: ModeIntake, Filings: 1}
	rep.Check = &CheckReport{Problems: []string{"1 accepted ticket has no row in the read model"}}
	rep.finish(rec, 0)
	if rep.Passed || len(rep.Failures) != 3 {
		t.Fatalf("failures %v", rep.Failures)
	}
	if !strings.HasPrefix(rep.Summary(), "FAIL intake") || !strings.Contains(rep.Summary(), "check=fail") {
		t.Fatalf("summary %q", rep.Summary())
	}
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, b.String())
	}
	for _, k := range []string{"mode", "throughput", "latency", "errors_by_code", "check", "ceiling", "ratios", "passed"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat := doc["latency"].(map[string]any)
	if lat["p99_ms"].(float64) < lat["p50_ms"].(float64) {
		t.Errorf("latency %v", lat)
	}
}

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.every = 10 * time.Millisecond
	var n atomic.Int64
	p.Start("intake", 10, time.Time{}, n.Load, nil)
	time.Sleep(30 * time.Millisecond)
	n.Store(10)
	p.Stop()
	out := b.String()
	if !strings.Contains(out, "10/10") || strings.Contains(out, "\r") {
		t.Fatalf("non-terminal progress: %q", out)
	}
	b.Reset()
	p = NewProgress(&b, true)
	p.Start("wait", 0, time.Now().Add(time.Second), nil, nil)
	p.Stop()
	if !strings.HasPrefix(b.String(), "\rwait") {
		t.Fatalf("terminal progress: %q", b.String())
	}
}

// A burst's ratio is its p99 lateness over the bare timers' p99, and a
// timer ceiling whose timers did not all fire fails the run.
func TestReportBurstAgainstTimerCeiling(t *testing.T) {
	rec := NewRecorder()
	rec.Add("create", Result{Attempts: 1, Latency: 10 * time.Millisecond})
	rep := &Report{Mode: ModeBurst, Filings: 1}
	rep.Burst = &BurstReport{Aligned: true, Escalated: 1, Lateness: Stats{Count: 1, P99MS: 3000}}
	instant := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	rep.TimerCeiling = &TimerCeiling{N: 2, Fired: 2, Deadline: instant, Lateness: Stats{Count: 2, P99MS: 1200}}
	rep.finish(rec, 0)
	if !rep.Passed || rep.Ratios["burst_p99_lateness_per_timer_p99"] != 2.5 {
		t.Fatalf("passed %v, ratios %v, failures %v", rep.Passed, rep.Ratios, rep.Failures)
	}
	var b bytes.Buffer
	rep.WritePlain(&b)
	for _, want := range []string{"2 bare timers", "2 fired; lateness", "burst_p99_lateness_per_timer_p99 2.50",
		"ceiling_lateness_p99=1.20s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}

	// Timers on one instant do not measure a burst whose deadlines were
	// spread (it fell back from alignment after the ceiling ran), nor the
	// other way round: no ratio then.
	for _, c := range []struct {
		aligned  bool
		deadline time.Time
	}{{false, instant}, {true, time.Time{}}} {
		rep = &Report{Mode: ModeBurst, Filings: 1}
		rep.Burst = &BurstReport{Aligned: c.aligned, Escalated: 1, Lateness: Stats{Count: 1, P99MS: 3000}}
		rep.TimerCeiling = &TimerCeiling{N: 2, Fired: 2, Deadline: c.deadline, Lateness: Stats{Count: 2, P99MS: 1200}}
		rep.finish(rec, 0)
		if _, ok := rep.Ratios["burst_p99_lateness_per_timer_p99"]; ok || !rep.Passed {
			t.Errorf("burst aligned %v, ceiling deadline %v: ratios %v, passed %v", c.aligned, c.deadline, rep.Ratios, rep.Passed)
		}
		b.Reset()
		rep.WritePlain(&b)
		if !strings.Contains(b.String(), "none: the bare timers and the burst") {
			t.Errorf("burst aligned %v: the output does not say why there is no ratio:\n%s", c.aligned, b.String())
		}
	}

	rep = &Report{Mode: ModeBurst, Filings: 1}
	rep.TimerCeiling = &TimerCeiling{N: 2, Fired: 1}
	rep.finish(rec, 0)
	if rep.Passed {
		t.Fatal("a timer ceiling with a timer that never fired passed")
	}
}

// Intake's drain is held against the no-ops' drain (tickets per second
// recorded by their workflow over no-ops per second completed); a drain the
// wait did not see end gives no ratio, and says so.
func TestReportIntakeDrain(t *testing.T) {
	rec := NewRecorder()
	rec.Add("create", Result{Attempts: 1, Latency: 10 * time.Millisecond})
	rep := &Report{Mode: ModeIntake, Filings: 1}
	rep.throughput(rec, "create", time.Second, "tickets/s")
	rep.Ceiling = &CeilingReport{N: 2000, StartsPerSec: 4, NoopDrainSec: 10} // 200 no-ops/s completed
	rep.Drain = &DrainReport{Sec: 20, PerSec: 100, EverySec: 1, Recorded: 2000}
	rep.finish(rec, 0)
	if !rep.Passed || rep.Ratios["intake_drained_per_noop_drained"] != 0.5 || rep.Ratios["intake_per_noop_start"] != 0.25 {
		t.Fatalf("passed %v, ratios %v, failures %v", rep.Passed, rep.Ratios, rep.Failures)
	}
	var b bytes.Buffer
	rep.WritePlain(&b)
	for _, want := range []string{"every ticket recorded by its workflow 20.0s after the first filing: 100.0 tickets/s",
		"intake_drained_per_noop_drained 0.50", "drained=20.0s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}

	rep = &Report{Mode: ModeIntake, Filings: 1}
	rep.throughput(rec, "create", time.Second, "tickets/s")
	rep.Ceiling = &CeilingReport{N: 2000, StartsPerSec: 4, NoopDrainSec: 10}
	rep.Drain = &DrainReport{Recorded: 1990, Pending: 10}
	rep.finish(rec, 0)
	if _, ok := rep.Ratios["intake_drained_per_noop_drained"]; ok {
		t.Fatalf("10 tickets not yet recorded: ratios %v", rep.Ratios)
	}
	b.Reset()
	rep.WritePlain(&b)
	if !strings.Contains(b.String(), "1990 recorded by their workflow, 10 not yet") {
		t.Errorf("output does not say the drain did not end:\n%s", b.String())
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 entries"}, {1, "1 entry"}, {2, "2 entries"}} {
		if got := Plural(c.n, "entry", "entries"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
