// Package activities holds the effects a ticket's workflow asks for: projecting
// its state into the read model, resolving who holds an escalation level, and
// queueing notifications. Every method is idempotent: Temporal may run it twice.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Activities holds the dependencies of the activities; the worker registers its
// methods under the names in workflows (ActivityRecordChange, ...).
type Activities struct {
	Store    *store.Store
	Notifier *notify.Notifier
	// SurveyCalls sizes the daily survey call list (SampleSurveyCalls).
	SurveyCalls store.SurveySampling
}

// RecordChange projects one workflow step: the ticket row (guarded by version,
// so a replayed or late write changes nothing) and new timeline lines (keyed by
// ticket and sequence number, so a retry appends nothing twice).
func (a *Activities) RecordChange(ctx context.Context, ch workflows.Change) error {
	st := ch.State
	events := make([]store.TicketEvent, 0, len(ch.Events))
	for _, e := range ch.Events {
		events = append(events, store.TicketEvent{
			TicketNumber: st.Number, Seq: e.Seq, Type: e.Type, At: e.At.UTC(),
			ActorID: e.Actor.ID, ActorRole: e.Actor.Role, Entity: e.Entity, Level: e.Level,
			ActorVia: e.Actor.Via.Kind, ActorCaller: e.Actor.Via.Caller, ActorClient: e.Actor.Via.Client,
			Public: e.Public, Message: e.Message,
		})
	}
	err := a.Store.ApplyChange(ctx, store.TicketChange{
		Number: st.Number, Version: st.Version, Status: st.Status, ResponsibleEntity: st.ResponsibleEntity,
		PolicyVersion: st.PolicyVersion, Round: st.Round, EscalationLevel: st.EscalationLevel,
		EscalationRole: st.EscalationRole, EscalationEntity: st.EscalationEntity, SLADueAt: st.SLADueAt.UTC(),
		SLAStageStart: stageStart(st.StageStart), SLAPausedSeconds: int64(st.PausedWorking / time.Second),
		AssignedTo: st.AssignedTo, AssignedAt: utcPtr(st.AssignedAt),
		ObjectionUntil: utcPtr(st.ObjectionUntil),
		Rating:         st.SurveyRating(), RatedAt: st.SurveyRatedAt(),
		FollowUpStatus: st.FollowUpStatus(), FollowUpEntity: st.FollowUpEntity(), FollowUpDueAt: st.FollowUpDueAt(),
		MeetingStatus: st.MeetingStatus(), MeetingAt: st.MeetingAt(), MeetingPlace: st.MeetingPlace(),
		RespondedAt: utcPtr(st.RespondedAt), ClosedAt: utcPtr(st.ClosedAt), Events: events,
	})
	if err != nil {
		return refusedForGood(fmt.Errorf("recording ticket %s v%d: %w", st.Number, st.Version, err))
	}
	return nil
}

// refusedForGood fails an activity for good when the database will refuse
// the same write however often it is retried (store.Permanent): the
// workflow retries its local activities without end, so a NUL in a text on
// PostgreSQL would otherwise jam the ticket. The workflow carries on past
// ErrRefusedByDatabase (workflows' flush and sendNotifications).
func refusedForGood(err error) error {
	if store.Permanent(err) {
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrRefusedByDatabase, err)
	}
	return err
}

// stageStart is nil for a state recorded before the workflow kept it.
func stageStart(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// ResolveLevel finds the entity holding a ladder role for a ticket filed to
// in.Entity, from the hierarchy as it stands now.
func (a *Activities) ResolveLevel(ctx context.Context, in workflows.ResolveLevelInput) (workflows.LevelHolder, error) {
	e, err := a.entity(ctx, in.Entity)
	if err != nil {
		return workflows.LevelHolder{}, err
	}
	switch domain.LadderScope(in.Role) {
	case domain.ScopeSector:
		e, err = a.ancestor(ctx, e, func(x store.Entity) bool { return x.Kind == domain.EntitySector })
	case domain.ScopeMinistry:
		e, err = a.ancestor(ctx, e, func(x store.Entity) bool { return x.Parent == "" })
	}
	if err != nil {
		return workflows.LevelHolder{}, err
	}
	return workflows.LevelHolder{Role: in.Role, Entity: e.Code, NameAR: e.NameAR, NameEN: e.NameEN}, nil
}

// SuggestAssignee picks the active coordinator of in.Entity with the fewest
// pending tickets (ties by username); the zero Actor when the entity has no
// coordinator accounts. It only reads: the workflow records the choice, so a
// retry that picks someone else is harmless.
func (a *Activities) SuggestAssignee(ctx context.Context, in workflows.SuggestAssigneeInput) (workflows.Actor, error) {
	loads, err := a.Store.CoordinatorLoads(ctx, in.Entity)
	if err != nil {
		return workflows.Actor{}, refusedForGood(fmt.Errorf("coordinators of %q: %w", in.Entity, err))
	}
	if len(loads) == 0 {
		return workflows.Actor{}, nil
	}
	c := loads[0]
	return workflows.Actor{ID: store.AccountActorPrefix + c.Username, Name: c.Name, Role: domain.RoleCoordinator, Entity: in.Entity}, nil
}

// ReviewEntity is the entity one level above code, which reviews an objection
// to code's answer; the ministry root reviews its own.
func (a *Activities) ReviewEntity(ctx context.Context, code string) (workflows.LevelHolder, error) {
	e, err := a.entity(ctx, code)
	if err != nil {
		return workflows.LevelHolder{}, err
	}
	if e.Parent != "" {
		if e, err = a.entity(ctx, e.Parent); err != nil {
			return workflows.LevelHolder{}, err
		}
	}
	return workflows.LevelHolder{Entity: e.Code, NameAR: e.NameAR, NameEN: e.NameEN}, nil
}

// OpenTickets pages through the tickets a policy roll-out must reach (read only).
func (a *Activities) OpenTickets(ctx context.Context, in workflows.OpenTicketsInput) ([]string, error) {
	return a.Store.OpenTicketNumbers(ctx, in.After, in.Limit)
}

// Notify queues one notification in the outbox, once per key.
func (a *Activities) Notify(ctx context.Context, n workflows.Notification) error {
	err := a.Notifier.Notify(ctx, notify.Message{
		Key: n.Key, TicketNumber: n.TicketNumber, Audience: n.Audience, Channel: n.Channel,
		Recipient: n.Recipient, Template: n.Template, Params: n.Params, Language: notify.Language(n.Language),
	})
	if err != nil {
		return refusedForGood(fmt.Errorf("queueing %s for ticket %s: %w", n.Template, n.TicketNumber, err))
	}
	return nil
}

func (a *Activities) entity(ctx context.Context, code string) (store.Entity, error) {
	e, err := a.Store.GetEntity(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		// Retrying cannot make an unknown entity appear; fail the activity for good.
		return e, temporal.NewNonRetryableApplicationError("unknown entity "+code, "unknown_entity", err)
	}
	if err != nil {
		// A code PostgreSQL cannot even compare (a NUL) fails for good too:
		// the workflow falls back as for an unknown entity.
		return e, refusedForGood(fmt.Errorf("loading entity %q: %w", code, err))
	}
	return e, nil
}

// ancestor walks up from e (inclusive) to the first entity matching; the walk is
// bounded so a cycle in bad data cannot loop forever.
func (a *Activities) ancestor(ctx context.Context, e store.Entity, match func(store.Entity) bool) (store.Entity, error) {
	for range 16 {
		if match(e) || e.Parent == "" {
			return e, nil
		}
		next, err := a.entity(ctx, e.Parent)
		if err != nil {
			return e, err
		}
		e = next
	}
	return e, temporal.NewNonRetryableApplicationError("entity hierarchy too deep or cyclic at "+e.Code, "bad_hierarchy", nil)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
