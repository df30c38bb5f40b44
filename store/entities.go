package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UpsertEntities inserts or updates entities by code, all or nothing.
// When a code appears twice the last occurrence wins (on both dialects:
// PostgreSQL would otherwise reject a batch touching one row twice).
//
// Under WithAudit the entry lists, in "changes", every entity the write adds
// or alters, with its row before (null when new) and after, read inside the
// transaction: a new parent moves an entity's tickets into another sector's
// view, so what changed is recorded, not a count.
func (s *Store) UpsertEntities(ctx context.Context, es []Entity) error {
	if len(es) == 0 {
		return nil
	}
	at := make(map[string]int, len(es))
	rows := make([]Entity, 0, len(es))
	for _, e := range es {
		if i, ok := at[e.Code]; ok {
			rows[i] = e
			continue
		}
		at[e.Code] = len(rows)
		rows = append(rows, e)
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var old []Entity
		if err := tx.Order("code").Find(&old).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "code"}},
			DoUpdates: clause.AssignmentColumns([]string{"name_ar", "name_en", "kind", "parent"}),
		}).CreateInBatches(&rows, 200).Error; err != nil {
			return err
		}
		return addAuditDetail(ctx, map[string]any{"changes": EntityChanges(old, rows)})
	})
	if err != nil {
		return fmt.Errorf("store: upsert %d entities: %w", len(rows), err)
	}
	return nil
}

// ListEntities returns every entity ordered by code.
func (s *Store) ListEntities(ctx context.Context) ([]Entity, error) {
	var es []Entity
	if err := s.rdb.WithContext(ctx).Order("code").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("store: list entities: %w", err)
	}
	return es, nil
}

func (s *Store) GetEntity(ctx context.Context, code string) (Entity, error) {
	var e Entity
	err := s.rdb.WithContext(ctx).Where("code = ?", code).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Entity{}, fmt.Errorf("store: entity %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return Entity{}, fmt.Errorf("store: get entity %q: %w", code, err)
	}
	return e, nil
}

// EntityChange is one entity an import added (Before nil) or altered.
type EntityChange struct {
	Code   string  `json:"code"`
	Before *Entity `json:"before"`
	After  Entity  `json:"after"`
}

// Renamed: an altered entity's Arabic or English name changed.
func (c EntityChange) Renamed() bool {
	return c.Before != nil && (c.Before.NameAR != c.After.NameAR || c.Before.NameEN != c.After.NameEN)
}

// Reparented: an altered entity moved under another parent (and so to
// another sector's sight).
func (c EntityChange) Reparented() bool {
	return c.Before != nil && c.Before.Parent != c.After.Parent
}

// EntityChanges lists the rows of upserts that differ from old, by code:
// what an import of upserts over old adds and alters.
func EntityChanges(old, upserts []Entity) []EntityChange {
	was := make(map[string]Entity, len(old))
	for _, e := range old {
		was[e.Code] = e
	}
	out := []EntityChange{}
	for _, e := range upserts {
		if o, ok := was[e.Code]; !ok {
			out = append(out, EntityChange{Code: e.Code, After: e})
		} else if o != e {
			out = append(out, EntityChange{Code: e.Code, Before: &o, After: e})
		}
	}
	slices.SortFunc(out, func(a, b EntityChange) int { return strings.Compare(a.Code, b.Code) })
	return out
}
