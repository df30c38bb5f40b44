package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tawasul/tawasul/domain"
)

// Permanent tells the errors a retry cannot cure from those it can, on the
// real drivers: the activities fail for good on the first kind only.
func TestPermanent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime))

		// Class 23 / SQLITE_CONSTRAINT: a second row under the same key.
		err := s.db.Exec(`INSERT INTO ticket_events (ticket_number, seq, type, at, actor_role, public, message)
			VALUES (?, 1, 'note', ?, 'system', false, ''), (?, 1, 'note', ?, 'system', false, '')`,
			tk.Number, baseTime, tk.Number, baseTime).Error
		if err == nil || !Permanent(fmt.Errorf("wrapped: %w", err)) {
			t.Errorf("duplicate key: Permanent(%v) = false", err)
		}

		// Class 22 on PostgreSQL: a NUL in text (SQLite stores it).
		ch := TicketChange{Number: tk.Number, Version: 2, Status: domain.StatusWithdrawn, SLADueAt: baseTime,
			Events: []TicketEvent{{Seq: 2, Type: "withdrawn", At: baseTime, ActorRole: domain.RoleBeneficiary, Message: "\x00"}}}
		err = s.ApplyChange(ctx, ch)
		if s.Dialect() == DialectPostgres && (err == nil || !Permanent(err)) {
			t.Errorf("NUL in text: Permanent(%v) = false", err)
		}

		// Not permanent: a cancelled context, a closed pool, no error.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.ApplyChange(cctx, ch); err == nil || Permanent(err) {
			t.Errorf("cancelled: Permanent(%v) = true", err)
		}
		if Permanent(nil) || Permanent(errors.New("connection refused")) || Permanent(ErrNotFound) {
			t.Error("Permanent holds for a transient error")
		}
	})
}

// Unavailable tells an unreachable database from a wrong statement, on the
// real drivers: the API answers the first 503 with Retry-After, not 500.
func TestUnavailable(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// A statement the database refuses is not an outage.
		if err := s.db.Exec(`SELECT * FROM no_such_table`).Error; err == nil || Unavailable(err) {
			t.Errorf("missing table: Unavailable(%v) = true", err)
		}
		if Unavailable(nil) || Unavailable(ErrNotFound) || Unavailable(context.Canceled) {
			t.Error("Unavailable holds for a non-outage")
		}

		if s.Dialect() == DialectPostgres {
			// A connection the server ends (what a restart does to it).
			sqlDB, err := s.db.DB()
			if err != nil {
				t.Fatal(err)
			}
			conn, err := sqlDB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var pid int
			if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if err := s.db.Exec(`SELECT pg_terminate_backend(?)`, pid).Error; err != nil {
				t.Fatal(err)
			}
			_, err = conn.ExecContext(ctx, `SELECT 1`)
			if err == nil || !Unavailable(fmt.Errorf("wrapped: %w", err)) {
				t.Errorf("terminated connection: Unavailable(%v) = false", err)
			}
			_ = conn.Close()
		}

		// A closed pool.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetTicket(ctx, "1")
		if err == nil || !Unavailable(err) {
			t.Errorf("closed store: Unavailable(%v) = false", err)
		}
	})
}
