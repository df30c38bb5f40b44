package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Oversee checks that actor may watch entity's coordinators and their
// work: admins and supervisors any entity, a care-center manager their own
// only. Handing a ticket over is a further check (authz.Assign).
func Oversee(actor workflows.Actor, entity string) error {
	if strings.TrimSpace(entity) == "" {
		return refusal.Fields(refusal.Field{Name: "entity", Code: refusal.FieldRequired})
	}
	switch actor.Role {
	case domain.RoleAdmin, domain.RoleSupervisor:
		return nil
	case domain.RoleCareCenterManager:
		if actor.Entity == entity {
			return nil
		}
	}
	return refusal.New(refusal.Forbidden, refusal.CodeForbidden)
}

// CoordinatorLoads lists entity's active coordinators with their pending
// work, least loaded first, for the one choosing whom to assign (Oversee).
func (s *Service) CoordinatorLoads(ctx context.Context, actor workflows.Actor, entity string) ([]store.CoordinatorLoad, error) {
	entity = strings.TrimSpace(entity)
	if err := Oversee(actor, entity); err != nil {
		return nil, err
	}
	loads, err := s.store.CoordinatorLoads(ctx, entity)
	if err != nil {
		return nil, fmt.Errorf("coordinator loads: %w", err)
	}
	return loads, nil
}

// MaxDeskTickets bounds the tickets Workload lists per coordinator.
const MaxDeskTickets = 50

// Workload is an entity's coordinators and their work, read at At.
type Workload struct {
	Entity       string
	At           time.Time
	Coordinators []Desk
}

// Desk is one coordinator's counts and their pending tickets, most urgent
// deadline first (at most the limit asked; Open says how many there are).
type Desk struct {
	store.CoordinatorWork
	Tickets []store.Ticket
}

// Workload is the managers' board of entity (Oversee): each active
// coordinator with their open, overdue and assigned counts and up to
// perDesk (1..MaxDeskTickets) of their pending tickets within actor's read
// scope.
func (s *Service) Workload(ctx context.Context, actor workflows.Actor, entity string, perDesk int) (Workload, error) {
	entity = strings.TrimSpace(entity)
	if err := Oversee(actor, entity); err != nil {
		return Workload{}, err
	}
	perDesk = min(max(perDesk, 1), MaxDeskTickets)
	at := s.now()
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return Workload{}, fmt.Errorf("workload: %w", err)
	}
	work, err := s.store.CoordinatorWorkload(ctx, entity, at)
	if err != nil {
		return Workload{}, fmt.Errorf("workload: %w", err)
	}
	scope := authz.ReadScope(SubjectOf(actor), tree, tree.Codes())
	w := Workload{Entity: entity, At: at, Coordinators: make([]Desk, 0, len(work))}
	for _, c := range work {
		d := Desk{CoordinatorWork: c}
		if c.Open > 0 {
			page, err := s.store.ListTickets(ctx, store.TicketFilter{
				Scope: scope, Entity: entity, AssignedTo: store.AccountActorPrefix + c.Username,
				Status: []domain.Status{domain.StatusOpen, domain.StatusReopened}, Limit: perDesk,
			})
			if err != nil {
				return Workload{}, fmt.Errorf("workload of %s: %w", c.Username, err)
			}
			d.Tickets = page.Tickets
		}
		w.Coordinators = append(w.Coordinators, d)
	}
	return w, nil
}
