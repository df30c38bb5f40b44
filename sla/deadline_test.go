package sla

import (
	"errors"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// recomputePolicy has distinct allowances everywhere, so each case shows which
// one it counted: complaints/normal 1d on the business clock, reports/urgent
// 2h around the clock, rungs of 1h, 2h, 3h, 4h, 5h, a review of 6h and an
// objection window of 5 days.
func recomputePolicy() Policy {
	p := Default()
	p.Version = 4
	for i := range p.Responses {
		if p.Responses[i].Kind == domain.KindComplaint && p.Responses[i].Priority == domain.PriorityNormal {
			p.Responses[i].Allowance = MustParseAllowance("1d")
		}
	}
	for i := range p.Ladder {
		p.Ladder[i].Allowance = Allowance{Duration: time.Duration(i+1) * time.Hour}
	}
	p.ObjectionReview = MustParseAllowance("6h")
	p.ObjectionWindow = MustParseAllowance("5d")
	return p
}

func TestRecompute(t *testing.T) {
	p := recomputePolicy()
	// Sunday 2026-03-01 09:00 Riyadh.
	start := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	answered := start.Add(26 * time.Hour)
	riyadh := func(day, hour, minute int) time.Time {
		return time.Date(2026, 3, day, hour-3, minute, 0, 0, time.UTC)
	}
	complaint := func(s Stage) Stage {
		s.Kind, s.Priority = domain.KindComplaint, domain.PriorityNormal
		if s.Status == "" {
			s.Status = domain.StatusOpen
		}
		return s
	}
	full, review := p.Ladder, ReviewLadder(p.Ladder)
	for _, c := range []struct {
		name       string
		stage      Stage
		due        time.Time // zero when the objection window runs
		until      time.Time // zero when an SLA runs
		clock      Clock
		ladder     []Level
		err        error
		errContain string
	}{
		{name: "first answer: the response rule from filing",
			stage: complaint(Stage{Start: start}), due: riyadh(2, 9, 0), clock: ClockBusiness, ladder: full},
		{name: "first answer after a pause: the working time it stood still is added back",
			stage: complaint(Stage{Start: start, Paused: 3 * time.Hour}), due: riyadh(2, 12, 0), clock: ClockBusiness, ladder: full},
		{name: "a pause on the 24x7 clock adds wall time",
			stage: Stage{Kind: domain.KindReport, Priority: domain.PriorityUrgent, Status: domain.StatusOpen, Start: start, Paused: 90 * time.Minute},
			due:   start.Add(3*time.Hour + 30*time.Minute), clock: ClockAroundTheClock, ladder: full},
		{name: "urgent report on the 24x7 clock",
			stage: Stage{Kind: domain.KindReport, Priority: domain.PriorityUrgent, Status: domain.StatusOpen, Start: start},
			due:   start.Add(2 * time.Hour), clock: ClockAroundTheClock, ladder: full},
		{name: "escalated to rung 2: its allowance from the rung's start",
			stage: complaint(Stage{EscalationLevel: 2, Start: start}), due: riyadh(1, 11, 0), clock: ClockBusiness, ladder: full},
		{name: "escalated past a shorter ladder: the last rung",
			stage: complaint(Stage{EscalationLevel: 9, Start: start}), due: riyadh(1, 14, 0), clock: ClockBusiness, ladder: full},
		{name: "review, not escalated: the review allowance",
			stage: complaint(Stage{Status: domain.StatusReopened, Round: 1, Start: start}), due: riyadh(1, 15, 0),
			clock: ClockBusiness, ladder: review},
		{name: "review escalated to rung 1: the review ladder's first rung (the sector's)",
			stage: complaint(Stage{Status: domain.StatusReopened, Round: 1, EscalationLevel: 1, Start: start}),
			due:   riyadh(1, 12, 0), clock: ClockBusiness, ladder: review},
		{name: "answered: the objection window from the answer, whatever the rung",
			stage: complaint(Stage{Status: domain.StatusAnswered, EscalationLevel: 3, Start: start, RespondedAt: &answered}),
			until: answered.Add(5 * 24 * time.Hour), clock: ClockBusiness, ladder: full},
		{name: "answered needs no start",
			stage: complaint(Stage{Status: domain.StatusAnswered, RespondedAt: &answered}),
			until: answered.Add(5 * 24 * time.Hour), clock: ClockBusiness, ladder: full},
		{name: "answered without an answer time counts like an open ticket",
			stage: complaint(Stage{Status: domain.StatusAnswered, Start: start}), due: riyadh(2, 9, 0),
			clock: ClockBusiness, ladder: full},
		{name: "no start, not answered", stage: complaint(Stage{EscalationLevel: 1}), err: ErrNoStageStart},
		{name: "no rule", stage: Stage{Kind: "gossip", Priority: domain.PriorityNormal, Start: start}, err: ErrNoRule},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := p.Recompute(c.stage)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Clock != c.clock || len(got.Ladder) != len(c.ladder) || got.Ladder[0] != c.ladder[0] {
				t.Errorf("clock %s ladder %v; want %s %v", got.Clock, got.Ladder, c.clock, c.ladder)
			}
			switch {
			case !c.until.IsZero():
				if got.ObjectionUntil == nil || !got.ObjectionUntil.Equal(c.until) || !got.SLADueAt.IsZero() {
					t.Errorf("objection until %v, due %v; want until %v", got.ObjectionUntil, got.SLADueAt, c.until)
				}
			default:
				if got.ObjectionUntil != nil || !got.SLADueAt.Equal(c.due) {
					t.Errorf("due %v (objection %v); want %v", got.SLADueAt, got.ObjectionUntil, c.due)
				}
			}
		})
	}
}

func TestRecomputeWithoutLadder(t *testing.T) {
	p := recomputePolicy()
	p.Ladder = nil
	_, err := p.Recompute(Stage{Kind: domain.KindComplaint, Priority: domain.PriorityNormal,
		Status: domain.StatusOpen, EscalationLevel: 1, Start: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)})
	if err == nil {
		t.Fatal("a rung of an empty ladder was computed")
	}
}

func TestReviewLadder(t *testing.T) {
	full := Default().Ladder
	got := ReviewLadder(full)
	if len(got) != 3 || got[0].Role != domain.RoleSectorOfficial || got[2].Role != domain.RoleMinisterOffice {
		t.Fatalf("review ladder %v", got)
	}
	inside := []Level{{Role: domain.RoleCareCenterManager}, {Role: domain.RoleEntityHead}}
	if got := ReviewLadder(inside); len(got) != 2 {
		t.Fatalf("a ladder with nothing above the entity lost rungs: %v", got)
	}
}

// Explain says how Recompute's deadline is made, and its parts add up: the
// allowance from the start on the calendar, then the pause.
func TestExplainAddsUp(t *testing.T) {
	p := Default()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) // a Thursday, 13:00 in Riyadh
	for _, s := range []Stage{
		{Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Status: domain.StatusOpen, Start: start},
		{Kind: domain.KindComplaint, Priority: domain.PriorityUrgent, Status: domain.StatusOpen, Start: start, Paused: 3 * time.Hour},
		{Kind: domain.KindInquiry, Priority: domain.PriorityNormal, Status: domain.StatusOpen, Start: start, EscalationLevel: 2},
		{Kind: domain.KindInquiry, Priority: domain.PriorityNormal, Status: domain.StatusReopened, Start: start, Round: 1},
	} {
		b, err := p.Explain(s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := p.Recompute(s)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Due.Equal(r.SLADueAt) {
			t.Errorf("%+v: explained %s, recomputed %s", s, b.Due, r.SLADueAt)
		}
		unpaused, err := p.Calendar.Due(b.Start, b.Allowance, b.Clock)
		if err != nil || !unpaused.Equal(b.Unpaused) {
			t.Errorf("%+v: the allowance from the start is %s, explained %s (%v)", s, unpaused, b.Unpaused, err)
		}
		if s.Paused == 0 && !b.Unpaused.Equal(b.Due) {
			t.Errorf("%+v: no pause, yet the deadline moved", s)
		}
		if s.EscalationLevel > 0 && (b.Counting != CountingRung || b.Allowance != p.Ladder[b.Level-1].Allowance) {
			t.Errorf("%+v: counted %s level %d", s, b.Counting, b.Level)
		}
	}
}
