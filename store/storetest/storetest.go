// Package storetest gives other packages' tests a throwaway PostgreSQL
// database, as the store's own tests make theirs: skipped where the machine
// lacks PostgreSQL, a failure with CI=true (a skip must never pass in CI).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN is the test PostgreSQL: TAWASUL_TEST_POSTGRES, else
// postgres@127.0.0.1:5432/test (trust), as .ci/run starts it.
func DSN() string {
	if v := os.Getenv("TAWASUL_TEST_POSTGRES"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresDSN creates a schema named prefix_<random> in the test PostgreSQL
// (TAWASUL_TEST_POSTGRES, else postgres@127.0.0.1:5432/test), drops it at
// cleanup, and returns a DSN whose search_path is it.
func PostgresDSN(tb testing.TB, prefix string) string {
	tb.Helper()
	dsn := DSN()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		tb.Skipf("machine lacks PostgreSQL (set TAWASUL_TEST_POSTGRES): %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = conn.Close(ctx)
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("parse DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
