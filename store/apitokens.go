package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tawasul/tawasul/domain"
)

// APIToken is the bearer token of an integration (call-center telephony, a
// social-media connector): only the hex SHA-256 of its secret is stored.
type APIToken struct {
	ID         int64       `gorm:"primaryKey"`
	Name       string      `gorm:"size:64;not null"`
	TokenHash  string      `gorm:"size:64;not null"` // hex SHA-256 of the secret
	Role       domain.Role `gorm:"size:32;not null"`
	Entity     string      `gorm:"size:32;not null"` // "" for ministry-wide roles
	ExpiresAt  time.Time   `gorm:"not null"`
	RevokedAt  *time.Time
	CreatedBy  string    `gorm:"not null"` // actor ID of the admin
	CreatedAt  time.Time `gorm:"not null"`
	LastUsedAt *time.Time
}

func (APIToken) TableName() string { return "api_tokens" }

// NewAPIToken is what CreateAPIToken needs.
type NewAPIToken struct {
	Name      string
	TokenHash string
	Role      domain.Role
	Entity    string
	ExpiresAt time.Time
	CreatedBy string
}

func normalizeAPIToken(t *APIToken) {
	t.ExpiresAt, t.CreatedAt = utc(t.ExpiresAt), utc(t.CreatedAt)
	t.RevokedAt, t.LastUsedAt = utcPtr(t.RevokedAt), utcPtr(t.LastUsedAt)
}

// CreateAPIToken records a token; ErrExists when the name (or the hash) is taken.
func (s *Store) CreateAPIToken(ctx context.Context, n NewAPIToken, at time.Time) (APIToken, error) {
	t := APIToken{
		Name: n.Name, TokenHash: n.TokenHash, Role: n.Role, Entity: n.Entity,
		ExpiresAt: utc(n.ExpiresAt), CreatedBy: n.CreatedBy, CreatedAt: utc(at),
	}
	if t.Name == "" || len(t.TokenHash) != 64 || t.Role == "" {
		return APIToken{}, errors.New("store: create API token: name, role and a 64-digit token hash are required")
	}
	if err := s.writeTx(ctx, func(tx *gorm.DB) error { return tx.Create(&t).Error }); err != nil {
		if isUniqueViolation(err) {
			return APIToken{}, fmt.Errorf("store: API token %q: %w", t.Name, ErrExists)
		}
		return APIToken{}, fmt.Errorf("store: create API token %q: %w", t.Name, err)
	}
	return t, nil
}

// APITokenByHash finds the live token whose secret hashes to tokenHash: not
// revoked and not expired at at. Anything else is ErrNotFound.
func (s *Store) APITokenByHash(ctx context.Context, tokenHash string, at time.Time) (APIToken, error) {
	var t APIToken
	err := s.rdb.WithContext(ctx).
		Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, utc(at)).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIToken{}, fmt.Errorf("store: API token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("store: API token by hash: %w", err)
	}
	normalizeAPIToken(&t)
	return t, nil
}

// TouchAPIToken records that the token id was used at at. It writes at most
// once a minute per token (the condition is in the UPDATE, so concurrent
// requests do not each write), and reports whether it wrote.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	at = utc(at)
	res := s.db.WithContext(ctx).Model(&APIToken{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", id, at.Add(-lastUsedEvery)).
		Update("last_used_at", at)
	if res.Error != nil {
		return false, fmt.Errorf("store: touch API token %d: %w", id, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// RevokeAPIToken ends the token named name (idempotent: revoking twice keeps
// the first revocation time). ErrNotFound for an unknown name.
func (s *Store) RevokeAPIToken(ctx context.Context, name string, at time.Time) error {
	return s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("name = ? AND revoked_at IS NULL", name).Update("revoked_at", utc(at))
		if res.Error != nil {
			return fmt.Errorf("store: revoke API token %q: %w", name, res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&APIToken{}).Where("name = ?", name).Count(&n).Error; err != nil {
				return fmt.Errorf("store: revoke API token %q: %w", name, err)
			}
			if n == 0 {
				return fmt.Errorf("store: API token %q: %w", name, ErrNotFound)
			}
		}
		return nil
	})
}

// ListAPITokens lists every token (revoked and expired ones included), by name.
func (s *Store) ListAPITokens(ctx context.Context) ([]APIToken, error) {
	var ts []APIToken
	if err := s.rdb.WithContext(ctx).Order("name").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", err)
	}
	for i := range ts {
		normalizeAPIToken(&ts[i])
	}
	return ts, nil
}
