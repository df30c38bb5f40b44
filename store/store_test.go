package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenRejectsUnknownScheme(t *testing.T) {
	for _, dsn := range []string{"mysql://x", "", "sqlite:", "sqlite://"} {
		if s, err := Open(context.Background(), dsn); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

func TestDialect(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		if got := s.Dialect(); got != t.Name()[strings.LastIndex(t.Name(), "/")+1:] {
			t.Fatalf("Dialect() = %q in subtest %s", got, t.Name())
		}
		if err := s.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// The file mode creates its directory and applies the pragmas on both pools.
func TestOpenSQLiteFilePragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openTestStore(t, "sqlite://"+filepath.Join(dir, "x.db"))
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for name, g := range map[string]*Store{"writer": {db: s.db}, "reader": {db: s.rdb}} {
		check := func(pragma string, want string) {
			var got string
			if err := g.db.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
				t.Fatalf("%s PRAGMA %s: %v", name, pragma, err)
			}
			if !strings.EqualFold(got, want) {
				t.Errorf("%s PRAGMA %s = %q, want %q", name, pragma, got, want)
			}
		}
		check("journal_mode", "wal")
		check("busy_timeout", "5000")
		check("foreign_keys", "1")
		check("synchronous", "1") // NORMAL
	}
	// The reader pool refuses writes: they would bypass the single writer.
	if err := s.rdb.Exec(`CREATE TABLE x (a INTEGER)`).Error; err == nil {
		t.Fatal("write through the reader pool succeeded")
	}
}

// An in-memory database must survive between calls and under concurrent use.
func TestOpenSQLiteMemory(t *testing.T) {
	s := openTestStore(t, "sqlite://:memory:")
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			tk, _, _, err := s.CreateTicket(ctx, sampleTicket(baseTime), nil)
			if err == nil {
				_, err = s.GetTicket(ctx, tk.Number)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, s, "tickets"); n != 10 {
		t.Fatalf("tickets = %d, want 10", n)
	}
}

// Two stores on one file stand for two processes: their writers contend
// through SQLite's own lock (BEGIN IMMEDIATE + busy_timeout), not our queue.
func TestSQLiteTwoWritersOneFile(t *testing.T) {
	dsn := testDSN(t, DialectSQLite)
	a, b := openTestStore(t, dsn), openTestStore(t, dsn)
	ctx := context.Background()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string]bool{}
	)
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			tk, _, _, err := s.CreateTicket(ctx, sampleTicket(baseTime), nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("CreateTicket: %v", err)
				return
			}
			got[tk.Number] = true
		})
	}
	wg.Wait()
	if len(got) != 20 {
		t.Fatalf("distinct numbers = %d, want 20", len(got))
	}
}

// Failed statements are logged without their bound values (personal data).
func TestLoggerOmitsParameters(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	forEachDialect(t, func(t *testing.T, s *Store) {
		buf.Reset()
		const secret = "secret.person@example.com"
		// An empty key violates the CHECK constraint: a real failure to log.
		_, err := s.EnqueueOutbox(context.Background(), OutboxMessage{
			Key: "", Channel: "email", Recipient: secret, Template: "t", Body: "b",
		})
		if err == nil {
			t.Fatal("EnqueueOutbox with an empty key succeeded")
		}
		out := buf.String()
		if !strings.Contains(out, "statement failed") || !strings.Contains(out, "outbox") {
			t.Fatalf("failure not logged: %q", out)
		}
		if strings.Contains(out, secret) {
			t.Fatalf("log contains a bound value: %q", out)
		}
		// Expected outcomes are not errors worth a log line.
		buf.Reset()
		if _, err := s.GetTicket(context.Background(), "2026-999999"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetTicket: %v", err)
		}
		if buf.Len() != 0 {
			t.Fatalf("not-found was logged: %q", buf.String())
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.UpsertEntities(ctx, []Entity{{Code: "E1", NameAR: "أ", Kind: "agency"}}); err != nil {
			t.Fatal(err)
		}
		err := s.db.Exec(`INSERT INTO entities (code, name_ar, kind) VALUES ('E1', 'ب', 'agency')`).Error
		if !isUniqueViolation(err) {
			t.Fatalf("duplicate key not recognized: %v", err)
		}
		err = s.db.Exec(`INSERT INTO entities (code, name_ar, kind) VALUES ('', 'ب', 'agency')`).Error
		if err == nil || isUniqueViolation(err) {
			t.Fatalf("check violation taken for a unique one: %v", err)
		}
	})
}

// TestPostgresPlansWithValues: the store's PostgreSQL sessions plan each
// execution with its parameter values (customPlans), unless the DSN chose.
func TestPostgresPlansWithValues(t *testing.T) {
	dsn := testDSN(t, DialectPostgres)
	mode := func(dsn string) string {
		t.Helper()
		s := openTestStore(t, dsn)
		var m string
		if err := s.db.Raw(`SHOW plan_cache_mode`).Scan(&m).Error; err != nil {
			t.Fatal(err)
		}
		return m
	}
	mustEqual(t, "plan_cache_mode", mode(dsn), "force_custom_plan")
	mustEqual(t, "plan_cache_mode set in the DSN", mode(dsn+"&plan_cache_mode=auto"), "auto")
}
