package auditlog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Query is what a reader of the log asks for: every field optional.
type Query struct {
	ActorID, Action, SubjectPrefix string
	// From (inclusive) and To (exclusive) bound the entries' time.
	From, To time.Time
	// Cursor is a page's NextCursor ("": the newest entries).
	Cursor string
	// Size is how many entries a page holds (0: 50).
	Size int
}

// Page is one page of the log, newest first.
type Page struct {
	Entries []store.AuditEntry
	// NextCursor continues after the last entry ("": no more).
	NextCursor string
}

// Browse reads one page of the log for actor, who must be allowed to
// (authz.MayReadAuditLog). The read is itself an entry (audit.read, with
// the query), appended before anything is read: no record, no log.
func (w *Writer) Browse(ctx context.Context, actor workflows.Actor, q Query) (Page, error) {
	if !authz.MayReadAuditLog(actor.Role) {
		return Page{}, refusal.New(refusal.Forbidden, refusal.CodeForbidden)
	}
	f, err := q.filter()
	if err != nil {
		return Page{}, err
	}
	detail := map[string]any{}
	for k, v := range map[string]string{"actor_id": q.ActorID, "action": q.Action, "subject_prefix": q.SubjectPrefix, "cursor": q.Cursor} {
		if v != "" {
			detail[k] = v
		}
	}
	if !q.From.IsZero() {
		detail["from"] = q.From.UTC()
	}
	if !q.To.IsZero() {
		detail["to"] = q.To.UTC()
	}
	if err := w.Append(ctx, actor, AuditRead, "audit", detail); err != nil {
		return Page{}, err
	}
	rows, err := w.store.FindAudit(ctx, f)
	if err != nil {
		return Page{}, fmt.Errorf("browsing the audit log: %w", err)
	}
	p := Page{Entries: rows}
	if len(rows) == f.Limit {
		p.NextCursor = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return p, nil
}

// filter checks q and turns it into the store's filter; a field that
// cannot be what it says is refused at its name.
func (q Query) filter() (store.AuditFilter, error) {
	f := store.AuditFilter{ActorID: q.ActorID, Action: q.Action, SubjectPrefix: q.SubjectPrefix, From: q.From, To: q.To, Limit: q.Size}
	var bad []refusal.Field
	for _, l := range []struct {
		name, value string
		max         int
	}{{"actor", q.ActorID, 100}, {"action", q.Action, 64}, {"subject", q.SubjectPrefix, 200}} {
		if len(l.value) > l.max {
			bad = append(bad, refusal.Field{Name: l.name, Code: refusal.FieldTooLong})
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		bad = append(bad, refusal.Field{Name: "to", Code: refusal.FieldOutOfRange})
	}
	if q.Cursor != "" {
		n, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || n < 1 {
			bad = append(bad, refusal.Field{Name: "cursor", Code: refusal.FieldInvalidValue})
		}
		f.Before = n
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 1000 {
		bad = append(bad, refusal.Field{Name: "size", Code: refusal.FieldOutOfRange})
	}
	if len(bad) > 0 {
		return f, refusal.Fields(bad...)
	}
	return f, nil
}

// Chain is whether the log's hash chain holds, as `tawasul audit verify`
// computes it (store.VerifyAudit) without anchors.
type Chain struct {
	store.AuditReport
	// Unverifiable: the log is keyed and this process has not the key
	// (secrets.audit), so it cannot say.
	Unverifiable bool
}

// Intact reports a chain verified from its first entry to its head.
func (c Chain) Intact() bool { return !c.Unverifiable && c.Broken == 0 }

// Verify walks the whole log (store.VerifyAudit): a reader of the log sees
// at once whether it has been tampered with. Only for whoever may browse it.
func (w *Writer) Verify(ctx context.Context, actor workflows.Actor) (Chain, error) {
	if !authz.MayReadAuditLog(actor.Role) {
		return Chain{}, refusal.New(refusal.Forbidden, refusal.CodeForbidden)
	}
	rep, err := w.store.VerifyAudit(ctx, nil)
	if errors.Is(err, store.ErrAuditKeyRequired) {
		return Chain{AuditReport: rep, Unverifiable: true}, nil
	}
	if err != nil {
		return Chain{}, fmt.Errorf("verifying the audit log: %w", err)
	}
	return Chain{AuditReport: rep}, nil
}
