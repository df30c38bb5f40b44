package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/workflows"
)

// sampler is a fake SampleSurveyCalls that records its inputs and answers
// from fail (one error per call while any are left) or with a result.
type sampler struct {
	mu    sync.Mutex
	calls []workflows.SampleSurveyCallsInput
	fail  []error
}

func (s *sampler) sample(_ context.Context, in workflows.SampleSurveyCallsInput) (workflows.SurveyCallsResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, in)
	if len(s.fail) > 0 {
		err := s.fail[0]
		s.fail = s.fail[1:]
		return workflows.SurveyCallsResult{}, err
	}
	date := in.Date
	if date == "" {
		date = in.At.UTC().Format(time.DateOnly)
	}
	return workflows.SurveyCallsResult{Date: date, Closed: 40, Target: 2, Inserted: 2, Total: 2}, nil
}

func surveyEnv(t *testing.T, s *sampler) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.SurveyCallsWorkflow, workflow.RegisterOptions{Name: workflows.SurveyCallsWorkflowName})
	env.RegisterActivityWithOptions(s.sample, activity.RegisterOptions{Name: workflows.ActivitySampleSurveyCalls})
	return env
}

// A run the schedule starts draws the day it was due, not the day it ran:
// caught up after an outage it still builds that morning's list.
func TestSurveyCallsWorkflowDrawsTheScheduledDay(t *testing.T) {
	s := &sampler{}
	env := surveyEnv(t, s)
	due := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC) // 05:00 in Riyadh
	env.SetStartTime(due.Add(20 * time.Hour))
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime").ValueSet(due))); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(workflows.SurveyCallsWorkflowName, workflows.SurveyCallsInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 1 || s.calls[0].Date != "" || !s.calls[0].At.Equal(due) {
		t.Fatalf("activity calls %+v, want one at %s", s.calls, due)
	}
	var r workflows.SurveyCallsResult
	if err := env.GetWorkflowResult(&r); err != nil || r != (workflows.SurveyCallsResult{Date: "2026-03-15", Closed: 40, Target: 2, Inserted: 2, Total: 2}) {
		t.Fatalf("result %+v, %v", r, err)
	}
}

// Started by hand for a day, the run draws that day; without the schedule's
// attribute and without a date, the day of its own start.
func TestSurveyCallsWorkflowByHand(t *testing.T) {
	s := &sampler{}
	env := surveyEnv(t, s)
	env.ExecuteWorkflow(workflows.SurveyCallsWorkflowName, workflows.SurveyCallsInput{Date: "2026-03-10"})
	if err := env.GetWorkflowError(); err != nil || len(s.calls) != 1 || s.calls[0].Date != "2026-03-10" {
		t.Fatalf("with a date: %+v, %v", s.calls, err)
	}

	s = &sampler{}
	env = surveyEnv(t, s)
	start := time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.ExecuteWorkflow(workflows.SurveyCallsWorkflowName, workflows.SurveyCallsInput{})
	if err := env.GetWorkflowError(); err != nil || len(s.calls) != 1 || !s.calls[0].At.Equal(start) {
		t.Fatalf("without: %+v, %v", s.calls, err)
	}
}

// A database outage is retried until the sampling succeeds; a date that is
// not one fails the run at once.
func TestSurveyCallsWorkflowRetries(t *testing.T) {
	s := &sampler{fail: []error{errors.New("connection refused"), errors.New("connection refused")}}
	env := surveyEnv(t, s)
	env.ExecuteWorkflow(workflows.SurveyCallsWorkflowName, workflows.SurveyCallsInput{Date: "2026-03-10"})
	if err := env.GetWorkflowError(); err != nil || len(s.calls) != 3 {
		t.Fatalf("after an outage: %d calls, %v", len(s.calls), err)
	}

	s = &sampler{fail: []error{temporal.NewNonRetryableApplicationError("bad date", workflows.ErrSurveyBadDate, nil)}}
	env = surveyEnv(t, s)
	env.ExecuteWorkflow(workflows.SurveyCallsWorkflowName, workflows.SurveyCallsInput{Date: "2026-02-30"})
	if err := env.GetWorkflowError(); !hasAppErrorType(err, workflows.ErrSurveyBadDate) || len(s.calls) != 1 {
		t.Fatalf("bad date: %d calls, %v", len(s.calls), err)
	}
}

// hasAppErrorType reports whether an application error of type typ is in
// err's chain (the workflow's own wrapping is one too, of another type).
func hasAppErrorType(err error, typ string) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == typ {
			return true
		}
		if appErr != nil {
			err = appErr
		}
	}
	return false
}
