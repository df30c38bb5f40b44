package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EnqueueOutbox inserts m unless a message with m.Key exists; inserted reports which.
// The store sets ID, a zero CreatedAt (now) and an empty Status ("pending").
func (s *Store) EnqueueOutbox(ctx context.Context, m OutboxMessage) (inserted bool, err error) {
	return enqueueOutbox(s.db.WithContext(ctx), m)
}

// enqueueOutbox is EnqueueOutbox on db, which may be a transaction that
// writes the message together with what it announces.
func enqueueOutbox(db *gorm.DB, m OutboxMessage) (bool, error) {
	m.ID = 0
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.CreatedAt = utc(m.CreatedAt)
	m.SentAt = utcPtr(m.SentAt)
	if m.Status == "" {
		m.Status = "pending"
	}
	res := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoNothing: true,
	}).Create(&m)
	if res.Error != nil {
		return false, fmt.Errorf("store: enqueue outbox %s: %w", m.Template, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Outbox lists a ticket's messages by ID (tests and the audit view).
func (s *Store) Outbox(ctx context.Context, ticketNumber string) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	err := s.rdb.WithContext(ctx).Where("ticket_number = ?", ticketNumber).Order("id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("store: outbox of %s: %w", ticketNumber, err)
	}
	for i := range ms {
		ms[i].CreatedAt = utc(ms[i].CreatedAt)
		ms[i].SentAt = utcPtr(ms[i].SentAt)
	}
	return ms, nil
}
