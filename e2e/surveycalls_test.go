package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"

	"github.com/tawasul/tawasul/workflows"
)

// The worker puts the survey's daily schedule in place; triggered, its run
// draws the day's list through the real activity and read model, and the
// list answers over HTTP.
func TestSurveyCallsScheduleDrawsTheDay(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := "sqlite://" + t.TempDir() + "/tawasul.db"
			if dialect == "postgres" {
				dsn = pgSchema(t)
			}
			s := startWith(t, dsn, dialect, func(o *app.Options) {
				o.Config.SurveyCalls = config.SurveyCallsConfig{Enabled: true, At: "05:00", Share: 0.05, MaxPerDay: 200}
			})
			surveyCallsDrawn(t, s)
		})
	}
}

// surveyCallsDrawn triggers the schedule and checks its run and the list.
func surveyCallsDrawn(t *testing.T, s *system) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := s.app.Client.ScheduleClient().GetHandle(ctx, workflows.SurveyCallsScheduleID)
	var d *client.ScheduleDescription
	waitFor(t, 20*time.Second, "the schedule in place", func() bool {
		var err error
		d, err = h.Describe(ctx)
		return err == nil
	})
	if d.Schedule.State.Paused {
		t.Fatal("the daily schedule is paused")
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var runID string
	waitFor(t, 20*time.Second, "the triggered run", func() bool {
		d, err := h.Describe(ctx)
		if err != nil || len(d.Info.RecentActions) == 0 {
			return false
		}
		runID = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult.WorkflowID
		return runID != ""
	})
	var r workflows.SurveyCallsResult
	if err := s.app.Client.GetWorkflow(ctx, runID, "").Get(ctx, &r); err != nil {
		t.Fatalf("the run: %v", err)
	}
	if r.Date == "" || r.Total != r.Inserted || r.Target < 0 {
		t.Fatalf("result %+v", r)
	}
	l := s.must(http.StatusOK, s.do("GET", "/api/v1/survey-calls?date="+r.Date, "t-admin", nil))
	if str(l.Body["date"]) != r.Date {
		t.Fatalf("list of %s: %s", r.Date, l.Raw)
	}
	if s.dialect == "sqlite" {
		recordHistory(t, s.app, runID, "surveycalls_scheduled")
	}
}
