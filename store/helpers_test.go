package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store/storetest"
)

func testPostgresDSN() string { return storetest.DSN() }

func redactedDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "(unparsable DSN)"
}

var pgProbe struct {
	once sync.Once
	err  error
}

// requirePostgres skips (or, with CI=true, fails) when PostgreSQL cannot be
// reached. The probe runs once per test binary so an absent server costs one
// timeout, not one per test.
func requirePostgres(tb testing.TB) {
	tb.Helper()
	pgProbe.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := Open(ctx, testPostgresDSN())
		if err == nil {
			_ = s.Close()
		}
		pgProbe.err = err
	})
	if pgProbe.err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("PostgreSQL unreachable at %s (CI=true: a missing PostgreSQL is a failure): %v",
			redactedDSN(testPostgresDSN()), pgProbe.err)
	}
	tb.Skipf("machine lacks PostgreSQL at %s (set TAWASUL_TEST_POSTGRES to point at one): %v",
		redactedDSN(testPostgresDSN()), pgProbe.err)
}

var dialects = []string{DialectSQLite, DialectPostgres}

// testDSN makes an isolated, empty database for tb and returns its DSN: a file
// under tb.TempDir() for SQLite; a fresh schema (dropped at cleanup) selected
// through the DSN's search_path for PostgreSQL.
func testDSN(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case DialectSQLite:
		return "sqlite://" + filepath.Join(tb.TempDir(), "data", "tawasul.db")
	case DialectPostgres:
		// The probe runs once per binary (one timeout when the server is
		// absent); the schema is storetest's, as other packages' tests make theirs.
		requirePostgres(tb)
		return storetest.PostgresDSN(tb, "store_test")
	default:
		tb.Fatalf("unknown dialect %q", dialect)
		return ""
	}
}

// withSearchPath points a PostgreSQL DSN at schema.
func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse postgres DSN: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// openTestStore opens dsn and closes it at cleanup (before the database is dropped).
func openTestStore(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func newTestStore(tb testing.TB, dialect string) *Store {
	tb.Helper()
	s := openTestStore(tb, testDSN(tb, dialect))
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return s
}

// forEachDialect runs fn against a freshly migrated store of each dialect.
func forEachDialect(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, newTestStore(t, d))
		})
	}
}

// forEachDialectDSN runs fn with the DSN of an empty, unmigrated database of each dialect.
func forEachDialectDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, testDSN(t, d))
		})
	}
}

var (
	baseTime = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)
	riyadh   = time.FixedZone("AST", 3*3600)
)

// sampleTicket is a valid intake ticket due at due.
func sampleTicket(due time.Time) NewTicket {
	return NewTicket{
		Kind:                  domain.KindComplaint,
		Channel:               domain.ChannelPortal,
		Priority:              domain.PriorityNormal,
		Status:                domain.StatusOpen,
		Subject:               "تأخر صرف المكافأة",
		Description:           "لم تصرف مكافأة شهر فبراير",
		Entity:                "UNI-KSU",
		ResponsibleEntity:     "UNI-KSU",
		BeneficiaryName:       "سارة",
		BeneficiaryNationalID: "1000000001",
		BeneficiaryMobile:     "+966500000001",
		BeneficiaryType:       domain.BeneficiaryStudent,
		TrackingHash:          "ab12",
		PolicyVersion:         1,
		SLADueAt:              due,
		MobileProvenAt:        func() *time.Time { at := baseTime; return &at }(),
		CreatedAt:             baseTime,
	}
}

func mustCreate(tb testing.TB, s *Store, t NewTicket) Ticket {
	tb.Helper()
	got, _, created, err := s.CreateTicket(context.Background(), t, nil)
	if err != nil || !created {
		tb.Fatalf("CreateTicket: created=%v err=%v", created, err)
	}
	return got
}

func countRows(tb testing.TB, s *Store, table string) int64 {
	tb.Helper()
	var n int64
	if err := s.db.Raw(`SELECT count(*) FROM ` + table).Scan(&n).Error; err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

// requireAllFieldsSet fails when a struct field holds its zero value, so a
// round-trip test notices a field added to a model but not to the test.
func requireAllFieldsSet(tb testing.TB, v any) {
	tb.Helper()
	rv := reflect.ValueOf(v)
	for i := 0; i < rv.NumField(); i++ {
		if rv.Field(i).IsZero() {
			tb.Fatalf("%T.%s is zero: set it so the round trip covers it", v, rv.Type().Field(i).Name)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func numbersOf(ts []Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

func mustEqual[T any](tb testing.TB, what string, got, want T) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s:\n got %s\nwant %s", what, fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want))
	}
}

// allScope reads every ticket (an administrator's scope).
var allScope = authz.Scope{All: true}
