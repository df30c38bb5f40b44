package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// createAdmin creates an administrator account from the command line: the
// way a new installation gets its first administrator, who then creates every
// other account through the API. The password comes from the first line of
// in, so it never sits in the shell history or the process list; the act is
// recorded in the audit log, keyed with auditKey (secrets.audit), in the
// transaction that creates the account, like the API's account creation.
func createAdmin(ctx context.Context, dsn string, auditKey []byte, username, name string, in io.Reader, out io.Writer) error {
	username, name = store.NormalizeUsername(username), strings.TrimSpace(name)
	if username == "" || name == "" {
		return errors.New("usage: tawasul create-admin --db DSN --username U --name N < password-file")
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if utf8.RuneCountInString(pw) < signin.MinPasswordLen {
		return fmt.Errorf("the password (first line of stdin) must have at least %d characters", signin.MinPasswordLen)
	}
	h, err := password.New(password.Default)
	if err != nil {
		return err
	}
	hash, err := h.Hash(pw)
	if err != nil {
		return fmt.Errorf("hashing the password: %w", err)
	}
	s, err := openMigrated(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetAuditKey(auditKey)
	now := time.Now()
	cli := workflows.Actor{ID: "cli:create-admin", Role: domain.RoleSystem}
	var acc store.Account
	err = auditlog.New(s, func() time.Time { return now }, nil).Audited(ctx, cli, auditlog.AccountCreated, "account/"+username,
		map[string]string{"role": string(domain.RoleAdmin), "via": "create-admin"}, func(ctx context.Context) error {
			var err error
			acc, err = s.CreateAccount(ctx, store.NewAccount{Username: username, Name: name, Role: domain.RoleAdmin, PasswordHash: hash}, now)
			return err
		})
	if err != nil {
		return fmt.Errorf("creating %s: %w", username, err)
	}
	fmt.Fprintf(out, "administrator %s created; log in with POST /api/v1/auth/login\n", acc.Username)
	return nil
}
