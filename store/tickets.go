package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tawasul/tawasul/domain"
)

// errIdempotencyRace rolls back a CreateTicket transaction that lost the race
// for its Idempotency-Key; it never leaves this file.
var errIdempotencyRace = errors.New("store: idempotency key taken concurrently")

// FindIdempotency returns the record for keyHash or ErrNotFound.
func (s *Store) FindIdempotency(ctx context.Context, keyHash string) (IdempotencyRecord, error) {
	var rec IdempotencyRecord
	err := s.rdb.WithContext(ctx).Where("key_hash = ?", keyHash).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return IdempotencyRecord{}, fmt.Errorf("store: idempotency key: %w", ErrNotFound)
	}
	if err != nil {
		return IdempotencyRecord{}, fmt.Errorf("store: find idempotency key: %w", err)
	}
	rec.CreatedAt = utc(rec.CreatedAt)
	return rec, nil
}

// CreateTicket, in one transaction: allocates the next number of t.CreatedAt's
// year (format "2026-000123", from a counter row updated atomically, so unique
// across replicas and restarts), inserts the ticket row (Version 0,
// WorkflowStarted false) and, when idem != nil, the idempotency record pointing
// at it. If idem's KeyHash already exists (a concurrent duplicate), nothing is
// inserted and the existing record is returned with created=false (or
// ErrIdempotencyMismatch when its RequestHash differs).
//
// The year is taken in t.CreatedAt's own location, so a caller passing
// ministry-local time numbers by the ministry's calendar year; a zero
// CreatedAt means now (UTC). Stored instants are UTC, microsecond precision.
// On ErrIdempotencyMismatch the existing record is returned with it.
func (s *Store) CreateTicket(ctx context.Context, t NewTicket, idem *IdempotencyRecord) (ticket Ticket, rec *IdempotencyRecord, created bool, err error) {
	if idem != nil {
		if idem.KeyHash == "" {
			return Ticket{}, nil, false, errors.New("store: idempotency record without KeyHash")
		}
		// A retry of a finished request is the common case: answer it without
		// opening a write transaction or spending a number.
		existing, err := s.FindIdempotency(ctx, idem.KeyHash)
		if err == nil {
			return s.replayIdempotent(ctx, existing, idem.RequestHash)
		}
		if !errors.Is(err, ErrNotFound) {
			return Ticket{}, nil, false, err
		}
	}

	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	// Both counters run by the ministry's calendar: the caller gives
	// CreatedAt in its time zone.
	year, day := t.CreatedAt.Year(), t.CreatedAt.Format(time.DateOnly)
	normalizeTicket(&t)
	t.SearchText = searchText(t.Subject, t.Description)
	t.UpdatedAt = t.CreatedAt
	t.Version = 0
	t.WorkflowStarted = false

	var newRec *IdempotencyRecord
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		number, err := nextNumber(tx, year)
		if err != nil {
			return err
		}
		t.Number = number
		if t.Channel == domain.ChannelWalkIn && t.QueueNumber == "" {
			if t.QueueNumber, err = nextQueueNumber(tx, t.Entity, day); err != nil {
				return err
			}
		}
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
		if idem == nil {
			return nil
		}
		r := *idem
		r.TicketNumber = number
		r.CreatedAt = t.CreatedAt
		if err := tx.Create(&r).Error; err != nil {
			if isUniqueViolation(err) {
				return errIdempotencyRace
			}
			return fmt.Errorf("insert idempotency key: %w", err)
		}
		newRec = &r
		return nil
	})
	if errors.Is(err, errIdempotencyRace) {
		// The winner has committed (its key row is what we collided with), so
		// its record is visible now; the number we drew was rolled back.
		existing, err := s.FindIdempotency(ctx, idem.KeyHash)
		if err != nil {
			return Ticket{}, nil, false, err
		}
		return s.replayIdempotent(ctx, existing, idem.RequestHash)
	}
	if err != nil {
		return Ticket{}, nil, false, fmt.Errorf("store: create ticket: %w", err)
	}
	return t, newRec, true, nil
}

func (s *Store) replayIdempotent(ctx context.Context, rec IdempotencyRecord, requestHash string) (Ticket, *IdempotencyRecord, bool, error) {
	if rec.RequestHash != requestHash {
		return Ticket{}, &rec, false, ErrIdempotencyMismatch
	}
	t, err := s.GetTicket(ctx, rec.TicketNumber)
	if err != nil {
		return Ticket{}, nil, false, fmt.Errorf("store: ticket of idempotency key: %w", err)
	}
	return t, &rec, false, nil
}

// nextNumber draws the next number of year inside tx. The UPDATE takes the
// counter row's lock until tx ends, so concurrent creators (other connections,
// other replicas) queue on it and a rolled-back transaction returns its number.
func nextNumber(tx *gorm.DB, year int) (string, error) {
	if err := tx.Exec(`INSERT INTO ticket_counters (year, "last") VALUES (?, 0) ON CONFLICT (year) DO NOTHING`, year).Error; err != nil {
		return "", fmt.Errorf("ticket counter for %d: %w", year, err)
	}
	var last []int64
	if err := tx.Raw(`UPDATE ticket_counters SET "last" = "last" + 1 WHERE year = ? RETURNING "last"`, year).Scan(&last).Error; err != nil {
		return "", fmt.Errorf("ticket counter for %d: %w", year, err)
	}
	if len(last) != 1 {
		return "", fmt.Errorf("ticket counter for %d: updated %d rows", year, len(last))
	}
	return fmt.Sprintf("%d-%06d", year, last[0]), nil
}

// nextQueueNumber draws the next walk-in queue number of an entity for a
// day ("007"), in the intake's transaction: a rolled-back intake gives its
// number back, and two receptions never hand out the same one.
func nextQueueNumber(tx *gorm.DB, entity, day string) (string, error) {
	if err := tx.Exec(`INSERT INTO queue_counters (entity, day, "last") VALUES (?, ?, 0) ON CONFLICT (entity, day) DO NOTHING`, entity, day).Error; err != nil {
		return "", fmt.Errorf("queue counter %s/%s: %w", entity, day, err)
	}
	var last []int64
	if err := tx.Raw(`UPDATE queue_counters SET "last" = "last" + 1 WHERE entity = ? AND day = ? RETURNING "last"`, entity, day).Scan(&last).Error; err != nil {
		return "", fmt.Errorf("queue counter %s/%s: %w", entity, day, err)
	}
	if len(last) != 1 {
		return "", fmt.Errorf("queue counter %s/%s: updated %d rows", entity, day, len(last))
	}
	return fmt.Sprintf("%03d", last[0]), nil
}

// MarkWorkflowStarted sets WorkflowStarted (idempotent).
func (s *Store) MarkWorkflowStarted(ctx context.Context, number string) error {
	res := s.db.WithContext(ctx).Exec(
		`UPDATE tickets SET workflow_started = ? WHERE number = ? AND workflow_started = ?`, true, number, false)
	if res.Error != nil {
		return fmt.Errorf("store: mark workflow started %s: %w", number, res.Error)
	}
	if res.RowsAffected == 0 {
		// Already marked, or no such ticket: only the latter is an error.
		if _, err := s.GetTicket(ctx, number); err != nil {
			return err
		}
	}
	return nil
}

// ProveMobile records that the ticket's beneficiary mobile is proven to be
// mobile's owner's, at at (idempotent: the first proof's time stays).
// ErrNotFound when no ticket number has that mobile.
func (s *Store) ProveMobile(ctx context.Context, number, mobile string, at time.Time) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE tickets SET mobile_proven_at = ?
		WHERE number = ? AND beneficiary_mobile = ? AND mobile_proven_at IS NULL`, utc(at), number, mobile)
	if res.Error != nil {
		return fmt.Errorf("store: prove mobile of %s: %w", number, res.Error)
	}
	if res.RowsAffected == 0 {
		t, err := s.GetTicket(ctx, number)
		switch {
		case err != nil:
			return err
		case t.BeneficiaryMobile != mobile:
			return fmt.Errorf("store: prove mobile of %s: another mobile: %w", number, ErrNotFound)
		}
	}
	return nil
}

// UnstartedTickets lists tickets whose workflow start is unconfirmed and older than before.
// They come oldest first; limit <= 0 means 100.
func (s *Store) UnstartedTickets(ctx context.Context, before time.Time, limit int) ([]Ticket, error) {
	if limit <= 0 {
		limit = 100
	}
	var ts []Ticket
	err := s.rdb.WithContext(ctx).
		Where("workflow_started = ? AND created_at < ?", false, utc(before)).
		Order("created_at, number").Limit(limit).Find(&ts).Error
	if err != nil {
		return nil, fmt.Errorf("store: unstarted tickets: %w", err)
	}
	for i := range ts {
		normalizeTicket(&ts[i])
	}
	return ts, nil
}

func (s *Store) GetTicket(ctx context.Context, number string) (Ticket, error) {
	var t Ticket
	err := s.rdb.WithContext(ctx).Where("number = ?", number).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Ticket{}, fmt.Errorf("store: ticket %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("store: get ticket %s: %w", number, err)
	}
	normalizeTicket(&t)
	return t, nil
}

// Timeline returns a ticket's events by Seq; publicOnly keeps Public events only.
// A ticket that does not exist is ErrNotFound (one with no events is not).
func (s *Store) Timeline(ctx context.Context, number string, publicOnly bool) ([]TicketEvent, error) {
	q := s.rdb.WithContext(ctx).Where("ticket_number = ?", number)
	if publicOnly {
		q = q.Where("public = ?", true)
	}
	var evs []TicketEvent
	if err := q.Order("seq").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("store: timeline %s: %w", number, err)
	}
	if len(evs) == 0 {
		if _, err := s.GetTicket(ctx, number); err != nil {
			return nil, err
		}
	}
	for i := range evs {
		evs[i].At = utc(evs[i].At)
	}
	return evs, nil
}

// ApplyChange, in one transaction: updates the ticket's mutable columns only if
// ch.Version > the row's Version (a stale or replayed write changes nothing) and
// inserts ch.Events, ignoring ones already present. Returns ErrNotFound if the
// ticket row does not exist.
//
// Events are inserted even when the row update was stale: a replayed projection
// may still carry an event a crash kept from landing, and (number, seq)
// uniqueness makes the insert idempotent.
func (s *Store) ApplyChange(ctx context.Context, ch TicketChange) error {
	evs := make([]TicketEvent, len(ch.Events))
	for i, e := range ch.Events {
		if e.TicketNumber != "" && e.TicketNumber != ch.Number {
			return fmt.Errorf("store: apply change %s: event %d belongs to ticket %s", ch.Number, e.Seq, e.TicketNumber)
		}
		e.ID = 0
		e.TicketNumber = ch.Number
		e.At = utc(e.At)
		evs[i] = e
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE tickets SET status = ?, responsible_entity = ?, policy_version = ?, round = ?,
			escalation_level = ?, escalation_role = ?, escalation_entity = ?, sla_due_at = ?, sla_stage_start = ?, sla_paused_seconds = ?,
			assigned_to = ?, assigned_at = ?, objection_until = ?, responded_at = ?,
			closed_at = ?, rating = ?, rated_at = ?, follow_up_status = ?, follow_up_entity = ?, follow_up_due_at = ?,
			meeting_status = ?, meeting_at = ?, meeting_place = ?, version = ?, updated_at = ?
			WHERE number = ? AND version < ?`,
			string(ch.Status), ch.ResponsibleEntity, ch.PolicyVersion, ch.Round,
			ch.EscalationLevel, string(ch.EscalationRole), ch.EscalationEntity, utc(ch.SLADueAt), nullTime(ch.SLAStageStart), ch.SLAPausedSeconds,
			ch.AssignedTo, nullTime(ch.AssignedAt), nullTime(ch.ObjectionUntil), nullTime(ch.RespondedAt),
			nullTime(ch.ClosedAt), ch.Rating, nullTime(ch.RatedAt), ch.FollowUpStatus, ch.FollowUpEntity, nullTime(ch.FollowUpDueAt),
			ch.MeetingStatus, nullTime(ch.MeetingAt), ch.MeetingPlace, ch.Version, now(),
			ch.Number, ch.Version)
		if res.Error != nil {
			return fmt.Errorf("update ticket: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM tickets WHERE number = ?`, ch.Number).Scan(&n).Error; err != nil {
				return fmt.Errorf("look up ticket: %w", err)
			}
			if n == 0 {
				return ErrNotFound
			}
			// The row is at ch.Version or newer: a stale write, not an error.
		}
		if len(evs) == 0 {
			return nil
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "ticket_number"}, {Name: "seq"}},
			DoNothing: true,
		}).Create(&evs).Error
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: apply change %s v%d: %w", ch.Number, ch.Version, err)
	}
	return nil
}

// pendingStatuses are the statuses that wait on staff (domain.Status.Pending).
func pendingStatuses() []string {
	var out []string
	for _, st := range domain.Statuses() {
		if st.Pending() {
			out = append(out, string(st))
		}
	}
	return out
}

func normalizeTicket(t *Ticket) {
	t.SLADueAt = utc(t.SLADueAt)
	t.SLAStageStart = utcPtr(t.SLAStageStart)
	t.AssignedAt = utcPtr(t.AssignedAt)
	t.RatedAt = utcPtr(t.RatedAt)
	t.FollowUpDueAt = utcPtr(t.FollowUpDueAt)
	t.MeetingAt = utcPtr(t.MeetingAt)
	t.ObjectionUntil = utcPtr(t.ObjectionUntil)
	t.RespondedAt = utcPtr(t.RespondedAt)
	t.ClosedAt = utcPtr(t.ClosedAt)
	t.MobileProvenAt = utcPtr(t.MobileProvenAt)
	t.CreatedAt = utc(t.CreatedAt)
	t.UpdatedAt = utc(t.UpdatedAt)
	if t.BeneficiaryLanguage == "" {
		t.BeneficiaryLanguage = "ar"
	}
}

// nullTime turns an optional instant into a bind value: SQL NULL or UTC.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return utc(*t)
}
