package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/sla"
)

// DefaultHistoryLimit keeps a ticket's history far below Temporal's limits
// (continue-as-new is suggested near 4,096 events). A ticket's own life takes
// a few hundred events at most; what can grow without bound is a flood of
// signals from an integration, which this guards against.
const DefaultHistoryLimit = 2000

// Resume carries a ticket across continue-as-new.
type Resume struct {
	State    TicketState `json:"state"`
	Ladder   []sla.Level `json:"ladder"`
	Breached bool        `json:"breached"`
	AtTop    bool        `json:"at_top"`
	// Rung is the escalation level that was running; the new run restarts it
	// with the same deadline (its notifications are keyed, so none repeats).
	Rung *RungResume `json:"rung,omitempty"`
}

// RungResume is a running escalation level handed to the next run.
type RungResume struct {
	Level    int         `json:"level"`
	Round    int         `json:"round"`
	Holder   LevelHolder `json:"holder"`
	DueAt    time.Time   `json:"due_at"`
	RemindAt time.Time   `json:"remind_at"`
}

// tooLong reports whether this run's history should be handed to a new run.
func (t *ticket) tooLong(ctx workflow.Context) bool {
	limit := t.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	info := workflow.GetInfo(ctx)
	return info.GetCurrentHistoryLength() >= limit || info.GetContinueAsNewSuggested()
}

// continueAsNew hands the ticket to a fresh run. While it closes, updates are
// refused as busy (the API answers "retry") and signals stay in their
// channels; it waits for handlers in flight, stops the running rung, handles
// the signals already delivered, lets the projection and notifications catch
// up, and only then snapshots the state, with no await between snapshot and
// hand-over. done is false when a drained signal finished the ticket: the
// main loop then completes it instead.
func (t *ticket) continueAsNew(ctx workflow.Context) (done bool, err error) {
	t.closing = true
	if err := workflow.Await(ctx, t.quiet(ctx)); err != nil {
		return false, err
	}
	var rungResume *RungResume
	if r := t.child; r != nil {
		t.child = nil
		r.cancel()
		if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
			return false, err
		}
		if r.err != nil { // cancelled by us: the next run restarts it
			rungResume = &RungResume{Level: r.level, Round: r.round, Holder: r.holder, DueAt: r.dueAt, RemindAt: r.remindAt}
		} else {
			t.st.SLADueAt = r.dueAt // it expired meanwhile: the next run climbs on from it
		}
	}
	if err := t.settle(ctx); err != nil {
		return false, err
	}
	if t.st.Status.Final() {
		t.closing = false
		return false, nil
	}
	resume := &Resume{State: t.st, Ladder: t.ladder, Breached: t.breached, AtTop: t.atTop}
	if rungResume != nil && t.st.Status.Pending() && t.st.Round == rungResume.Round {
		resume.Rung = rungResume
	}
	in := t.in
	in.Resume = resume
	workflow.GetLogger(ctx).Info("continuing as new", "history_length", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	return true, workflow.NewContinueAsNewError(ctx, TicketWorkflowName, in)
}

// settle handles the signals already delivered and lets the projection and
// the notifications catch up, until a pass finds nothing left: what a drained
// signal changed is projected and sent too.
func (t *ticket) settle(ctx workflow.Context) error {
	for {
		switch {
		case t.drainSignals(ctx):
		case len(t.pending) > 0:
			if err := t.flush(ctx); err != nil {
				return err
			}
		case len(t.outbox) > 0:
			if err := t.sendNotifications(ctx); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}
