package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// AccountActorPrefix marks actor IDs that are accounts ("user:<username>");
// assignments name coordinators by it.
const AccountActorPrefix = "user:"

// CoordinatorLoad is one active coordinator of an entity and how many
// pending tickets are assigned to them.
type CoordinatorLoad struct {
	Username string
	Name     string
	Pending  int
}

// CoordinatorLoads lists the active coordinators of entity, least loaded
// first (ties by username, so the choice is stable).
func (s *Store) CoordinatorLoads(ctx context.Context, entity string) ([]CoordinatorLoad, error) {
	var out []CoordinatorLoad
	err := s.rdb.WithContext(ctx).Raw(`SELECT a.username AS username, a.name AS name, count(t.number) AS pending
		FROM accounts a
		LEFT JOIN tickets t ON t.assigned_to = ? || a.username AND t.status IN ?
		WHERE a.role = ? AND a.entity = ? AND NOT a.disabled
		GROUP BY a.username, a.name
		ORDER BY count(t.number), a.username`,
		AccountActorPrefix, pendingStatuses(), string(domain.RoleCoordinator), entity).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: coordinator loads of %s: %w", entity, err)
	}
	return out, nil
}

// ActiveCoordinator returns the account if username is an active coordinator
// of entity, else ErrNotFound.
func (s *Store) ActiveCoordinator(ctx context.Context, username, entity string) (Account, error) {
	acc, err := s.GetAccountByUsername(ctx, username)
	if err != nil {
		return Account{}, err
	}
	if acc.Disabled || acc.Role != domain.RoleCoordinator || acc.Entity != entity {
		return Account{}, ErrNotFound
	}
	return acc, nil
}

// CoordinatorWork is one active coordinator of an entity and the tickets
// on their desk, for the managers' workload board.
type CoordinatorWork struct {
	Username string
	Name     string
	// Open: waiting on staff (open, reopened); Overdue: of those, past
	// their deadline; Assigned: every ticket of theirs not yet final
	// (answered ones in the objection window, awaiting the beneficiary, a
	// meeting), the whole desk.
	Open, Overdue, Assigned int
}

// CoordinatorWorkload lists the active coordinators of entity with their
// open, overdue (judged at now) and assigned counts, the most overdue
// first, then the most open, then by username. One statement: the counts
// are conditional aggregates over the one join CoordinatorLoads makes.
func (s *Store) CoordinatorWorkload(ctx context.Context, entity string, now time.Time) ([]CoordinatorWork, error) {
	var final []string
	for _, st := range domain.Statuses() {
		if st.Final() {
			final = append(final, string(st))
		}
	}
	var out []CoordinatorWork
	err := s.rdb.WithContext(ctx).Raw(`SELECT a.username AS username, a.name AS name,
			count(CASE WHEN t.status IN ? THEN 1 END) AS open,
			count(CASE WHEN t.status IN ? AND t.sla_due_at < ? THEN 1 END) AS overdue,
			count(t.number) AS assigned
		FROM accounts a
		LEFT JOIN tickets t ON t.assigned_to = ? || a.username AND t.status NOT IN ?
		WHERE a.role = ? AND a.entity = ? AND NOT a.disabled
		GROUP BY a.username, a.name
		ORDER BY overdue DESC, open DESC, a.username`,
		pendingStatuses(), pendingStatuses(), utc(now), AccountActorPrefix, final,
		string(domain.RoleCoordinator), entity).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: coordinator workload of %s: %w", entity, err)
	}
	return out, nil
}
