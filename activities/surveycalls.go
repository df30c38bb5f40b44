package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// SampleSurveyCalls draws the call list of in.Date, or of the local day (the
// policy's time zone) of in.At when no date is given, sized by SurveyCalls
// (the defaults where unset). Idempotent: the store adds only what the
// day's list lacks.
func (a *Activities) SampleSurveyCalls(ctx context.Context, in workflows.SampleSurveyCallsInput) (workflows.SurveyCallsResult, error) {
	date := in.Date
	if date == "" {
		loc, err := a.Store.SurveyZone(ctx)
		if err != nil {
			return workflows.SurveyCallsResult{}, err
		}
		date = in.At.In(loc).Format(time.DateOnly)
	}
	r, err := a.Store.SampleSurveyCalls(ctx, date, a.SurveyCalls.OrDefault(), time.Now())
	if errors.Is(err, store.ErrBadSurveyDate) {
		return workflows.SurveyCallsResult{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrSurveyBadDate, err)
	}
	if err != nil {
		return workflows.SurveyCallsResult{}, fmt.Errorf("sampling survey calls of %s: %w", date, err)
	}
	return workflows.SurveyCallsResult{Date: r.Date, Closed: r.Closed, Target: r.Target, Inserted: r.Inserted, Total: r.Total}, nil
}
