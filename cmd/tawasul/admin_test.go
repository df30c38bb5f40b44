package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

var testAuditKey = []byte("the audit key of the cmd tests, 32+ bytes")

func TestCreateAdmin(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "tawasul.db")
	var out bytes.Buffer
	pw := "correct horse battery staple\n"

	if err := createAdmin(ctx, dsn, testAuditKey, "root", "المشرف", strings.NewReader(pw), &out); err == nil || !strings.Contains(err.Error(), "tawasul migrate") {
		t.Fatalf("unmigrated database: %v", err)
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ user, name, in string }{
		"short password": {"root", "المشرف", "short\n"},
		"no username":    {"", "المشرف", pw},
		"no name":        {"root", " ", pw},
	} {
		if err := createAdmin(ctx, dsn, testAuditKey, c.user, c.name, strings.NewReader(c.in), &out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := createAdmin(ctx, dsn, testAuditKey, " Root ", "المشرف", strings.NewReader(pw), &out); err != nil {
		t.Fatal(err)
	}
	acc, err := s.GetAccountByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := password.New(password.Default)
	if ok, err := h.Verify(acc.PasswordHash, strings.TrimSpace(pw)); !ok || err != nil || acc.Role != domain.RoleAdmin {
		t.Fatalf("account %+v: password verifies %v (%v)", acc, ok, err)
	}
	if err := createAdmin(ctx, dsn, testAuditKey, "root", "آخر", strings.NewReader(pw), &out); err == nil {
		t.Fatal("a second account with the same username was created")
	}
	rows, err := s.ListAudit(ctx, 0, 10)
	if err != nil || len(rows) != 1 || rows[0].Action != "account.created" || rows[0].Subject != "account/root" ||
		rows[0].Chain != store.AuditKeyed || !strings.Contains(rows[0].Detail, `"after":{"disabled":false,"entity":"","role":"admin"}`) {
		t.Fatalf("audit: %+v, %v", rows, err)
	}

	// The account and its entry are one transaction: when the entry cannot
	// be appended (here: the log is keyed and the key is missing), there is
	// no account either.
	if err := createAdmin(ctx, dsn, nil, "root2", "المشرف", strings.NewReader(pw), &out); !errors.Is(err, store.ErrAuditKeyRequired) {
		t.Fatalf("create-admin without the key of a keyed log: %v", err)
	}
	if _, err := s.GetAccountByUsername(ctx, "root2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an account was created without its audit entry: %v", err)
	}
}
