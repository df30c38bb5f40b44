package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tawasul/tawasul/domain"
)

// Attachment describes one document attached to a ticket; its bytes are in
// the attachment store (package attachments) under StorageKey.
type Attachment struct {
	ID             string                   `gorm:"primaryKey;size:32"` // random, 32 hex digits
	TicketNumber   string                   `gorm:"size:16;not null"`
	Purpose        domain.AttachmentPurpose `gorm:"size:16;not null"`
	Public         bool                     `gorm:"not null"` // the beneficiary sees it
	UploadedByID   string                   `gorm:"size:100;not null"`
	UploadedByRole domain.Role              `gorm:"size:32;not null"`
	Name           string                   `gorm:"size:255;not null"` // sanitized original name, metadata only
	ContentType    string                   `gorm:"size:100;not null"` // as sniffed from the content
	Size           int64                    `gorm:"not null"`
	SHA256         string                   `gorm:"column:sha256;size:64;not null"` // hex
	StorageKey     string                   `gorm:"size:64;not null"`
	CreatedAt      time.Time
}

func (Attachment) TableName() string { return "attachments" }

// ErrAttachmentLimit: the ticket already holds as many attachments from
// that side as allowed.
var ErrAttachmentLimit = errors.New("store: attachment limit reached")

// byBeneficiary is the SQL test of which side uploaded: the beneficiary's
// documents and staff's are counted apart, so neither can use up the other's.
const byBeneficiary = `(uploaded_by_role = 'beneficiary') = ?`

// AddAttachment records a, whose blob is already stored, unless the ticket
// already has limit attachments from the same side (ErrAttachmentLimit) or
// does not exist (ErrNotFound). The count and the insert are one
// transaction holding the ticket's row, so two uploads at once cannot both
// take the last place. A zero CreatedAt is now.
func (s *Store) AddAttachment(ctx context.Context, a Attachment, limit int) (Attachment, error) {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now()
	}
	a.CreatedAt = utc(a.CreatedAt)
	beneficiary := a.UploadedByRole == domain.RoleBeneficiary
	lock := `SELECT number FROM tickets WHERE number = ?`
	if s.dialect == DialectPostgres {
		lock += ` FOR UPDATE` // SQLite's BEGIN IMMEDIATE already serializes writers
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var found []string
		if err := tx.Raw(lock, a.TicketNumber).Scan(&found).Error; err != nil {
			return fmt.Errorf("lock ticket: %w", err)
		}
		if len(found) == 0 {
			return ErrNotFound
		}
		var n int64
		err := tx.Model(&Attachment{}).Where("ticket_number = ? AND "+byBeneficiary, a.TicketNumber, beneficiary).
			Count(&n).Error
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if n >= int64(limit) {
			return ErrAttachmentLimit
		}
		return tx.Create(&a).Error
	})
	if err != nil {
		return Attachment{}, fmt.Errorf("store: add attachment to %s: %w", a.TicketNumber, err)
	}
	return a, nil
}

// CountAttachments counts a ticket's attachments from one side (the
// beneficiary's, or staff's), to refuse an upload before reading its body.
func (s *Store) CountAttachments(ctx context.Context, number string, fromBeneficiary bool) (int, error) {
	var n int64
	err := s.rdb.WithContext(ctx).Model(&Attachment{}).
		Where("ticket_number = ? AND "+byBeneficiary, number, fromBeneficiary).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count attachments of %s: %w", number, err)
	}
	return int(n), nil
}

// Attachments lists a ticket's attachments, oldest first.
func (s *Store) Attachments(ctx context.Context, number string) ([]Attachment, error) {
	var as []Attachment
	err := s.rdb.WithContext(ctx).Where("ticket_number = ?", number).Order("created_at, id").Find(&as).Error
	if err != nil {
		return nil, fmt.Errorf("store: attachments of %s: %w", number, err)
	}
	for i := range as {
		as[i].CreatedAt = utc(as[i].CreatedAt)
	}
	return as, nil
}

// GetAttachment finds attachment id of ticket number; one of another ticket
// is ErrNotFound, so a path cannot pair a ticket one may read with a
// document of another.
func (s *Store) GetAttachment(ctx context.Context, number, id string) (Attachment, error) {
	var a Attachment
	err := s.rdb.WithContext(ctx).Where("id = ? AND ticket_number = ?", id, number).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Attachment{}, fmt.Errorf("store: attachment %s of %s: %w", id, number, ErrNotFound)
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("store: attachment %s of %s: %w", id, number, err)
	}
	a.CreatedAt = utc(a.CreatedAt)
	return a, nil
}

// AttachmentKeyInUse reports whether a row refers to the blob under key
// (the attachment store's sweep asks before removing a blob).
func (s *Store) AttachmentKeyInUse(ctx context.Context, key string) (bool, error) {
	var found []int
	err := s.rdb.WithContext(ctx).Raw(`SELECT 1 FROM attachments WHERE storage_key = ? LIMIT 1`, key).Scan(&found).Error
	if err != nil {
		return false, fmt.Errorf("store: attachment key in use: %w", err)
	}
	return len(found) > 0, nil
}
