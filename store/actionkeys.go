package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ActionKey binds the Idempotency-Key of one ticket action to the request it
// first came with, so the same key with another request is refused instead
// of answered with the first action's result.
type ActionKey struct {
	// KeyHash is the hex SHA-256 of the ticket, the actor and the client's
	// key: the key is the client's, scoped to who acts on what.
	KeyHash string `gorm:"primaryKey;size:64"`
	// RequestHash is the hex SHA-256 of the update's name and request.
	RequestHash  string `gorm:"size:64;not null"`
	TicketNumber string `gorm:"size:16;not null"`
	CreatedAt    time.Time
}

func (ActionKey) TableName() string { return "action_keys" }

// ClaimActionKey records k unless its KeyHash is already claimed. Either way
// it returns the claim that stands: k, or the first one, with
// ErrIdempotencyMismatch when that one's RequestHash differs. A claim is kept
// whether or not its action then reached the workflow, so a retry after a
// crash in between finds the same request and sends it again.
func (s *Store) ClaimActionKey(ctx context.Context, k ActionKey) (ActionKey, error) {
	if k.KeyHash == "" || k.RequestHash == "" || k.TicketNumber == "" {
		return ActionKey{}, errors.New("store: action key needs its key hash, request hash and ticket")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now()
	}
	k.CreatedAt = utc(k.CreatedAt)
	// ON CONFLICT DO NOTHING: two concurrent retries both end up reading the
	// one row that won, without a failed statement to roll back.
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&k).Error
	if err != nil {
		return ActionKey{}, fmt.Errorf("store: claim action key: %w", err)
	}
	var got ActionKey
	err = s.db.WithContext(ctx).Where("key_hash = ?", k.KeyHash).Take(&got).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// Purged between the two statements: nothing else can remove it.
		return ActionKey{}, fmt.Errorf("store: action key vanished after its claim: %w", ErrNotFound)
	}
	if err != nil {
		return ActionKey{}, fmt.Errorf("store: read action key: %w", err)
	}
	got.CreatedAt = utc(got.CreatedAt)
	if got.RequestHash != k.RequestHash {
		return got, ErrIdempotencyMismatch
	}
	return got, nil
}

// PurgeActionKeys deletes the action keys claimed before cut and says how
// many went. A purged key is only a key unknown again: the action's update id
// carries its request hash too (tickets/actionkeys.go), so a reuse after the
// purge is a fresh action, never a silent replay of another request.
func (s *Store) PurgeActionKeys(ctx context.Context, cut time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM action_keys WHERE created_at < ?`, utc(cut))
	if res.Error != nil {
		return 0, fmt.Errorf("store: purge action keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
