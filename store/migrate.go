package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"gorm.io/gorm"
)

// Migrations are plain SQL, one directory per dialect, applied in version
// order. A file once released is never edited: a change is a new file with the
// next number in both directories (TestMigrationsMatchAcrossDialects checks
// that the two directories list the same versions).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// backfills are the steps of a migration that SQL cannot state because
// their rule lives in Go: each runs in its migration's transaction, after its
// SQL, in both dialects. They are keyed by the migration's name, which stays
// when branches merging renumber the file (TestBackfillsNameMigrations).
var backfills = map[string]func(tx *gorm.DB) error{
	"ticket_search": backfillTicketSearch,
}

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.sql$`)

func loadMigrations(dialect string) ([]migration, error) {
	dir := "migrations/" + dialect
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: migration file %s/%s: name must be NNNN_name.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(migrationFiles, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two %s migrations numbered %d", dialect, ms[i].version)
		}
	}
	return ms, nil
}

// schemaMigrationsDDL is created by Migrate itself (it records the migrations,
// so it cannot be one of them).
var schemaMigrationsDDL = map[string]string{
	DialectSQLite:   `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL)`,
	DialectPostgres: `CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL)`,
}

// Migrate applies the versioned migrations not yet applied (idempotent).
//
// Each migration runs in its own transaction together with its
// schema_migrations row, so a failed migration leaves nothing behind. Two
// processes may migrate at once: on PostgreSQL each transaction first takes a
// transaction-scoped advisory lock (keyed by the current schema), on SQLite
// BEGIN IMMEDIATE serializes them; either way the second one finds the version
// recorded and skips it.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	db := s.db.WithContext(ctx)
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := s.xactLock(tx, lockMigrations); err != nil {
			return err
		}
		return tx.Exec(schemaMigrationsDDL[s.dialect]).Error
	})
	if err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := s.xactLock(tx, lockMigrations); err != nil {
				return err
			}
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// Exec without arguments: both drivers then run the whole file,
			// several statements, as one simple query.
			if err := tx.Exec(m.sql).Error; err != nil {
				return err
			}
			if fill := backfills[m.name]; fill != nil {
				if err := fill(tx); err != nil {
					return fmt.Errorf("backfill: %w", err)
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, now()).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// Advisory lock classes (the first key of pg_advisory_xact_lock).
const (
	lockMigrations = 7261
	lockPolicies   = 7262
	lockAudit      = 7263
	// lockBeneficiaryCodes serializes issuing one-time codes (throttle and
	// "one live code per mobile" are read-then-write).
	lockBeneficiaryCodes = 7264
)

// xactLock serializes transactions of one kind on PostgreSQL until tx ends.
// The second key is the current schema, so tests (and tenants) in separate
// schemas of one database do not wait for each other. SQLite needs nothing:
// its transactions begin IMMEDIATE and so already run one at a time.
func (s *Store) xactLock(tx *gorm.DB, class int) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	err := tx.Exec(`SELECT pg_advisory_xact_lock(?, hashtext(coalesce(current_schema(), '')))`, class).Error
	if err != nil {
		return fmt.Errorf("advisory lock %d: %w", class, err)
	}
	return nil
}

// PendingMigrations reports how many migrations are not applied (readiness in production).
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return 0, err
	}
	db := s.rdb.WithContext(ctx)
	// Not GORM's HasTable: it turns a failed query into "no table".
	var exists bool
	q := `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.dialect == DialectPostgres {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := db.Raw(q).Scan(&exists).Error; err != nil {
		return 0, fmt.Errorf("store: look for schema_migrations: %w", err)
	}
	if !exists {
		return len(ms), nil
	}
	var applied []int
	if err := db.Raw(`SELECT version FROM schema_migrations`).Scan(&applied).Error; err != nil {
		return 0, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	pending := 0
	for _, m := range ms {
		if !slices.Contains(applied, m.version) {
			pending++
		}
	}
	return pending, nil
}
