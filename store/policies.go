package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tawasul/tawasul/sla"
)

// CurrentPolicy returns the newest policy version (ErrNotFound if none).
func (s *Store) CurrentPolicy(ctx context.Context) (sla.Policy, error) {
	var row StoredPolicy
	err := s.rdb.WithContext(ctx).Order("version DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sla.Policy{}, fmt.Errorf("store: current policy: %w", ErrNotFound)
	}
	if err != nil {
		return sla.Policy{}, fmt.Errorf("store: current policy: %w", err)
	}
	return decodePolicy(row)
}

// GetPolicy returns one version.
func (s *Store) GetPolicy(ctx context.Context, version int) (sla.Policy, error) {
	var row StoredPolicy
	err := s.rdb.WithContext(ctx).Where("version = ?", version).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sla.Policy{}, fmt.Errorf("store: policy v%d: %w", version, ErrNotFound)
	}
	if err != nil {
		return sla.Policy{}, fmt.Errorf("store: policy v%d: %w", version, err)
	}
	return decodePolicy(row)
}

// SavePolicy stores p as the next version (max+1) and returns it with Version and CreatedAt set.
//
// Savers are serialized (an advisory lock on PostgreSQL, the single writer on
// SQLite), so two of them never read the same max. EnsurePolicy does not take
// that lock; should its version 1 land between our read and insert, the
// primary key rejects ours and one retry reads the new max.
func (s *Store) SavePolicy(ctx context.Context, p sla.Policy, by string) (sla.Policy, error) {
	const attempts = 2
	for i := 1; ; i++ {
		out := p
		err := s.writeTx(ctx, func(tx *gorm.DB) error {
			if err := s.xactLock(tx, lockPolicies); err != nil {
				return err
			}
			var top int
			if err := tx.Raw(`SELECT COALESCE(MAX(version), 0) FROM policies`).Scan(&top).Error; err != nil {
				return err
			}
			out.Version = top + 1
			// The version is known only here: its audit entry names it.
			setAuditSubject(ctx, fmt.Sprintf("policy/%d", out.Version))
			out.CreatedAt = now()
			out.CreatedBy = by
			row, err := encodePolicy(out)
			if err != nil {
				return err
			}
			return tx.Create(&row).Error
		})
		if err == nil {
			return out, nil
		}
		if !isUniqueViolation(err) || i == attempts {
			return sla.Policy{}, fmt.Errorf("store: save policy: %w", err)
		}
	}
}

// EnsurePolicy stores p as version 1 when no policy exists yet; returns the current one.
// Safe to run from several processes at first start: only one version 1 lands.
func (s *Store) EnsurePolicy(ctx context.Context, p sla.Policy) (sla.Policy, error) {
	cur, err := s.CurrentPolicy(ctx)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return cur, err
	}
	p.Version = 1
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now()
	}
	p.CreatedAt = utc(p.CreatedAt)
	row, err := encodePolicy(p)
	if err != nil {
		return sla.Policy{}, fmt.Errorf("store: ensure policy: %w", err)
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "version"}},
		DoNothing: true,
	}).Create(&row).Error
	if err != nil {
		return sla.Policy{}, fmt.Errorf("store: ensure policy: %w", err)
	}
	return s.CurrentPolicy(ctx)
}

// ListPolicies returns one page of versions, newest first, below version
// before (0 = from the newest). Limit outside 1..200 is clamped (<= 0 means 50).
func (s *Store) ListPolicies(ctx context.Context, before, limit int) (PolicyPage, error) {
	switch {
	case limit <= 0:
		limit = defaultPageSize
	case limit > maxPageSize:
		limit = maxPageSize
	}
	q := s.rdb.WithContext(ctx).Model(&StoredPolicy{})
	if before > 0 {
		q = q.Where("version < ?", before)
	}
	var rows []PolicySummary
	// One row more than the page tells whether another page exists.
	if err := q.Order("version DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return PolicyPage{}, fmt.Errorf("store: list policies before v%d: %w", before, err)
	}
	var page PolicyPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = rows[limit-1].Version
	}
	for i := range rows {
		rows[i].CreatedAt = utc(rows[i].CreatedAt)
	}
	page.Versions = rows
	return page, nil
}

func encodePolicy(p sla.Policy) (StoredPolicy, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return StoredPolicy{}, fmt.Errorf("encode policy: %w", err)
	}
	return StoredPolicy{Version: p.Version, Body: string(body), CreatedBy: p.CreatedBy, Reason: p.Reason,
		CreatedAt: utc(p.CreatedAt)}, nil
}

// decodePolicy trusts the columns over the body for the identifying fields:
// the columns are what the queries select on.
func decodePolicy(row StoredPolicy) (sla.Policy, error) {
	var p sla.Policy
	if err := json.Unmarshal([]byte(row.Body), &p); err != nil {
		return sla.Policy{}, fmt.Errorf("store: decode policy v%d: %w", row.Version, err)
	}
	p.Version = row.Version
	p.CreatedAt = utc(row.CreatedAt)
	p.CreatedBy = row.CreatedBy
	p.Reason = row.Reason
	return p, nil
}
