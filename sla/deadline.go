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
	b, err := p.Explain(s)
	if err != nil {
		return Recomputed{}, err
	}
	out := Recomputed{Clock: b.RuleClock, Ladder: b.Ladder}
	if b.Counting == CountingObjection {
		until := b.Due
		out.ObjectionUntil = &until
		return out, nil
	}
	out.SLADueAt = b.Due
	return out, nil
}

// What a running deadline counts.
const (
	CountingFirstResponse = "first_response" // the response rule of the ticket's kind and priority
	CountingRung          = "rung"           // the current rung of the escalation ladder
	CountingReview        = "review"         // the review of an objection
	CountingObjection     = "objection"      // the beneficiary's objection window after an answer
)

// Basis is how a running deadline is made, step by step, so a reader can
// check it: which allowance (and why), on which clock, from when, plus the
// time the countdown stood still, under the policy's calendar.
type Basis struct {
	Counting string
	// Level is the rung counted when Counting is CountingRung.
	Level     int
	Allowance Allowance
	// Clock is the clock the allowance is counted on; RuleClock the
	// ticket's response rule's (they differ for the objection window,
	// always counted around the clock).
	Clock, RuleClock Clock
	// Ladder is the ladder of the ticket's round: the review ladder in round 1.
	Ladder []Level
	Start  time.Time
	// Unpaused is Start plus the allowance; Due adds Paused to it.
	Unpaused time.Time
	Paused   time.Duration
	Due      time.Time
}

// Explain is how the deadline of a ticket at stage s is made under p: the
// one place that picks the allowance, which Recompute (the workflow's and a
// preview's arithmetic) and the pages that explain a deadline share.
func (p Policy) Explain(s Stage) (Basis, error) {
	rule, ok := p.Rule(s.Kind, s.Priority)
	if !ok {
		return Basis{}, fmt.Errorf("%w for kind %q priority %q in policy version %d", ErrNoRule, s.Kind, s.Priority, p.Version)
	}
	b := Basis{Clock: rule.Clock, RuleClock: rule.Clock, Ladder: p.Ladder}
	if s.Round > 0 {
		b.Ladder = ReviewLadder(p.Ladder)
	}
	if s.Status == domain.StatusAnswered && s.RespondedAt != nil {
		until, err := p.ObjectionDeadline(*s.RespondedAt)
		if err != nil {
			return Basis{}, fmt.Errorf("sla: objection window: %w", err)
		}
		b.Counting, b.Allowance, b.Clock = CountingObjection, p.ObjectionWindow, ClockAroundTheClock
		b.Start, b.Unpaused, b.Due = *s.RespondedAt, until, until
		return b, nil
	}
	if s.Start.IsZero() {
		return Basis{}, ErrNoStageStart
	}
	switch {
	case s.EscalationLevel > 0:
		if len(b.Ladder) == 0 {
			return Basis{}, fmt.Errorf("sla: escalation level %d: policy version %d has no ladder", s.EscalationLevel, p.Version)
		}
		// A ticket above the top of a shorter ladder stays on its last rung.
		b.Level = min(s.EscalationLevel, len(b.Ladder))
		b.Counting, b.Allowance = CountingRung, b.Ladder[b.Level-1].Allowance
	case s.Round > 0:
		b.Counting, b.Allowance = CountingReview, p.ObjectionReview
	default:
		b.Counting, b.Allowance = CountingFirstResponse, rule.Allowance
	}
	due, err := p.Calendar.Due(s.Start, b.Allowance, rule.Clock)
	if err != nil {
		return Basis{}, fmt.Errorf("sla: running deadline: %w", err)
	}
	b.Start, b.Unpaused, b.Paused = s.Start, due, s.Paused
	if s.Paused > 0 {
		// Working time is additive: the deadline moves by exactly the
		// working time the countdown stood still.
		if due, err = p.Calendar.Due(due, DurationAllowance(s.Paused), rule.Clock); err != nil {
			return Basis{}, fmt.Errorf("sla: running deadline after a pause: %w", err)
		}
	}
	b.Due = due
	return b, nil
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
