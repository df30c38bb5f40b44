package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/tawasul/tawasul/domain"
)

// TicketRef is what an end-to-end count needs of a ticket: no personal data.
type TicketRef struct {
	Number          string
	Subject         string
	Status          domain.Status
	WorkflowStarted bool
	// Version is 0 until the ticket's workflow has recorded it.
	Version int64
}

// TicketRefsBySubject lists, in number order, the tickets whose subject
// contains fragment (taken literally: % and _ are not wildcards). A load
// generator tags its subjects and counts its rows with it. It scans the
// table, so it is for checks and tools, not for serving requests.
func (s *Store) TicketRefsBySubject(ctx context.Context, fragment string) ([]TicketRef, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(fragment)
	var out []TicketRef
	err := s.rdb.WithContext(ctx).Model(&Ticket{}).
		Select("number, subject, status, workflow_started, version").
		Where(`subject LIKE ? ESCAPE '\'`, "%"+esc+"%").
		Order("number").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: tickets by subject: %w", err)
	}
	return out, nil
}
