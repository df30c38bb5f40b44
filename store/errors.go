package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
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

// Unavailable reports an error that says the database cannot be reached now,
// not that the statement is wrong: a refused or dropped connection, a closed
// pool, a server shutting down or out of connections (PostgreSQL's class 08,
// 57P01–57P03, 53300), a timeout, and SQLite's busy, locked, cannot-open and
// I/O errors. The API answers these 503 with Retry-After (a client may try
// again), where any other failure is a 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	}
	var sqErr *msqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	// database/sql does not export the error of a closed pool.
	return strings.Contains(err.Error(), "sql: database is closed")
}
