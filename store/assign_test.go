package store

import (
	"context"
	"errors"
	"testing"
	"time"

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

func TestCoordinatorWorkload(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acct := func(username string, role domain.Role, entity string) {
			if _, err := s.CreateAccount(ctx, NewAccount{Username: username, Name: "N " + username, Role: role,
				Entity: entity, PasswordHash: "x"}, baseTime); err != nil {
				t.Fatal(err)
			}
		}
		acct("sara", domain.RoleCoordinator, "A")
		acct("omar", domain.RoleCoordinator, "A")
		acct("huda", domain.RoleCoordinator, "A")
		acct("gone", domain.RoleCoordinator, "A")
		acct("boss", domain.RoleCareCenterManager, "A")
		acct("else", domain.RoleCoordinator, "B")
		if err := s.DisableAccount(ctx, "gone", baseTime); err != nil {
			t.Fatal(err)
		}
		now := baseTime.Add(48 * time.Hour)
		assign := func(to string, st domain.Status, due time.Time) {
			tk := mustCreate(t, s, sampleTicket(due))
			if err := s.ApplyChange(ctx, TicketChange{Number: tk.Number, Version: 1, Status: st,
				ResponsibleEntity: "A", SLADueAt: due, AssignedTo: AccountActorPrefix + to}); err != nil {
				t.Fatal(err)
			}
		}
		late, soon := now.Add(-time.Hour), now.Add(time.Hour)
		assign("sara", domain.StatusOpen, late)
		assign("sara", domain.StatusReopened, soon)
		assign("sara", domain.StatusAnswered, late) // on the desk, waits on no one here
		assign("omar", domain.StatusOpen, soon)
		assign("omar", domain.StatusAwaitingInfo, late)
		assign("huda", domain.StatusClosed, late) // done work is no load
		assign("gone", domain.StatusOpen, late)   // a disabled account is no row
		assign("boss", domain.StatusOpen, late)   // nor another role
		// Overdue is judged at the instant asked: exactly due is not late.
		assign("huda", domain.StatusOpen, now)

		for _, c := range []struct {
			at   time.Time
			want []CoordinatorWork
		}{
			{now, []CoordinatorWork{
				{Username: "sara", Name: "N sara", Open: 2, Overdue: 1, Assigned: 3},
				{Username: "huda", Name: "N huda", Open: 1, Overdue: 0, Assigned: 1},
				{Username: "omar", Name: "N omar", Open: 1, Overdue: 0, Assigned: 2},
			}},
			// Two hours on, everything pending is late.
			{now.Add(2 * time.Hour), []CoordinatorWork{
				{Username: "sara", Name: "N sara", Open: 2, Overdue: 2, Assigned: 3},
				{Username: "huda", Name: "N huda", Open: 1, Overdue: 1, Assigned: 1},
				{Username: "omar", Name: "N omar", Open: 1, Overdue: 1, Assigned: 2},
			}},
		} {
			work, err := s.CoordinatorWorkload(ctx, "A", c.at)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "workload at "+c.at.String(), work, c.want)
		}
		if work, err := s.CoordinatorWorkload(ctx, "nowhere", now); err != nil || len(work) != 0 {
			t.Fatalf("no coordinators: %v, %v", work, err)
		}
	})
}
