package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/store"
)

func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tawasul.db")
	dsn := "sqlite://" + path

	// Not migrated: refused with a clear error, not reported as intact.
	var out bytes.Buffer
	if err := auditVerify(ctx, dsn, &out); err == nil || !strings.Contains(err.Error(), "tawasul migrate") {
		t.Fatalf("unmigrated: %v", err)
	}

	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var second store.AuditEntry
	for i, action := range []string{"policy.created", "entities.imported", "history.read"} {
		e, err := s.AppendAudit(ctx, store.AuditEntry{ActorID: "admin", ActorRole: "admin", Action: action, Detail: `{}`})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			second = e
		}
	}
	_ = s.Close()

	out.Reset()
	if err := auditVerify(ctx, dsn, &out); err != nil || out.String() != "audit chain intact: 3 entries\n" {
		t.Fatalf("intact: %q, %v", out.String(), err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET actor_id = 'someone else' WHERE id = ?`, second.ID); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	out.Reset()
	err = auditVerify(ctx, dsn, &out)
	if !errors.Is(err, errAuditBroken) || out.String() != "audit chain broken at entry 2\n" || second.ID != 2 {
		t.Fatalf("tampered: %q, %v", out.String(), err)
	}
}
