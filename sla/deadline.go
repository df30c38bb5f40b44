package sla

import (
	"errors"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// ErrNoStageStart means the deadline that runs now counts from an instant
// nobody recorded, so it cannot be recomputed.
var ErrNoStageStart = errors.New("sla: the start of the running countdown is unknown")

// Stage is what an open ticket's running deadline depends on: where the
// ticket stands and when the countdown that runs now began.
type Stage struct {
	Kind     domain.Kind
	Priority domain.Priority
	Status   domain.Status
	// Round is 0 for the first answer, 1 for the review of an objection.
	Round int
	// EscalationLevel is 0 before any escalation, n on the n-th rung of the
	// round's ladder.
	EscalationLevel int
	// Start is when the running countdown began (filing, the current rung,
	// the objection); zero when unknown.
	Start time.Time
	// RespondedAt is the answer an answered ticket's objection window runs from.
	RespondedAt *time.Time
	// Paused is the time (on the rule's clock) the countdown stood still
	// since Start while the beneficiary was asked for information; it is
	// added back to the deadline.
	Paused time.Duration
}

// Recomputed is an open ticket's running deadline under a policy.
type Recomputed struct {
	// Clock is the clock of the ticket's response rule.
	Clock Clock
	// Ladder is the ladder of the ticket's round: the review ladder in round 1.
	Ladder []Level
	// ObjectionUntil is set for an answered ticket, whose objection window is
	// what runs; SLADueAt is set otherwise.
	ObjectionUntil *time.Time
	SLADueAt       time.Time
}

// Recompute is the deadline a ticket at stage s has under p, counted again
// from when its countdown began: the objection window from the answer, the
// current rung's allowance when escalated, the review allowance in round 1,
// else the first-response rule. It is what an open ticket's workflow does
// when it is handed a new policy version, and what a preview of that
// version predicts, so the two must never compute it apart.
func (p Policy) Recompute(s Stage) (Recomputed, error) {
	rule, ok := p.Rule(s.Kind, s.Priority)
	if !ok {
		return Recomputed{}, fmt.Errorf("%w for kind %q priority %q in policy version %d", ErrNoRule, s.Kind, s.Priority, p.Version)
	}
	out := Recomputed{Clock: rule.Clock, Ladder: p.Ladder}
	if s.Round > 0 {
		out.Ladder = ReviewLadder(p.Ladder)
	}
	if s.Status == domain.StatusAnswered && s.RespondedAt != nil {
		until, err := p.ObjectionDeadline(*s.RespondedAt)
		if err != nil {
			return Recomputed{}, fmt.Errorf("sla: objection window: %w", err)
		}
		out.ObjectionUntil = &until
		return out, nil
	}
	if s.Start.IsZero() {
		return Recomputed{}, ErrNoStageStart
	}
	var allowance Allowance
	switch {
	case s.EscalationLevel > 0:
		if len(out.Ladder) == 0 {
			return Recomputed{}, fmt.Errorf("sla: escalation level %d: policy version %d has no ladder", s.EscalationLevel, p.Version)
		}
		// A ticket above the top of a shorter ladder stays on its last rung.
		level := min(s.EscalationLevel, len(out.Ladder))
		allowance = out.Ladder[level-1].Allowance
	case s.Round > 0:
		allowance = p.ObjectionReview
	default:
		allowance = rule.Allowance
	}
	due, err := p.Calendar.Due(s.Start, allowance, rule.Clock)
	if err != nil {
		return Recomputed{}, fmt.Errorf("sla: running deadline: %w", err)
	}
	if s.Paused > 0 {
		// Working time is additive: the deadline moves by exactly the
		// working time the countdown stood still.
		if due, err = p.Calendar.Due(due, DurationAllowance(s.Paused), rule.Clock); err != nil {
			return Recomputed{}, fmt.Errorf("sla: running deadline after a pause: %w", err)
		}
	}
	out.SLADueAt = due
	return out, nil
}

// DurationAllowance is an allowance of d (time on some clock), rounded up to
// the second as allowances are: what is left of a paused deadline, or the
// time a countdown stood still.
func DurationAllowance(d time.Duration) Allowance {
	if d <= 0 {
		return Allowance{}
	}
	return Allowance{Duration: (d + time.Second - 1).Truncate(time.Second)}
}

// ReviewLadder is the ladder of an objection's review: the rungs inside the
// entity that already answered are skipped, so the review climbs from the
// sector upwards. A ladder with no rung above the entity is kept whole.
func ReviewLadder(ladder []Level) []Level {
	var out []Level
	for _, l := range ladder {
		if domain.LadderScope(l.Role) != domain.ScopeEntity {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return ladder
	}
	return out
}
