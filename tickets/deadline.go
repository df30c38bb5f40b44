package tickets

import (
	"errors"
	"fmt"
	"time"

	"context"

	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// Explanation is how a ticket's running deadline was made, for anyone who
// may see the ticket to check the arithmetic: the policy version it runs
// under, the allowance it counts and why, on which clock and calendar, from
// when, the time it stood still, and the holidays it skipped — computed by
// the same function the workflow's arithmetic uses (sla.Policy.Explain).
type Explanation struct {
	Policy sla.Policy
	Basis  sla.Basis
	// Recorded is the deadline the read model holds (the workflow's).
	Recorded time.Time
	// Agrees is whether recomputing gives the recorded deadline; it does not
	// while a roll-out or a change is on its way to the read model.
	Agrees bool
	// Holidays are the calendar's holidays between the start and the
	// deadline.
	Holidays []sla.Holiday
}

// ErrNothingToExplain: the ticket has no running deadline (closed,
// withdrawn, waiting for the beneficiary) or its start was never recorded.
var ErrNothingToExplain = errors.New("tickets: no running deadline to explain")

// ExplainDeadline explains t's running deadline (t as loaded and authorized
// by the front end).
func (s *Service) ExplainDeadline(ctx context.Context, t store.Ticket) (Explanation, error) {
	d := t.Deadline()
	recorded := t.SLADueAt
	if t.ObjectionUntil != nil {
		recorded = *t.ObjectionUntil
	}
	if !t.Status.Pending() && t.ObjectionUntil == nil {
		return Explanation{}, ErrNothingToExplain
	}
	p, err := s.store.GetPolicy(ctx, t.PolicyVersion)
	if err != nil {
		return Explanation{}, fmt.Errorf("explain the deadline of %s: %w", t.Number, err)
	}
	b, err := p.Explain(d.Stage())
	if errors.Is(err, sla.ErrNoStageStart) {
		return Explanation{}, ErrNothingToExplain
	} else if err != nil {
		return Explanation{}, fmt.Errorf("explain the deadline of %s: %w", t.Number, err)
	}
	e := Explanation{Policy: p, Basis: b, Recorded: recorded, Agrees: b.Due.Equal(recorded)}
	loc := sla.Zone(p.Calendar.TimeZone)
	from, to := b.Start.In(loc).Format(time.DateOnly), b.Due.In(loc).Format(time.DateOnly)
	for _, h := range p.Calendar.Holidays {
		if h.To >= from && h.From <= to {
			e.Holidays = append(e.Holidays, h)
		}
	}
	return e, nil
}
