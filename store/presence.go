package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Presence is a staff member with a ticket's page open, as last seen.
type Presence struct {
	TicketNumber string    `gorm:"primaryKey"`
	ActorID      string    `gorm:"primaryKey"`
	Name         string    `gorm:"not null"`
	SeenAt       time.Time `gorm:"not null"`
}

func (Presence) TableName() string { return "ticket_presence" }

// presenceKeep is how long a row outlives its last sighting before it is
// deleted (it stops counting as present long before).
const presenceKeep = time.Hour

// SeePresence records that actorID (called name) has number's page open at
// at, and drops the ticket's rows of people long gone.
func (s *Store) SeePresence(ctx context.Context, number, actorID, name string, at time.Time) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		p := Presence{TicketNumber: number, ActorID: actorID, Name: name, SeenAt: at.UTC()}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "ticket_number"}, {Name: "actor_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "seen_at"}),
		}).Create(&p).Error; err != nil {
			return err
		}
		return tx.Where("ticket_number = ? AND seen_at < ?", number, at.Add(-presenceKeep).UTC()).Delete(&Presence{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: presence on %s: %w", number, err)
	}
	return nil
}

// PresentOthers are the people other than actorID seen on number's page
// since since, by name.
func (s *Store) PresentOthers(ctx context.Context, number, actorID string, since time.Time) ([]Presence, error) {
	var out []Presence
	err := s.rdb.WithContext(ctx).Where("ticket_number = ? AND actor_id <> ? AND seen_at >= ?", number, actorID, since.UTC()).
		Order("name").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: presence on %s: %w", number, err)
	}
	return out, nil
}
