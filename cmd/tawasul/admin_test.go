package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

func TestCreateAdmin(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "tawasul.db")
	var out bytes.Buffer
	pw := "correct horse battery staple\n"

	if err := createAdmin(ctx, dsn, "root", "المشرف", strings.NewReader(pw), &out); err == nil || !strings.Contains(err.Error(), "tawasul migrate") {
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
		if err := createAdmin(ctx, dsn, c.user, c.name, strings.NewReader(c.in), &out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := createAdmin(ctx, dsn, " Root ", "المشرف", strings.NewReader(pw), &out); err != nil {
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
	if err := createAdmin(ctx, dsn, "root", "آخر", strings.NewReader(pw), &out); err == nil {
		t.Fatal("a second account with the same username was created")
	}
	rows, err := s.ListAudit(ctx, 0, 10)
	if err != nil || len(rows) != 1 || rows[0].Action != "account.created" || rows[0].Subject != "account/root" {
		t.Fatalf("audit: %+v, %v", rows, err)
	}
}
