package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
)

// Accounts administered by admins: create, disable, change a role. Sign-in,
// sessions and one's own password are in sessions.go.

// checkHandle validates a login name or token name (already normalized).
func checkHandle(field, v string) []fieldErr {
	switch {
	case v == "":
		return []fieldErr{{field: field, code: fieldRequired}}
	case utf8.RuneCountInString(v) > maxUsernameLength:
		return []fieldErr{{field: field, code: fieldTooLong}}
	case !usernamePattern.MatchString(v):
		return []fieldErr{{field: field, code: fieldInvalidValue}}
	}
	return nil
}

// checkRoleEntity validates the role and scope given to an account or an
// integration token: a staff role (never admin when noAdmin), and an existing
// entity, required for the entity-scoped roles.
func (a *API) checkRoleEntity(ctx context.Context, role domain.Role, entity string, noAdmin bool) ([]fieldErr, error) {
	var fe []fieldErr
	switch {
	case role == "":
		fe = append(fe, fieldErr{field: "role", code: fieldRequired})
	case noAdmin && role == domain.RoleAdmin:
		// An integration cannot administer (tokens, accounts, policies).
		fe = append(fe, fieldErr{field: "role", code: fieldAdminToken})
	case !role.ValidStaff():
		fe = append(fe, fieldErr{field: "role", code: fieldNotInList})
	}
	switch {
	case entity == "" && authz.EntityScoped(role):
		fe = append(fe, fieldErr{field: "entity", code: fieldRequired})
	case entity != "":
		if _, err := a.entities.Find(ctx, entity); errors.Is(err, store.ErrNotFound) {
			fe = append(fe, fieldErr{field: "entity", code: fieldUnknownEntity})
		} else if err != nil {
			return nil, err
		}
	}
	return fe, nil
}

// createAccount adds a staff account (admin).
func (a *API) createAccount(c *gin.Context) error {
	var in accountIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	ctx := c.Request.Context()
	username := store.NormalizeUsername(in.Username)
	fe := checkHandle("username", username)
	// The name reaches workflows as the actor's and the timeline: free text.
	name := normalize.Text(in.Name)
	if utf8.RuneCountInString(name) > 200 {
		fe = append(fe, fieldErr{field: "name", code: fieldTooLong})
	}
	entity := strings.TrimSpace(in.Entity)
	re, err := a.checkRoleEntity(ctx, in.Role, entity, false)
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	fe = append(fe, re...)
	fe = append(fe, checkNewPassword("password", in.Password)...)
	if len(fe) > 0 {
		return invalid(fe...)
	}
	hash, err := a.signin.Hash(in.Password)
	if err != nil {
		return err
	}
	actor, _ := staffActor(c)
	var acc store.Account
	err = a.audited(c, actor, auditAccountCreated, "account/"+store.NormalizeUsername(username),
		gin.H{"role": in.Role, "entity": entity}, func(ctx context.Context) error {
			var err error
			acc, err = a.store.CreateAccount(ctx, store.NewAccount{
				Username: username, Name: name, Role: in.Role, Entity: entity, PasswordHash: hash,
			}, a.now())
			return err
		})
	if errors.Is(err, store.ErrExists) {
		return problem(http.StatusConflict, codeAccountExists)
	} else if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return writeJSON(c, http.StatusCreated, accountOut{Username: acc.Username, Name: acc.Name, Role: acc.Role,
		Entity: acc.Entity, Disabled: acc.Disabled, CreatedAt: acc.CreatedAt})
}

// disableAccount disables an account and ends its sessions (admin).
func (a *API) disableAccount(c *gin.Context) error {
	username := store.NormalizeUsername(c.Param("username"))
	actor, _ := staffActor(c)
	err := a.audited(c, actor, auditAccountOff, "account/"+username, nil, func(ctx context.Context) error {
		return a.store.DisableAccount(ctx, username, a.now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return fmt.Errorf("disable account: %w", err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

type roleIn struct {
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity"`
}

// changeRole gives an account another role or scope (admin). Sessions stay
// open: every request reads the account afresh, so the change holds from the
// next request on. An administrator cannot change their own role, so the last
// administrator cannot demote themself by mistake.
func (a *API) changeRole(c *gin.Context) error {
	actor, _ := staffActor(c)
	username := store.NormalizeUsername(c.Param("username"))
	var in roleIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	ctx := c.Request.Context()
	acc, err := a.store.GetAccountByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return fmt.Errorf("change role: %w", err)
	}
	if actor.ID == accountActorPrefix+acc.Username {
		return problem(http.StatusForbidden, codeForbidden)
	}
	entity := strings.TrimSpace(in.Entity)
	fe, err := a.checkRoleEntity(ctx, in.Role, entity, false)
	if err != nil {
		return fmt.Errorf("change role: %w", err)
	}
	if len(fe) > 0 {
		return invalid(fe...)
	}
	detail := gin.H{"from_role": acc.Role, "from_entity": acc.Entity, "role": in.Role, "entity": entity}
	if err := a.audited(c, actor, auditRoleChanged, "account/"+acc.Username, detail, func(ctx context.Context) error {
		return a.store.UpdateAccountProfile(ctx, acc.Username, acc.Name, in.Role, entity, a.now())
	}); err != nil {
		return fmt.Errorf("change role: %w", err)
	}
	return writeJSON(c, http.StatusOK, accountOut{Username: acc.Username, Name: acc.Name, Role: in.Role,
		Entity: entity, Disabled: acc.Disabled, CreatedAt: acc.CreatedAt})
}
