package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/workflows"
)

// SurveyCallsSchedule is when the survey's daily call list is drawn.
type SurveyCallsSchedule struct {
	// Enabled: off leaves the schedule paused (it is never deleted, so its
	// recent runs stay visible).
	Enabled bool
	// Hour and Minute are the local time of day in TimeZone (an IANA name).
	Hour, Minute int
	TimeZone     string
}

// surveyCallsCatchup is how late a missed run (Temporal down at the hour)
// still runs once the server is back: the same day's list is still useful.
const surveyCallsCatchup = 12 * time.Hour

func (s SurveyCallsSchedule) spec() *client.ScheduleSpec {
	return &client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Hour:    []client.ScheduleRange{{Start: s.Hour}},
			Minute:  []client.ScheduleRange{{Start: s.Minute}},
			Comment: "the survey's daily call list",
		}},
		TimeZoneName: s.TimeZone,
	}
}

func surveyCallsAction() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		// The server appends the scheduled time, one id per day.
		ID:        "survey-calls",
		Workflow:  workflows.SurveyCallsWorkflowName,
		Args:      []any{workflows.SurveyCallsInput{}},
		TaskQueue: workflows.TaskQueue,
	}
}

// surveyCallsPolicies: runs of different days are independent and a drawing
// is idempotent, so one never waits for or skips another.
func surveyCallsPolicies() *client.SchedulePolicies {
	return &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, CatchupWindow: surveyCallsCatchup}
}

// EnsureSurveyCallsSchedule creates the schedule workflows.SurveyCallsScheduleID,
// or brings the existing one to s: every worker calls it when it starts, so a
// changed time or zone in the configuration reaches the schedule, and several
// workers starting at once converge on the same schedule.
func EnsureSurveyCallsSchedule(ctx context.Context, c client.Client, s SurveyCallsSchedule) error {
	sc := c.ScheduleClient()
	p := surveyCallsPolicies()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:            workflows.SurveyCallsScheduleID,
		Spec:          *s.spec(),
		Action:        surveyCallsAction(),
		Overlap:       p.Overlap,
		CatchupWindow: p.CatchupWindow,
		Paused:        !s.Enabled,
		Note:          note(s.Enabled),
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("creating schedule %s: %w", workflows.SurveyCallsScheduleID, err)
	}
	h := sc.GetHandle(ctx, workflows.SurveyCallsScheduleID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			next := in.Description.Schedule
			next.Spec, next.Action, next.Policy = s.spec(), surveyCallsAction(), surveyCallsPolicies()
			return &client.ScheduleUpdate{Schedule: &next}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("updating schedule %s: %w", workflows.SurveyCallsScheduleID, err)
	}
	d, err := h.Describe(ctx)
	if err != nil {
		return fmt.Errorf("describing schedule %s: %w", workflows.SurveyCallsScheduleID, err)
	}
	switch paused := d.Schedule.State != nil && d.Schedule.State.Paused; {
	case paused && s.Enabled:
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note(true)})
	case !paused && !s.Enabled:
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: note(false)})
	}
	if err != nil {
		return fmt.Errorf("pausing or resuming schedule %s: %w", workflows.SurveyCallsScheduleID, err)
	}
	return nil
}

func note(enabled bool) string {
	if enabled {
		return "survey_calls.enabled"
	}
	return "paused: survey_calls.enabled is false"
}
