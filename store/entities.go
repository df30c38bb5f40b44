package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UpsertEntities inserts or updates entities by code, all or nothing.
// When a code appears twice the last occurrence wins (on both dialects:
// PostgreSQL would otherwise reject a batch touching one row twice).
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
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "code"}},
			DoUpdates: clause.AssignmentColumns([]string{"name_ar", "name_en", "kind", "parent"}),
		}).CreateInBatches(&rows, 200).Error
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
