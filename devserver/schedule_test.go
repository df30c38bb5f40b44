package devserver

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	tworker "github.com/tawasul/tawasul/worker"
	"github.com/tawasul/tawasul/workflows"
)

// The embedded server runs Temporal schedules (its worker service hosts the
// scheduler): the survey's daily schedule is created once however often the
// workers start, follows the configured time and pause, and a run it starts
// reaches the sampling activity.
func TestSurveyCallsScheduleRunsOnTheEmbeddedServer(t *testing.T) {
	s := start(t, Options{Memory: true, UIPort: -1})
	c := dial(t, s)
	calls := make(chan workflows.SampleSurveyCallsInput, 4)
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(workflows.SurveyCallsWorkflow, workflow.RegisterOptions{Name: workflows.SurveyCallsWorkflowName})
	w.RegisterActivityWithOptions(func(_ context.Context, in workflows.SampleSurveyCallsInput) (workflows.SurveyCallsResult, error) {
		calls <- in
		return workflows.SurveyCallsResult{Date: "2026-03-15"}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySampleSurveyCalls})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := tworker.SurveyCallsSchedule{Enabled: true, Hour: 5, Minute: 30, TimeZone: "Asia/Riyadh"}
	for range 2 { // a second worker start finds the schedule and changes nothing
		if err := tworker.EnsureSurveyCallsSchedule(ctx, c, want); err != nil {
			t.Fatal(err)
		}
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.SurveyCallsScheduleID)
	d, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Schedule.State.Paused || len(d.Info.NextActionTimes) == 0 {
		t.Fatalf("schedule: paused %v, next %v", d.Schedule.State.Paused, d.Info.NextActionTimes)
	}
	// 05:30 in Riyadh (UTC+3, no daylight saving) is 02:30 UTC.
	if next := d.Info.NextActionTimes[0].UTC(); next.Hour() != 2 || next.Minute() != 30 {
		t.Fatalf("next run at %s, want 02:30 UTC", next)
	}
	var listed int
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == workflows.SurveyCallsScheduleID {
			listed++
		}
	}
	if listed > 1 {
		t.Fatalf("%d schedules named %s", listed, workflows.SurveyCallsScheduleID)
	}

	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case in := <-calls:
		if in.Date != "" || in.At.IsZero() {
			t.Fatalf("activity input %+v: want no date and the scheduled time", in)
		}
	case <-ctx.Done():
		t.Fatal("the triggered run never reached the sampling activity")
	}

	// Disabled pauses it; enabled again at another time resumes it there.
	if err := tworker.EnsureSurveyCallsSchedule(ctx, c, tworker.SurveyCallsSchedule{Enabled: false, Hour: 5, Minute: 30, TimeZone: "Asia/Riyadh"}); err != nil {
		t.Fatal(err)
	}
	if d, err = h.Describe(ctx); err != nil || !d.Schedule.State.Paused {
		t.Fatalf("disabled: %+v, %v", d.Schedule.State, err)
	}
	want.Hour = 6
	if err := tworker.EnsureSurveyCallsSchedule(ctx, c, want); err != nil {
		t.Fatal(err)
	}
	if d, err = h.Describe(ctx); err != nil || d.Schedule.State.Paused || len(d.Info.NextActionTimes) == 0 ||
		d.Info.NextActionTimes[0].UTC().Hour() != 3 {
		t.Fatalf("re-enabled at 06:30: %+v %v, %v", d.Schedule.State, d.Info.NextActionTimes, err)
	}
}
