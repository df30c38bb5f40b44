package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// isUniqueViolation reports a unique or primary-key conflict on either driver.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *msqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	// Last resort for a wrapper that dropped the typed error.
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Permanent reports an error the database will give again however often the
// same statement is retried: PostgreSQL's class 22 (data exception: a NUL in
// text, a value too long or out of range) and class 23 (integrity constraint
// violation), and SQLite's constraint, too-big and datatype-mismatch errors.
// Callers that would retry without end (the workflows' local activities)
// fail for good on these instead. Outages, deadlocks, serialization
// failures and timeouts are not permanent.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")
	}
	var sqErr *msqlite.Error
	if errors.As(err, &sqErr) {
		// Extended codes (SQLITE_CONSTRAINT_UNIQUE, ...) carry the primary
		// code in their low byte.
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH:
			return true
		}
	}
	return false
}
