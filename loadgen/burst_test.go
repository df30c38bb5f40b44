package loadgen

import (
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tawasul/tawasul/sla"
)

func TestBurstDeadlineRoundsUpToTheMinute(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 14, 30, 0, time.UTC)
	for _, c := range []struct {
		allowance time.Duration
		want      time.Time
	}{
		{2 * time.Minute, time.Date(2026, 11, 23, 9, 17, 0, 0, time.UTC)},
		{90 * time.Second, time.Date(2026, 11, 23, 9, 16, 0, 0, time.UTC)},
		{30 * time.Second, time.Date(2026, 11, 23, 9, 15, 0, 0, time.UTC)},
	} {
		if got := burstDeadline(now, c.allowance); !got.Equal(c.want) {
			t.Errorf("allowance %s: %s, want %s", c.allowance, got, c.want)
		}
	}
}

// Every ticket filed before the aligned office opens must be due at the
// same instant, whatever its kind and priority, and on a holiday or a
// weekend of the policy it came from; one filed after opening is due a
// working minute after its filing.
func TestAlignBurstPutsEveryDeadlineOnOneInstant(t *testing.T) {
	p := sla.Default()
	// A holiday today, and a work week without today, in the policy in force.
	p.Calendar.Holidays = []sla.Holiday{{From: "2026-11-20", To: "2026-11-30", Name: "test"}}
	p.Calendar.WorkDays = []time.Weekday{time.Tuesday}
	due := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 13:00 in Riyadh, a Monday
	if !alignBurst(&p, due) {
		t.Fatal("alignBurst refused an afternoon deadline")
	}
	if errs := p.Validate(); len(errs) > 0 {
		t.Fatalf("the aligned policy does not validate: %v", errs)
	}
	for _, filed := range []time.Time{
		due.Add(-2 * time.Hour), due.Add(-10 * time.Minute), due.Add(-61 * time.Second), due.Add(-time.Minute),
	} {
		for _, r := range p.Responses {
			got, err := p.Calendar.Due(filed, r.Allowance, r.Clock)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(due) {
				t.Fatalf("%s %s filed at %s: due %s, want %s", r.Kind, r.Priority, filed, got, due)
			}
		}
	}
	late := due.Add(-30 * time.Second)
	r := p.Responses[0]
	if got, _ := p.Calendar.Due(late, r.Allowance, r.Clock); !got.Equal(late.Add(time.Minute)) {
		t.Fatalf("filed after opening at %s: due %s, want a minute later", late, got)
	}
}

func TestAlignBurstRefusesTheLastHourBeforeMidnight(t *testing.T) {
	p := sla.Default()
	before := p.Calendar.OpensAt
	// 23:30 in Riyadh: the office would open at 23:29 and close at 23:59.
	if alignBurst(&p, time.Date(2026, 11, 23, 20, 30, 0, 0, time.UTC)) {
		t.Fatal("alignBurst accepted a deadline in the last hour of the day")
	}
	if p.Calendar.OpensAt != before {
		t.Fatalf("a refused alignment changed the policy: opens at %s", p.Calendar.OpensAt)
	}
}

func TestTimerWorkflowReportsItsLateness(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		at   time.Time
		want time.Duration
	}{
		{"due later: wakes on time", start.Add(time.Hour), 0},
		{"due before its first task: late by the difference", start.Add(-3 * time.Second), 3 * time.Second},
	} {
		env := s.NewTestWorkflowEnvironment()
		env.SetStartTime(start)
		env.ExecuteWorkflow(timerWorkflow, c.at)
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("%s: completed %v, error %v", c.name, env.IsWorkflowCompleted(), env.GetWorkflowError())
		}
		var got time.Duration
		if err := env.GetWorkflowResult(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: lateness %s, want %s", c.name, got, c.want)
		}
	}
}
