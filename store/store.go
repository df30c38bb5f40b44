// Package store is Tawasul's database: GORM over SQLite (development, single
// node) or PostgreSQL (production), schema by the versioned SQL migrations
// under migrations/. It holds two kinds of rows.
//
// The read model of tickets: each ticket's row and timeline as its workflow
// projects them, which the inboxes, reports, policy previews, the survey's
// call list and the beneficiary's own list are read from. Temporal stays the
// source of truth for these: intake inserts the row, then the workflow
// projects its state after each step (TicketChange), a stale projection never
// overwriting a newer one.
//
// And the records no workflow holds, of which this database is the only copy:
// ticket numbers and Idempotency-Keys (taken before a workflow starts), the
// versioned SLA policies, staff accounts and their sessions, integration API
// tokens, beneficiaries' one-time codes and sessions, the hash-chained audit
// log, attachment metadata (the bytes are in the attachment store), the FAQ
// bank and its helpful marks, the outbox of notifications to deliver and who
// has read the in-app ones, and the survey's daily call lists with their
// outcomes.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"

	// The pure-Go SQLite driver, registered as "sqlite". It is the same driver
	// the embedded Temporal server links, so the two share one registration
	// (github.com/glebarez/sqlite would register the name a second time and panic).
	_ "modernc.org/sqlite"
)

const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is the database: the read model and the records. Open with Open(ctx, dsn).
//
// On SQLite files writes and reads use separate pools: db holds exactly one
// connection, so writers queue in Go (in order, cancellable by their context)
// instead of spinning in SQLite's busy handler, and WAL lets the read pool run
// beside the writer. On PostgreSQL and in-memory SQLite both fields are the
// same pool.
type Store struct {
	db      *gorm.DB // writes, and every transaction
	rdb     *gorm.DB // plain reads
	dialect string
	// auditKey keys the audit chain (SetAuditKey); nil writes unkeyed rows.
	auditKey []byte
}

// sqliteParams are the modernc DSN parameters every SQLite connection gets.
//
// Times are bound and stored as integer microseconds since the Unix epoch
// (_time_integer_format=unix_micro) and decoded back to UTC time.Time for
// columns declared DATETIME (_inttotime). Integers order and compare by instant
// whatever zone the caller's time.Time carried, which text encodings only do
// when every writer agrees on one fixed-width format; microseconds are also
// PostgreSQL's timestamptz precision, so both dialects round-trip the same value.
var sqliteParams = []string{
	"_pragma=busy_timeout(5000)",
	"_pragma=foreign_keys(1)",
	"_time_integer_format=unix_micro",
	"_inttotime=1",
}

// Open connects to "sqlite://<path>[?params]", "sqlite://:memory:" or
// "postgres://..." (also "postgresql://..."). Extra SQLite params (modernc DSN
// syntax, e.g. _pragma=cache_size(-20000)) are appended to the defaults.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("store: unsupported DSN scheme (want sqlite:// or postgres://)")
	}
}

func openSQLite(ctx context.Context, rest string) (*Store, error) {
	path, extra, _ := strings.Cut(rest, "?")
	if path == "" {
		return nil, errors.New("store: sqlite DSN has no path")
	}
	if extra != "" {
		if _, err := url.ParseQuery(extra); err != nil {
			return nil, fmt.Errorf("store: sqlite DSN params: %w", err)
		}
	}
	withExtra := func(params []string) string {
		q := strings.Join(params, "&")
		if extra != "" {
			q += "&" + extra
		}
		return q
	}

	if path == ":memory:" {
		// An in-memory database lives as long as its connection: one connection,
		// never closed for idleness or age, serves reads and writes alike.
		db, err := openGorm(gormsqlite.Dialector{DriverName: "sqlite", DSN: ":memory:?" + withExtra(append(sqliteParams, "_txlock=immediate"))})
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite memory: %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
		s := &Store{db: db, rdb: db, dialect: DialectSQLite}
		if err := s.Ping(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
		return s, nil
	}

	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create sqlite directory: %w", err)
		}
	}

	// The writer: one connection; BEGIN IMMEDIATE takes the write lock at the
	// start of a transaction, so a read-then-write transaction never fails
	// midway with SQLITE_BUSY on lock upgrade, and busy_timeout covers the
	// remaining contention: another process (a `migrate` run, a second
	// instance) writing the same file.
	writeParams := append(append([]string{}, sqliteParams...),
		"_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)", "_txlock=immediate")
	db, err := openGorm(gormsqlite.Dialector{DriverName: "sqlite", DSN: path + "?" + withExtra(writeParams)})
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	wdb, _ := db.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	// Switch the file to WAL before any reader connects.
	if err := wdb.PingContext(ctx); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}

	// Readers: query_only guards against a write slipping into this pool,
	// where it would bypass the single-writer queue.
	readParams := append(append([]string{}, sqliteParams...),
		"_pragma=synchronous(NORMAL)", "_pragma=query_only(1)")
	rdb, err := openGorm(gormsqlite.Dialector{DriverName: "sqlite", DSN: path + "?" + withExtra(readParams)})
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("store: open sqlite %s (readers): %w", path, err)
	}
	rsql, _ := rdb.DB()
	n := max(4, runtime.GOMAXPROCS(0))
	rsql.SetMaxOpenConns(n)
	rsql.SetMaxIdleConns(n)
	rsql.SetConnMaxIdleTime(5 * time.Minute)

	s := &Store{db: db, rdb: rdb, dialect: DialectSQLite}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// customPlans asks PostgreSQL to plan every execution of a prepared statement
// with its parameter values, unless the DSN already says otherwise. pgx
// prepares and caches each statement, and after five executions PostgreSQL
// may switch to a generic plan that estimates `entity IN ($1, …)` or
// `assigned_to = $3` without the values: on the inbox's skewed columns (one
// university holds 8 % of the tickets, an attaché 0.1 %) that plan walked 50
// times the rows the value-aware one reads (BENCHMARKS.md, history). A plan
// costs well under a millisecond; a wrong one costs tens.
func customPlans(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse's error quotes the DSN, password included.
		return "", errors.New("store: postgres DSN is not a URL")
	}
	q := u.Query()
	if q.Get("plan_cache_mode") == "" {
		q.Set("plan_cache_mode", "force_custom_plan")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	dsn, err := customPlans(dsn)
	if err != nil {
		return nil, err
	}
	db, err := openGorm(postgres.New(postgres.Config{DSN: dsn}))
	if err != nil {
		// The DSN may carry a password: name the dialect, not the DSN.
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	// database/sql's default is no limit: a burst of requests on a few
	// replicas would then exhaust the server's max_connections (100 by
	// default). A finite lifetime lets connections follow a failover.
	sqlDB, _ := db.DB()
	sqlDB.SetMaxOpenConns(16)
	sqlDB.SetMaxIdleConns(8)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, rdb: db, dialect: DialectPostgres}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func openGorm(d gorm.Dialector) (*gorm.DB, error) {
	return gorm.Open(d, &gorm.Config{
		Logger:  gormLogger{},
		NowFunc: now,
		// Every multi-statement write below opens its own transaction; single
		// statements need no implicit one.
		SkipDefaultTransaction: true,
		// Ping with the caller's context in Open instead.
		DisableAutomaticPing: true,
	})
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

func (s *Store) Ping(ctx context.Context) error {
	for _, g := range s.pools() {
		sqlDB, err := g.DB()
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s: %w", s.dialect, err)
		}
	}
	return nil
}

func (s *Store) Close() error {
	var errs []error
	for _, g := range s.pools() {
		sqlDB, err := g.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// pools lists the distinct connection pools (one or two).
func (s *Store) pools() []*gorm.DB {
	if s.rdb == s.db {
		return []*gorm.DB{s.db}
	}
	return []*gorm.DB{s.db, s.rdb}
}

// now is the store's clock: UTC at the microsecond precision both dialects keep,
// so a value written and read back compares equal in Go.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// utc normalizes a time for storage and after reading.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}
