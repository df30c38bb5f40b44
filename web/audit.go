package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// auditLog browses the audit log (auditlog.Browse: newest first, by actor,
// action, subject prefix and days in Riyadh; the read itself recorded) under
// whether its chain holds (auditlog.Verify, what `tawasul audit verify`
// computes). Filters that cannot be what they say are the form again with
// the errors at their fields.
func (w *Web) auditLog(c *gin.Context) error {
	ctx := c.Request.Context()
	l := langOf(c)
	actor, _ := actorOf(c)
	a := views.Audit{
		Actor: c.Query("actor"), Action: c.Query("action"), Subject: c.Query("subject"),
		From: c.Query("from"), To: c.Query("to"), Errors: views.FieldErrors{},
	}
	q := auditlog.Query{ActorID: a.Actor, Action: a.Action, SubjectPrefix: a.Subject, Cursor: c.Query("cursor")}
	var from, to time.Time
	var ok bool
	if from, ok = riyadhDay(a.From); !ok {
		a.Errors["from"] = fieldText(l, refusal.FieldInvalidValue)
	}
	if to, ok = riyadhDay(a.To); !ok {
		a.Errors["to"] = fieldText(l, refusal.FieldInvalidValue)
	}
	q.From = from
	if !to.IsZero() {
		q.To = to.AddDate(0, 0, 1) // the last day is the reader's, whole
	}
	status := http.StatusOK
	if len(a.Errors) == 0 {
		page, err := w.audit.Browse(ctx, actor, q)
		if r, ok := refusal.As(err); ok && r.Kind == refusal.Invalid {
			for _, f := range r.Fields {
				a.Errors[f.Name] = fieldText(l, f.Code)
			}
		} else if err != nil {
			return err
		}
		for _, e := range page.Entries {
			a.Entries = append(a.Entries, views.AuditEntry{
				ID: strconv.FormatInt(e.ID, 10), At: e.At, Actor: e.ActorID, Role: roleWord(l, e.ActorRole),
				Action: e.Action, Subject: e.Subject, Detail: e.Detail,
			})
		}
		if page.NextCursor != "" {
			a.Next = "/audit?" + url.Values{"actor": {a.Actor}, "action": {a.Action}, "subject": {a.Subject},
				"from": {a.From}, "to": {a.To}, "cursor": {page.NextCursor}}.Encode()
		}
	}
	if len(a.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	chain, err := w.audit.Verify(ctx, actor)
	if err != nil {
		return err
	}
	a.Chain = chainView(l, chain)
	return render(c, status, views.AuditPage(w.page(c, "audit.title", "audit"), a))
}

// riyadhDay is the start of a day typed as 2006-01-02, in Riyadh; zero for
// none, false for what is not a date.
func riyadhDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, i18n.Riyadh)
	return t, err == nil
}

// chainView is the verification in words.
func chainView(l i18n.Lang, c auditlog.Chain) views.Chain {
	v := views.Chain{Checked: strconv.Itoa(c.Checked)}
	if c.Head.ID > 0 {
		v.HeadID, v.Head = strconv.FormatInt(c.Head.ID, 10), c.Head.Hash
	}
	switch {
	case c.Unverifiable:
		v.Class, v.Status = "unknown", l.T("audit.unverifiable")
	case c.Intact():
		v.Class, v.Status = "ok", l.T("audit.intact")
	default:
		v.Class, v.Status = "broken", l.Format("audit.broken", strconv.FormatInt(c.Broken, 10))
		v.Problem = c.Problem
	}
	return v
}

// roleWord is a role in words, the role itself for one the catalog lacks
// (entries outlive renamed roles).
func roleWord(l i18n.Lang, role string) string {
	if role == "" || !i18n.Has("role."+role) {
		return role
	}
	return l.T("role." + role)
}
