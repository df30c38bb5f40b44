package api

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/workflows"
)

// Audit actions appended by the API (package auditlog names them).
const (
	auditPolicyCreated    = auditlog.PolicyCreated
	auditPolicyApplied    = auditlog.PolicyApplied
	auditPolicyNotApplied = auditlog.PolicyNotApplied
	auditEntitiesImport   = auditlog.EntitiesImported
	auditPayloadsDecoded  = auditlog.PayloadsDecoded
	auditLogin            = auditlog.Login
	auditLoginFailed      = auditlog.LoginFailed
	auditLoginAlert       = auditlog.LoginAlert
	auditLogout           = auditlog.Logout
	auditPasswordChange   = auditlog.PasswordChanged
	auditAccountCreated   = auditlog.AccountCreated
	auditAccountOff       = auditlog.AccountDisabled
	auditRoleChanged      = auditlog.RoleChanged
	auditRefreshReused    = auditlog.RefreshReused
	auditTokenCreated     = auditlog.TokenCreated
	auditTokenRevoked     = auditlog.TokenRevoked
	auditFAQCreated       = auditlog.FAQCreated
	auditFAQUpdated       = auditlog.FAQUpdated
	auditFAQDeleted       = auditlog.FAQDeleted
)

// audit appends one entry to the audit log for the request's staff actor
// (auditlog.Writer.Append). A caller whose append fails must answer 500.
func (a *API) audit(c *gin.Context, action, subject string, detail any) error {
	actor, _ := staffActor(c)
	return a.auditAs(c, actor, action, subject, detail)
}

// audited runs write with its audit entry in the write's own transaction
// (auditlog.Writer.Audited).
func (a *API) audited(c *gin.Context, actor workflows.Actor, action, subject string, detail any, write func(ctx context.Context) error) error {
	return a.auditor.Audited(c.Request.Context(), actor, action, subject, detail, write)
}

// auditAs is audit for an explicit actor (a login has no staff actor yet).
func (a *API) auditAs(c *gin.Context, actor workflows.Actor, action, subject string, detail any) error {
	return a.auditor.Append(c.Request.Context(), actor, action, subject, detail)
}
