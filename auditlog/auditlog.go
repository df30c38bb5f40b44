// Package auditlog writes the audit log (store.AppendAudit) for every front
// end: who did what to which subject, with a detail as JSON. A change of
// state and its entry commit in one transaction (Audited); a read or a
// refusal is appended on its own (Append) before anything is shown.
//
// Audit is not best effort: a caller whose append fails must fail too.
package auditlog

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Actions: the names of the entries the front ends and the core append.
// They are stable (auditors search by them); add, never rename.
const (
	PolicyCreated = "policy.created"
	PolicyApplied = "policy.applied"
	// PolicyNotApplied follows a policy.applied whose roll-out did not start.
	PolicyNotApplied = "policy.apply_failed"
	EntitiesImported = "entities.imported"
	HistoryRead      = "history.read"
	// PayloadsDecoded: an auditor had Temporal payloads opened (codec endpoint).
	PayloadsDecoded = "payloads.decoded"
	Login           = "login"
	LoginFailed     = "login.failed"
	LoginAlert      = "login.alert"
	Logout          = "logout"
	PasswordChanged = "password.changed"
	AccountCreated  = "account.created"
	AccountDisabled = "account.disabled"
	RoleChanged     = "account.role_changed"
	RefreshReused   = "session.refresh_reused"
	TokenCreated    = "token.created"
	TokenRevoked    = "token.revoked"
	FAQCreated      = "faq.created"
	FAQUpdated      = "faq.updated"
	FAQDeleted      = "faq.deleted"
	// AuditRead: someone browsed the audit log itself (Browse).
	AuditRead = "audit.read"
)

// Writer appends entries to the audit log.
type Writer struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger
}

// New is a Writer over st, stamping entries with now (default time.Now);
// log (default discard) receives what a failed append would have recorded,
// so it is not lost altogether.
func New(st *store.Store, now func() time.Time, log *slog.Logger) *Writer {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{store: st, now: now, log: log}
}

// entry is the entry of one action by actor, detail encoded as JSON (nil:
// none).
func (w *Writer) entry(actor workflows.Actor, action, subject string, detail any) (store.AuditEntry, error) {
	e := store.AuditEntry{
		At: w.now(), ActorID: actor.ID, ActorRole: string(actor.Role),
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

// Append appends one entry on its own. For reads it comes before any data is
// written out, so nothing is shown that was not recorded.
func (w *Writer) Append(ctx context.Context, actor workflows.Actor, action, subject string, detail any) error {
	e, err := w.entry(actor, action, subject, detail)
	if err != nil {
		return err
	}
	return w.append(ctx, e)
}

// Audited runs write — a store write that changes state — with its audit
// entry appended in the write's own transaction (store.WithAudit): the
// change and its record commit together or not at all. Should the write path
// not take the entry (it does not take part), the entry is appended on its
// own afterwards.
func (w *Writer) Audited(ctx context.Context, actor workflows.Actor, action, subject string, detail any, write func(ctx context.Context) error) error {
	e, err := w.entry(actor, action, subject, detail)
	if err != nil {
		return err
	}
	wctx, pending, err := store.WithAudit(ctx, e)
	if err != nil {
		return err
	}
	if err := write(wctx); err != nil {
		return err
	}
	if pending.Appended() {
		return nil
	}
	w.log.Error("audited write did not take its audit entry; appending it alone", "action", action, "subject", subject)
	return w.append(ctx, e)
}

func (w *Writer) append(ctx context.Context, e store.AuditEntry) error {
	if _, err := w.store.AppendAudit(ctx, e); err != nil {
		w.log.Error("audit append failed", "action", e.Action, "subject", e.Subject, "detail", e.Detail,
			"actor", e.ActorID, "actor_role", e.ActorRole, "at", e.At, "error", err)
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}
