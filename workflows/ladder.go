package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// LevelHolder is who holds a rung of the ladder for one ticket, resolved from
// the hierarchy at the moment of escalation.
type LevelHolder struct {
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity"`
	NameAR string      `json:"name_ar"`
	NameEN string      `json:"name_en"`
}

// ResolveLevelInput asks who holds role for a ticket filed to entity.
type ResolveLevelInput struct {
	Entity string      `json:"entity"`
	Role   domain.Role `json:"role"`
}

// rung is one running escalation child.
type rung struct {
	level     int
	round     int
	allowance sla.Level
	holder    LevelHolder
	dueAt     time.Time
	remindAt  time.Time
	cancel    workflow.CancelFunc
	done      bool
	result    EscalationResult
	err       error
}

// ladderBase is the entity the escalation ladder climbs from: the entity the
// ticket was filed to, or, once transferred, the one holding it.
func (t *ticket) ladderBase() string {
	if t.st.Transferred {
		return t.st.ResponsibleEntity
	}
	return t.st.Entity
}

// awaitResponse waits while the ticket is pending: for the SLA deadline, for the
// running rung to expire, or for a message.
func (t *ticket) awaitResponse(ctx workflow.Context) error {
	seen := t.changes
	changed := func() bool { return t.changes != seen || t.tooLong(ctx) }
	switch {
	case t.child != nil:
		if err := workflow.Await(ctx, func() bool { return changed() || t.child.done }); err != nil {
			return err
		}
		if changed() {
			return nil
		}
		return t.rungEnded(ctx)
	case t.atTop:
		return workflow.Await(ctx, changed)
	case !t.breached:
		fired, err := t.sleepUntil(ctx, t.st.SLADueAt, changed)
		if err != nil || !fired {
			return err
		}
		t.breached = true
		return t.escalate(ctx, 1)
	default:
		return t.escalate(ctx, t.st.EscalationLevel+1)
	}
}

// escalate hands the ticket to rung `level` of the current ladder: resolves who
// holds it now, records it, tells the beneficiary, and starts the rung's child.
// Every await inside is a point where a message may have changed the ticket
// (answered, objected, withdrawn): after each, a stale escalation stops.
func (t *ticket) escalate(ctx workflow.Context, level int) error {
	if level > len(t.ladder) {
		t.atTop = true
		return nil
	}
	lv := t.ladder[level-1]
	gen, round := t.changes, t.st.Round
	stale := func() bool { return t.changes != gen || t.st.Round != round || !t.st.Status.Pending() }

	var holder LevelHolder
	// A read of the hierarchy, run inside the workflow task that the deadline
	// woke (step): no round trip through the task queue, which a burst of
	// deadlines fills.
	in := ResolveLevelInput{Entity: t.ladderBase(), Role: lv.Role}
	if err := step(ctx, ActivityResolveLevel, in).Get(ctx, &holder); err != nil {
		// Only a non-retryable failure gets here (the entity left the
		// hierarchy): the climb goes on, held by the ticket's own entity,
		// rather than the ticket dying.
		workflow.GetLogger(ctx).Error("escalation holder not found; the ticket's entity holds the level",
			"level", level, "role", string(lv.Role), "error", err.Error())
		holder = LevelHolder{Role: lv.Role, Entity: t.st.Entity, NameEN: t.st.Entity, NameAR: t.st.Entity}
	}
	if stale() {
		return nil
	}
	now := workflow.Now(ctx)
	due, err := t.in.Policy.Calendar.Due(now, lv.Allowance, t.st.Clock)
	if err != nil {
		return fmt.Errorf("computing level %d deadline: %w", level, err)
	}
	t.st.EscalationLevel, t.st.EscalationRole, t.st.EscalationEntity = level, holder.Role, holder.Entity
	t.st.SLADueAt = due
	t.st.StageStart, t.st.PausedWorking = now, 0
	t.event(ctx, Event{Type: EventEscalated, Actor: SystemActor, Entity: holder.Entity, Level: level, Role: holder.Role,
		Public: true, Message: fmt.Sprintf("escalated to level %d: %s (%s)", level, holder.NameEN, holder.Role)})
	t.notifyBeneficiary("escalated", map[string]string{"level": fmt.Sprint(level), "role": string(holder.Role)})
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := t.sendNotifications(ctx); err != nil {
		return err
	}
	if stale() {
		return nil
	}
	t.startRung(ctx, level, lv, holder, due, time.Time{})
	return nil
}

func (t *ticket) rungEnded(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	if r.err != nil {
		return fmt.Errorf("escalation level %d: %w", r.level, r.err)
	}
	if r.level >= len(t.ladder) {
		t.atTop = true
		t.event(ctx, Event{Type: EventTopReached, Actor: SystemActor, Entity: t.st.EscalationEntity,
			Level: r.level, Role: t.st.EscalationRole, Public: false,
			Message: "the last level's allowance passed; the ticket stays with it"})
		return t.flush(ctx)
	}
	return t.escalate(ctx, r.level+1)
}

// startRung starts the child workflow of one rung, due at due. remind zero
// means halfway through the rung's working time (not its wall-clock time,
// which would land at night or on a weekend).
func (t *ticket) startRung(ctx workflow.Context, level int, lv sla.Level, holder LevelHolder, due, remind time.Time) {
	if remind.IsZero() {
		remind = due
		now := workflow.Now(ctx)
		if length, err := t.in.Policy.Calendar.WorkingLength(lv.Allowance, t.st.Clock); err == nil {
			if at, err := t.in.Policy.Calendar.Due(now, sla.Allowance{Duration: length / 2}, t.st.Clock); err == nil && at.Before(due) {
				remind = at
			}
		}
	}
	childCtx, cancel := workflow.WithCancel(ctx)
	childCtx = workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
		WorkflowID:          EscalationWorkflowID(t.st.Number, t.st.Round, level),
		TaskQueue:           workflow.GetInfo(ctx).TaskQueueName,
		WaitForCancellation: true,
	})
	r := &rung{level: level, round: t.st.Round, allowance: lv, holder: holder, dueAt: due, remindAt: remind, cancel: cancel}
	t.child = r
	fut := workflow.ExecuteChildWorkflow(childCtx, EscalationWorkflow, EscalationInput{
		Number: t.st.Number, Subject: t.in.Subject, Round: t.st.Round, Level: level,
		Holder: holder, DueAt: due, RemindAt: remind,
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		r.err = fut.Get(ctx, &r.result)
		r.done = true
	})
}

// standDown cancels the running rung after an answer or a withdrawal and waits
// for the child to finish, so no notification of an answered ticket goes out.
func (t *ticket) standDown(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	r.cancel()
	if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
		return err
	}
	var canceled *temporal.CanceledError
	if r.err != nil && !errors.As(r.err, &canceled) {
		workflow.GetLogger(ctx).Warn("escalation child ended with an error", "level", r.level, "error", r.err.Error())
	}
	t.event(ctx, Event{Type: EventStoodDown, Actor: SystemActor, Level: r.level, Public: false,
		Message: fmt.Sprintf("escalation level %d stood down: ticket %s", r.level, t.st.Status)})
	return t.flush(ctx)
}

// restartRung stops the running rung and starts it again on the current
// deadline (after a policy change).
func (t *ticket) restartRung(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	r.cancel()
	if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
		return err
	}
	level := min(r.level, len(t.ladder))
	t.startRung(ctx, level, t.ladder[level-1], r.holder, t.st.SLADueAt, time.Time{})
	return nil
}
