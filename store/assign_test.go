package store

import (
	"context"
	"errors"
	"testing"

	"github.com/tawasul/tawasul/domain"
)

func TestCoordinatorLoads(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acct := func(username string, role domain.Role, entity string) {
			if _, err := s.CreateAccount(ctx, NewAccount{Username: username, Name: username, Role: role, Entity: entity,
				PasswordHash: "x"}, baseTime); err != nil {
				t.Fatal(err)
			}
		}
		acct("sara", domain.RoleCoordinator, "A")
		acct("omar", domain.RoleCoordinator, "A")
		acct("huda", domain.RoleCoordinator, "A")
		acct("gone", domain.RoleCoordinator, "A")
		acct("boss", domain.RoleCareCenterManager, "A") // not a coordinator
		acct("else", domain.RoleCoordinator, "B")       // another entity
		if err := s.DisableAccount(ctx, "gone", baseTime); err != nil {
			t.Fatal(err)
		}
		assign := func(to string, st domain.Status) {
			tk := mustCreate(t, s, sampleTicket(baseTime))
			if err := s.ApplyChange(ctx, TicketChange{Number: tk.Number, Version: 1, Status: st,
				ResponsibleEntity: "A", SLADueAt: tk.SLADueAt, AssignedTo: AccountActorPrefix + to}); err != nil {
				t.Fatal(err)
			}
		}
		assign("sara", domain.StatusOpen)
		assign("sara", domain.StatusReopened)
		assign("omar", domain.StatusOpen)
		assign("huda", domain.StatusClosed) // done work is no load
		assign("huda", domain.StatusAnswered)

		loads, err := s.CoordinatorLoads(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "loads", loads, []CoordinatorLoad{
			{Username: "huda", Name: "huda", Pending: 0},
			{Username: "omar", Name: "omar", Pending: 1},
			{Username: "sara", Name: "sara", Pending: 2},
		})
		if loads, err := s.CoordinatorLoads(ctx, "nowhere"); err != nil || len(loads) != 0 {
			t.Fatalf("no coordinators: %v, %v", loads, err)
		}

		if _, err := s.ActiveCoordinator(ctx, "OMAR", "A"); err != nil {
			t.Errorf("omar is an active coordinator of A: %v", err)
		}
		for _, c := range []struct{ user, entity string }{{"gone", "A"}, {"boss", "A"}, {"else", "A"}, {"nobody", "A"}} {
			if _, err := s.ActiveCoordinator(ctx, c.user, c.entity); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s in %s: %v, want ErrNotFound", c.user, c.entity, err)
			}
		}
	})
}
