package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// inbox is the coordinator's inbox: the views of pending work the reader's
// role has, with their counts, and the chosen view's tickets, most urgent
// first, refreshing by itself.
func (w *Web) inbox(c *gin.Context) error {
	in, err := w.inboxData(c)
	if err != nil {
		return err
	}
	actor, _ := actorOf(c)
	counts, err := w.tickets.InboxCounts(c.Request.Context(), actor)
	if err != nil {
		return err
	}
	l := langOf(c)
	for _, v := range counts {
		n := l.Num(v.N)
		if v.More {
			n += "+"
		}
		in.Tabs = append(in.Tabs, views.Tab{Key: string(v.View), Label: l.T("view." + string(v.View)), Count: n, Current: string(v.View) == in.View})
	}
	return render(c, http.StatusOK, views.InboxPage(w.page(c, "inbox.title", "inbox"), in.Inbox))
}

// inboxList is the list alone, for the page's poll: 204 when it has not
// changed since the version the page shows (v), so nothing moves under the
// reader's eyes; else the new list, which carries its own new version.
func (w *Web) inboxList(c *gin.Context) error {
	in, err := w.inboxData(c)
	if err != nil {
		return err
	}
	if c.Query("v") != "" && c.Query("v") == in.version {
		c.Status(http.StatusNoContent)
		return nil
	}
	return render(c, http.StatusOK, views.InboxList(w.page(c, "inbox.title", "inbox"), in.Inbox))
}

type inboxData struct {
	views.Inbox
	version string
}

// inboxData reads one page of the view asked for.
func (w *Web) inboxData(c *gin.Context) (inboxData, error) {
	actor, _ := actorOf(c)
	view := c.DefaultQuery("view", string(tickets.ViewAll))
	cursor := c.Query("cursor")
	page, err := w.tickets.Inbox(c.Request.Context(), actor, tickets.InboxQuery{View: tickets.View(view), Cursor: cursor})
	if err != nil {
		return inboxData{}, err
	}
	l := langOf(c)
	rows := w.rows(c, l, page.Tickets)
	in := inboxData{Inbox: views.Inbox{View: view, Rows: rows, PollEvery: w.pollSpec()}}
	if page.NextCursor != "" {
		in.Next = "/inbox?" + url.Values{"view": {view}, "cursor": {page.NextCursor}}.Encode()
	}
	in.version = listVersion(page.Tickets, rows)
	if cursor == "" {
		in.Poll = "/inbox/list?" + url.Values{"view": {view}, "v": {in.version}}.Encode()
	}
	return in, nil
}

// listVersion names what a list shows: the tickets, their versions and the
// badges as written now (a badge moves with the clock, not the row).
func listVersion(ts []store.Ticket, rows []views.Row) string {
	h := sha256.New()
	for i, t := range ts {
		h.Write([]byte(t.Number))
		h.Write([]byte(strconv.FormatInt(int64(t.Version), 10)))
		h.Write([]byte(rows[i].Badge.Text))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// rows writes tickets as list rows in the reader's language.
func (w *Web) rows(c *gin.Context, l i18n.Lang, ts []store.Ticket) []views.Row {
	now := w.now()
	ids := make([]string, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.AssignedTo)
	}
	names := w.names(c.Request.Context(), ids)
	rows := make([]views.Row, 0, len(ts))
	for _, t := range ts {
		cal, known := w.calendars.of(c.Request.Context(), t.PolicyVersion)
		r := views.Row{
			Number: t.Number, Subject: t.Subject,
			Kind: l.T("kind." + string(t.Kind)), Channel: l.T("channel." + string(t.Channel)),
			Priority: l.T("priority." + string(t.Priority)), PriorityKey: string(t.Priority),
			Status: l.T("status." + string(t.Status)), Badge: badge(l, t, cal, known, now),
		}
		if t.AssignedTo != "" {
			r.Assignee = names(t.AssignedTo)
		}
		if t.EscalationLevel > 0 {
			r.Rung = l.Format("rung.at", l.T("role."+string(t.EscalationRole)))
		}
		rows = append(rows, r)
	}
	return rows
}
