package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Audit actions appended by the API.
const (
	auditPolicyCreated = "policy.created"
	auditPolicyApplied = "policy.applied"
	// auditPolicyNotApplied follows a policy.applied whose roll-out did not start.
	auditPolicyNotApplied = "policy.apply_failed"
	auditEntitiesImport   = "entities.imported"
	auditHistoryRead      = "history.read"
	// auditPayloadsDecoded: an auditor had Temporal payloads opened (codec endpoint).
	auditPayloadsDecoded = "payloads.decoded"
	auditLogin           = "login"
	auditLoginFailed     = "login.failed"
	auditLoginAlert      = "login.alert"
	auditLogout          = "logout"
	auditPasswordChange  = "password.changed"
	auditAccountCreated  = "account.created"
	auditAccountOff      = "account.disabled"
	auditRoleChanged     = "account.role_changed"
	auditRefreshReused   = "session.refresh_reused"
	auditTokenCreated    = "token.created"
	auditTokenRevoked    = "token.revoked"
	auditFAQCreated      = "faq.created"
	auditFAQUpdated      = "faq.updated"
	auditFAQDeleted      = "faq.deleted"
)

// audit appends one entry to the audit log for the request's staff actor.
//
// Audit is not best effort: a caller whose append fails must answer 500.
// Actions that change state go through audited instead, so the change and its
// entry share one transaction. For reads the append comes before any data is
// written out, so nothing is shown that was not recorded.
func (a *API) audit(c *gin.Context, action, subject string, detail any) error {
	actor, _ := staffActor(c)
	return a.auditAs(c, actor, action, subject, detail)
}

// auditEntry builds the entry of one action by actor.
func (a *API) auditEntry(actor workflows.Actor, action, subject string, detail any) (store.AuditEntry, error) {
	e := store.AuditEntry{
		At: a.now(), ActorID: actor.ID, ActorRole: string(actor.Role),
		Action: action, Subject: subject,
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return e, fmt.Errorf("audit %s: encode detail: %w", action, err)
		}
		e.Detail = string(b)
	}
	return e, nil
}

// audited runs write — a store write that changes state — with its audit
// entry appended in the write's own transaction: the change and its record
// commit together or not at all. Should the write path not take the entry
// (it does not take part), the entry is appended on its own afterwards.
func (a *API) audited(c *gin.Context, actor workflows.Actor, action, subject string, detail any, write func(ctx context.Context) error) error {
	e, err := a.auditEntry(actor, action, subject, detail)
	if err != nil {
		return err
	}
	ctx, pending, err := store.WithAudit(c.Request.Context(), e)
	if err != nil {
		return err
	}
	if err := write(ctx); err != nil {
		return err
	}
	if pending.Appended() {
		return nil
	}
	a.log.Error("audited write did not take its audit entry; appending it alone", "action", action, "subject", subject)
	return a.appendAudit(c, e)
}

// auditAs is audit for an explicit actor (a login has no staff actor yet).
func (a *API) auditAs(c *gin.Context, actor workflows.Actor, action, subject string, detail any) error {
	e, err := a.auditEntry(actor, action, subject, detail)
	if err != nil {
		return err
	}
	return a.appendAudit(c, e)
}

func (a *API) appendAudit(c *gin.Context, e store.AuditEntry) error {
	action, subject := e.Action, e.Subject
	if _, err := a.store.AppendAudit(c.Request.Context(), e); err != nil {
		a.log.Error("audit append failed", "action", action, "subject", subject, "detail", e.Detail,
			"actor", e.ActorID, "actor_role", e.ActorRole, "at", e.At, "error", err)
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
