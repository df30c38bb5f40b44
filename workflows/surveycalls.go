package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The survey's daily call list: a Temporal schedule starts SurveyCallsWorkflow
// every morning, which asks the activity to draw the day's sample of the
// tickets closed the day before.
const (
	SurveyCallsScheduleID     = "survey-calls-daily"
	ActivitySampleSurveyCalls = "SampleSurveyCalls"
	// surveyCallsGiveUp bounds the retries of one day's sampling: a read
	// model down longer than that misses the morning, and an operator builds
	// the day through the API instead of the run piling up behind the next.
	surveyCallsGiveUp = 6 * time.Hour
)

// SurveyCallsWorkflowID names the run that builds one day's list by hand
// (the schedule names its runs itself).
func SurveyCallsWorkflowID(date string) string { return "survey-calls-" + date }

// SurveyCallsInput starts a run. Date (YYYY-MM-DD) is the day whose list is
// drawn; empty, as the schedule starts it, means the day of the scheduled
// time in the policy's time zone.
type SurveyCallsInput struct {
	Date string `json:"date,omitempty"`
}

// SampleSurveyCallsInput is the activity's: the day, or when empty the
// instant whose local day it is.
type SampleSurveyCallsInput struct {
	Date string    `json:"date,omitempty"`
	At   time.Time `json:"at"`
}

// SurveyCallsResult is what a sampling did.
type SurveyCallsResult struct {
	Date     string `json:"date"`
	Closed   int    `json:"closed"`
	Target   int    `json:"target"`
	Inserted int    `json:"inserted"`
	Total    int    `json:"total"`
}

// scheduledStartTime is the search attribute a schedule sets on the runs it
// starts: the time the run was due, which a run caught up after an outage
// still draws the list of.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// SurveyCallsWorkflow draws one day's call list. The drawing is idempotent
// (the store inserts each ticket of a day once and fills only what the list
// lacks), so a retried activity, an overlapping run or a manual run of the
// same day adds nothing twice. The day's local date is left to the activity:
// the time zone comes from the policy in the read model, which workflow code
// may not read.
func SurveyCallsWorkflow(ctx workflow.Context, in SurveyCallsInput) (SurveyCallsResult, error) {
	at := workflow.Now(ctx)
	if due, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok && !due.IsZero() {
		at = due
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: surveyCallsGiveUp,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{ErrSurveyBadDate},
		},
	})
	var r SurveyCallsResult
	err := workflow.ExecuteActivity(actx, ActivitySampleSurveyCalls, SampleSurveyCallsInput{Date: in.Date, At: at}).Get(ctx, &r)
	if err != nil {
		return r, fmt.Errorf("sampling survey calls (date %q, at %s): %w", in.Date, at.Format(time.RFC3339), err)
	}
	workflow.GetLogger(ctx).Info("survey calls drawn", "date", r.Date, "closed", r.Closed,
		"target", r.Target, "inserted", r.Inserted, "total", r.Total)
	return r, nil
}

// ErrSurveyBadDate is the type of the activity's error for a date that is
// not one: retrying cannot help.
const ErrSurveyBadDate = "survey_bad_date"
