package api

import (
	"encoding/json"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Audit actions appended by the API.
const (
	auditPolicyCreated  = "policy.created"
	auditPolicyApplied  = "policy.applied"
	auditEntitiesImport = "entities.imported"
	auditHistoryRead    = "history.read"
	auditLogin          = "login"
	auditLoginFailed    = "login.failed"
	auditLogout         = "logout"
	auditPasswordChange = "password.changed"
	auditAccountCreated = "account.created"
	auditAccountOff     = "account.disabled"
	auditTokenCreated   = "token.created"
	auditTokenRevoked   = "token.revoked"
)

// audit appends one entry to the audit log for the request's staff actor.
//
// Audit is not best effort: a caller whose append fails must answer 500. For
// actions that change state (a policy saved, entities imported) the append
// follows the action's own transaction, so a failure there leaves the change
// made but unrecorded; the error log line below then carries every field of
// the missing entry for an operator to reconcile. For reads the append comes
// before any data is written out, so nothing is shown that was not recorded.
func (a *API) audit(c *gin.Context, action, subject string, detail any) error {
	actor, _ := staffActor(c)
	return a.auditAs(c, actor, action, subject, detail)
}

// auditAs is audit for an explicit actor (a login has no staff actor yet).
func (a *API) auditAs(c *gin.Context, actor workflows.Actor, action, subject string, detail any) error {
	e := store.AuditEntry{
		At: a.now(), ActorID: actor.ID, ActorRole: string(actor.Role),
		Action: action, Subject: subject,
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit %s: encode detail: %w", action, err)
		}
		e.Detail = string(b)
	}
	if _, err := a.store.AppendAudit(c.Request.Context(), e); err != nil {
		a.log.Error("audit append failed", "action", action, "subject", subject, "detail", e.Detail,
			"actor", e.ActorID, "actor_role", e.ActorRole, "at", e.At, "error", err)
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
