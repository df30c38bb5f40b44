package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/accounts"
	"github.com/tawasul/tawasul/domain"
)

// Accounts administered by admins: create, disable, change a role, through
// package accounts (the rules, the audit). Sign-in, sessions and one's own
// password are in sessions.go.

// createAccount adds a staff account (admin).
func (a *API) createAccount(c *gin.Context) error {
	var in accountIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	actor, _ := staffActor(c)
	acc, err := a.accounts.Create(c.Request.Context(), actor, accounts.NewAccount{
		Username: in.Username, Name: in.Name, Role: in.Role, Entity: in.Entity, Password: in.Password,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, accountOut{Username: acc.Username, Name: acc.Name, Role: acc.Role,
		Entity: acc.Entity, Disabled: acc.Disabled, CreatedAt: acc.CreatedAt})
}

// disableAccount disables an account and ends its sessions (admin).
func (a *API) disableAccount(c *gin.Context) error {
	actor, _ := staffActor(c)
	if err := a.accounts.Disable(c.Request.Context(), actor, c.Param("username")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type roleIn struct {
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity"`
}

// changeRole gives an account another role or scope (admin; never one's own).
func (a *API) changeRole(c *gin.Context) error {
	actor, _ := staffActor(c)
	var in roleIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	acc, err := a.accounts.ChangeRole(c.Request.Context(), actor, c.Param("username"), in.Role, in.Entity)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, accountOut{Username: acc.Username, Name: acc.Name, Role: acc.Role,
		Entity: acc.Entity, Disabled: acc.Disabled, CreatedAt: acc.CreatedAt})
}
