package devserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// dbFileName holds both the default store and visibility: one file is
	// one thing to back up or delete, and the server opens a single shared
	// connection per DSN anyway.
	dbFileName   = "temporal.db"
	lockFileName = "temporal.lock"

	// namespaceRetention is how long closed workflows stay visible.
	namespaceRetention = 7 * 24 * time.Hour
)

// schemaStamp is written to the database header (PRAGMA user_version, which
// the server never touches) once the schema is set up. The server does not
// migrate SQLite files, so a file set up by another server version must be
// refused rather than half-understood; the stamp is also how an interrupted
// first setup is told apart from a finished one.
var schemaStamp = mustSchemaStamp(sqliteschema.Version, sqliteschema.VisibilityVersion)

// mustSchemaStamp packs "0.11" and "0.1" into 11_0001 (major*100+minor for
// each, execution schema in the high part).
func mustSchemaStamp(exec, vis string) int {
	parse := func(v string) int {
		major, minor, ok := strings.Cut(v, ".")
		a, err1 := strconv.Atoi(major)
		b, err2 := strconv.Atoi(minor)
		if !ok || err1 != nil || err2 != nil || b >= 100 {
			panic("devserver: unexpected SQLite schema version " + v)
		}
		return a*100 + b
	}
	return parse(exec)*10000 + parse(vis)
}

// sqlConfig is the SQL store config the server, SetupSchema and
// CreateNamespaces all use. Its DSN must be identical for all of them: the
// sqlite plugin shares one connection per DSN across the whole process.
func sqlConfig(dbPath string, memoryName string) *config.SQL {
	if memoryName != "" {
		return &config.SQL{
			PluginName:   sqliteplugin.PluginName,
			DatabaseName: memoryName,
			// The plugin creates the schema itself when mode=memory.
			ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
		}
	}
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		ConnectAttributes: map[string]string{
			"mode": "rwc",
			// WAL roughly doubled throughput here compared with the rollback
			// journal. synchronous=normal in WAL mode loses nothing when the
			// process is killed, only possibly the last transactions on power
			// loss, which is acceptable for a development server.
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
}

// prepareFile sets up the schema in a new database file and checks the stamp
// of an existing one. An existing file is never re-set-up: it holds the
// workflows and timers that must survive a restart.
func prepareFile(ctx context.Context, cfg *config.SQL) error {
	tables, stamp, err := inspectFile(ctx, cfg.DatabaseName)
	if err != nil {
		return err
	}
	switch {
	case tables > 0 && stamp == schemaStamp:
		return nil
	case tables > 0 && stamp == 0:
		return fmt.Errorf("devserver: %s has tables but no schema stamp: it was not created by this program "+
			"or its first setup was interrupted; move it away to start afresh", cfg.DatabaseName)
	case tables > 0:
		return fmt.Errorf("devserver: %s was set up with SQLite schema stamp %d, this build expects %d "+
			"(Temporal server SQLite schema %s, visibility %s); the server does not migrate SQLite files, "+
			"so run the version that created it or move the file away",
			cfg.DatabaseName, stamp, schemaStamp, sqliteschema.Version, sqliteschema.VisibilityVersion)
	}
	if err := sqliteschema.SetupSchema(cfg); err != nil {
		return fmt.Errorf("devserver: setting up schema in %s: %w", cfg.DatabaseName, err)
	}
	if err := writeStamp(ctx, cfg.DatabaseName); err != nil {
		return err
	}
	return nil
}

// inspectFile reads the table count and stamp through a short-lived
// connection of its own (the server's shared one does not exist yet).
func inspectFile(ctx context.Context, path string) (tables, stamp int, err error) {
	db, err := openFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
		return 0, 0, fmt.Errorf("devserver: reading %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&stamp); err != nil {
		return 0, 0, fmt.Errorf("devserver: reading schema stamp of %s: %w", path, err)
	}
	return tables, stamp, nil
}

func writeStamp(ctx context.Context, path string) error {
	db, err := openFile(path)
	if err != nil {
		return err
	}
	defer db.Close()
	// PRAGMA does not take bind parameters; schemaStamp is our own integer.
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(schemaStamp)); err != nil {
		return fmt.Errorf("devserver: writing schema stamp to %s: %w", path, err)
	}
	return nil
}

func openFile(path string) (*sql.DB, error) {
	// "sqlite" is modernc.org/sqlite, linked in by the server's plugin.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rwc&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("devserver: opening %s: %w", path, err)
	}
	return db, nil
}

// checkPath rejects paths that the plugin would mangle: it builds its DSN as
// "file:<path>?..." without escaping.
func checkPath(path string) error {
	if strings.ContainsAny(path, "?#%") {
		return fmt.Errorf("devserver: data directory path %q must not contain '?', '#' or '%%'", path)
	}
	return nil
}

// memoryKeepAlive holds a connection to a shared-cache in-memory database,
// which SQLite deletes when its last connection closes. Today the sqlite
// plugin never closes its pooled connection either, but that is a TODO in its
// code, not a promise.
type memoryKeepAlive struct {
	db   *sql.DB
	conn *sql.Conn
}

func openMemoryKeepAlive(ctx context.Context, name string) (*memoryKeepAlive, error) {
	db, err := sql.Open("sqlite", "file:"+name+"?mode=memory&cache=shared")
	if err != nil {
		return nil, fmt.Errorf("devserver: opening in-memory database: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("devserver: opening in-memory database: %w", err)
	}
	return &memoryKeepAlive{db: db, conn: conn}, nil
}

func (k *memoryKeepAlive) Close() error {
	return errors.Join(k.conn.Close(), k.db.Close())
}

// newMemoryName gives each in-memory server its own database: the name is
// the identity of a shared-cache memory database within the process.
func newMemoryName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("devserver: naming in-memory database: %w", err)
	}
	return "tawasul-devserver-" + hex.EncodeToString(b), nil
}

// registerNamespace creates the namespace directly in the store, before the
// server starts, so it exists the moment the frontend answers (registering
// through the API would race with namespace cache refresh). Existing
// namespaces are left as they are.
func registerNamespace(cfg *config.SQL, clusterName, namespace string) error {
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, nil)
	if err != nil {
		return fmt.Errorf("devserver: preparing namespace %q: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(namespaceRetention)
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		return fmt.Errorf("devserver: registering namespace %q: %w", namespace, err)
	}
	return nil
}

// dataPaths returns the absolute database path under dir, creating dir.
// Absolute because the DSN is resolved against the working directory, which
// may change while the server runs.
func dataPaths(dir string) (dbPath, lockPath string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("devserver: data directory %q: %w", dir, err)
	}
	if err := checkPath(abs); err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return "", "", fmt.Errorf("devserver: creating data directory: %w", err)
	}
	return filepath.Join(abs, dbFileName), filepath.Join(abs, lockFileName), nil
}

// tasksInOtherPartitions counts the matching backlog's tasks queued in a
// task queue's partitions other than the first: their persisted queue ids
// carry the partition's name, "/_sys/<queue>/<n>".
func tasksInOtherPartitions(ctx context.Context, path string) (int, error) {
	db, err := openFile(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM tasks WHERE instr(task_queue_id, CAST('/_sys/' AS BLOB)) > 0) +
		(SELECT count(*) FROM tasks_v2 WHERE instr(task_queue_id, CAST('/_sys/' AS BLOB)) > 0)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("devserver: counting tasks in other partitions of %s: %w", path, err)
	}
	return n, nil
}
