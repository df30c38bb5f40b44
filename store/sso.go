package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SSOIdentity ties an account to the single sign-on's (issuer, subject):
// the provider never gives a subject to anyone else, where it may reassign
// a preferred_username. One identity per account.
type SSOIdentity struct {
	Issuer    string    `gorm:"primaryKey"`
	Subject   string    `gorm:"primaryKey"`
	AccountID int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (SSOIdentity) TableName() string { return "sso_identities" }

// GetAccountBySSO loads the account of the provider's (issuer, subject);
// ErrNotFound when none is linked to it.
func (s *Store) GetAccountBySSO(ctx context.Context, issuer, subject string) (Account, error) {
	var id SSOIdentity
	err := s.rdb.WithContext(ctx).Where("issuer = ? AND subject = ?", issuer, subject).Take(&id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Account{}, fmt.Errorf("store: sso identity: %w", ErrNotFound)
	} else if err != nil {
		return Account{}, fmt.Errorf("store: sso identity: %w", err)
	}
	return s.GetAccount(ctx, id.AccountID)
}

// SSOIdentityOf is the identity linked to an account; ErrNotFound when it
// has none (a password account, or one made before identities were kept).
func (s *Store) SSOIdentityOf(ctx context.Context, accountID int64) (SSOIdentity, error) {
	var id SSOIdentity
	err := s.rdb.WithContext(ctx).Where("account_id = ?", accountID).Take(&id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return SSOIdentity{}, fmt.Errorf("store: sso identity of account %d: %w", accountID, ErrNotFound)
	} else if err != nil {
		return SSOIdentity{}, fmt.Errorf("store: sso identity of account %d: %w", accountID, err)
	}
	id.CreatedAt = utc(id.CreatedAt)
	return id, nil
}

// CreateSSOAccount is CreateAccount with the account's identity, in one
// transaction; ErrExists when the username or the identity is taken.
func (s *Store) CreateSSOAccount(ctx context.Context, n NewAccount, issuer, subject string, at time.Time) (Account, error) {
	return s.createAccount(ctx, n, at, func(tx *gorm.DB, a Account) error {
		return tx.Create(&SSOIdentity{Issuer: issuer, Subject: subject, AccountID: a.ID, CreatedAt: utc(at)}).Error
	})
}

// LinkSSO gives an account made before identities were kept its identity
// (under WithAudit, with it). ErrExists when the identity or the account is
// already linked: a link is never moved.
func (s *Store) LinkSSO(ctx context.Context, accountID int64, issuer, subject string, at time.Time) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&SSOIdentity{Issuer: issuer, Subject: subject, AccountID: accountID, CreatedAt: utc(at)}).Error; err != nil {
			return err
		}
		return addAuditDetail(ctx, map[string]any{"issuer": issuer, "subject": subject})
	})
	if isUniqueViolation(err) {
		return fmt.Errorf("store: link sso identity to account %d: %w", accountID, ErrExists)
	} else if err != nil {
		return fmt.Errorf("store: link sso identity to account %d: %w", accountID, err)
	}
	return nil
}
