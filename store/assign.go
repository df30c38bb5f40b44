package store

import (
	"context"
	"fmt"

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
