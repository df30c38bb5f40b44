package app

import (
	"context"
	"fmt"

	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/worker"
)

// surveySampling is the configured size of the daily survey call list.
func surveySampling(c config.Config) store.SurveySampling {
	return store.SurveySampling{Share: c.SurveyCalls.Share, MaxPerDay: c.SurveyCalls.MaxPerDay}.OrDefault()
}

// ensureSurveySchedule puts the daily survey schedule in place as configured,
// at the hour of the policy's time zone. A hand-built Config (tests) has no
// time: the schedule is then left alone.
func (a *App) ensureSurveySchedule(ctx context.Context) error {
	sc := a.opts.Config.SurveyCalls
	if sc.At == "" {
		return nil
	}
	hour, minute, err := sc.Clock()
	if err != nil {
		return err
	}
	loc, err := a.Store.SurveyZone(ctx)
	if err != nil {
		return err
	}
	s := worker.SurveyCallsSchedule{Enabled: sc.Enabled, Hour: hour, Minute: minute, TimeZone: loc.String()}
	if err := worker.EnsureSurveyCallsSchedule(ctx, a.Client, s); err != nil {
		return fmt.Errorf("survey call schedule: %w", err)
	}
	a.log.Info("survey call schedule in place", "enabled", s.Enabled, "at", sc.At, "time_zone", s.TimeZone)
	return nil
}
