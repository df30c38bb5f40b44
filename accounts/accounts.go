// Package accounts is the administration of who may act in Tawasul, whichever
// front end an administrator uses (the JSON API, the web pages): staff
// accounts (create, disable, change a role) and integrations' API tokens
// (create, revoke). Every rule of a name, a role and its scope, and a
// password is here once; every change is audited in its write's
// transaction. Signing in and one's own password are package signin's.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const (
	// CodeAccountExists refuses a username already taken.
	CodeAccountExists = "account_exists"
	// FieldAdminNotAllowed: an integration token cannot administer.
	FieldAdminNotAllowed = "admin_not_allowed"
	// MaxName bounds an account's display name, in runes after normalization.
	MaxName = 200
)

// UsernamePattern is a login or token name: letters and digits, '.', '_',
// '@' and '-', starting with a letter or a digit.
var UsernamePattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._@-]*$`)

// CheckHandle validates a login name or token name (already normalized).
func CheckHandle(field, v string) []refusal.Field {
	switch {
	case v == "":
		return []refusal.Field{{Name: field, Code: refusal.FieldRequired}}
	case utf8.RuneCountInString(v) > signin.MaxUsernameLength:
		return []refusal.Field{{Name: field, Code: refusal.FieldTooLong}}
	case !UsernamePattern.MatchString(v):
		return []refusal.Field{{Name: field, Code: refusal.FieldInvalidValue}}
	}
	return nil
}

// Service administers accounts and integration tokens.
type Service struct {
	store    *store.Store
	audit    *auditlog.Writer
	signin   *signin.Service
	entities *entities.Cache
	now      func() time.Time
}

// New is the service over st; now defaults to time.Now.
func New(st *store.Store, audit *auditlog.Writer, si *signin.Service, ents *entities.Cache, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, audit: audit, signin: si, entities: ents, now: now}
}

// checkRoleEntity validates the role and scope given to an account or an
// integration token: a staff role (never admin when noAdmin), and an existing
// entity, required for the entity-scoped roles.
func (s *Service) checkRoleEntity(ctx context.Context, role domain.Role, entity string, noAdmin bool) ([]refusal.Field, error) {
	var fe []refusal.Field
	switch {
	case role == "":
		fe = append(fe, refusal.Field{Name: "role", Code: refusal.FieldRequired})
	case noAdmin && role == domain.RoleAdmin:
		// An integration cannot administer (tokens, accounts, policies).
		fe = append(fe, refusal.Field{Name: "role", Code: FieldAdminNotAllowed})
	case !role.ValidStaff():
		fe = append(fe, refusal.Field{Name: "role", Code: refusal.FieldNotInList})
	}
	switch {
	case entity == "" && authz.EntityScoped(role):
		fe = append(fe, refusal.Field{Name: "entity", Code: refusal.FieldRequired})
	case entity != "":
		if _, err := s.entities.Find(ctx, entity); errors.Is(err, store.ErrNotFound) {
			fe = append(fe, refusal.Field{Name: "entity", Code: refusal.FieldUnknownEntity})
		} else if err != nil {
			return nil, err
		}
	}
	return fe, nil
}

// NewAccount is an account as an administrator writes it.
type NewAccount struct {
	Username, Name string
	Role           domain.Role
	Entity         string
	Password       string
}

// Create adds a staff account, audited as account.created with its grant.
// Refusals: Invalid with fields, Conflict CodeAccountExists.
func (s *Service) Create(ctx context.Context, admin workflows.Actor, in NewAccount) (store.Account, error) {
	username := store.NormalizeUsername(in.Username)
	fe := CheckHandle("username", username)
	// The name reaches workflows as the actor's and the timeline: free text.
	name := normalize.Text(in.Name)
	if utf8.RuneCountInString(name) > MaxName {
		fe = append(fe, refusal.Field{Name: "name", Code: refusal.FieldTooLong})
	}
	entity := strings.TrimSpace(in.Entity)
	re, err := s.checkRoleEntity(ctx, in.Role, entity, false)
	if err != nil {
		return store.Account{}, fmt.Errorf("create account: %w", err)
	}
	fe = append(fe, re...)
	fe = append(fe, signin.CheckNewPassword("password", in.Password)...)
	if len(fe) > 0 {
		return store.Account{}, refusal.Fields(fe...)
	}
	hash, err := s.signin.Hash(in.Password)
	if err != nil {
		return store.Account{}, err
	}
	var acc store.Account
	err = s.audit.Audited(ctx, admin, auditlog.AccountCreated, "account/"+username,
		map[string]any{"role": in.Role, "entity": entity}, func(ctx context.Context) error {
			var err error
			acc, err = s.store.CreateAccount(ctx, store.NewAccount{
				Username: username, Name: name, Role: in.Role, Entity: entity, PasswordHash: hash,
			}, s.now())
			return err
		})
	if errors.Is(err, store.ErrExists) {
		return store.Account{}, refusal.Because(refusal.Conflict, CodeAccountExists, err)
	} else if err != nil {
		return store.Account{}, fmt.Errorf("create account: %w", err)
	}
	return acc, nil
}

// Disable disables an account and ends its sessions, audited as
// account.disabled. Refusals: NotFound.
func (s *Service) Disable(ctx context.Context, admin workflows.Actor, username string) error {
	username = store.NormalizeUsername(username)
	err := s.audit.Audited(ctx, admin, auditlog.AccountDisabled, "account/"+username, nil, func(ctx context.Context) error {
		return s.store.DisableAccount(ctx, username, s.now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return fmt.Errorf("disable account: %w", err)
	}
	return nil
}

// ChangeRole gives an account another role or scope, audited with the role
// and scope before and after. Sessions stay open: every request reads the
// account afresh, so the change holds from the next request on. An
// administrator cannot change their own role, so the last administrator
// cannot demote themself by mistake. Refusals: NotFound, Forbidden, Invalid
// with fields.
func (s *Service) ChangeRole(ctx context.Context, admin workflows.Actor, username string, role domain.Role, entity string) (store.Account, error) {
	acc, err := s.store.GetAccountByUsername(ctx, store.NormalizeUsername(username))
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return store.Account{}, fmt.Errorf("change role: %w", err)
	}
	if admin.ID == store.AccountActorPrefix+acc.Username {
		return store.Account{}, refusal.New(refusal.Forbidden, refusal.CodeForbidden)
	}
	entity = strings.TrimSpace(entity)
	fe, err := s.checkRoleEntity(ctx, role, entity, false)
	if err != nil {
		return store.Account{}, fmt.Errorf("change role: %w", err)
	}
	if len(fe) > 0 {
		return store.Account{}, refusal.Fields(fe...)
	}
	detail := map[string]any{"from_role": acc.Role, "from_entity": acc.Entity, "role": role, "entity": entity}
	if err := s.audit.Audited(ctx, admin, auditlog.RoleChanged, "account/"+acc.Username, detail, func(ctx context.Context) error {
		return s.store.UpdateAccountProfile(ctx, acc.Username, acc.Name, role, entity, s.now())
	}); err != nil {
		return store.Account{}, fmt.Errorf("change role: %w", err)
	}
	acc.Role, acc.Entity = role, entity
	return acc, nil
}

// List is every account by username.
func (s *Service) List(ctx context.Context) ([]store.Account, error) {
	return s.store.ListAccounts(ctx)
}
