package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/notifications"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/web/views"
)

// notificationsPage lists the reader's notifications, newest first, a
// page at a time (notifications.List, as GET /api/v1/notifications: the
// same recipients, the same words in the reader's language).
func (w *Web) notificationsPage(c *gin.Context) error {
	return w.renderNotifications(c, http.StatusOK, "", "")
}

// renderNotifications is the page with notice above the list.
func (w *Web) renderNotifications(c *gin.Context, status int, notice, class string) error {
	actor, _ := actorOf(c)
	l := langOf(c)
	page, err := w.notifications.List(c.Request.Context(), actor, notifications.Query{Cursor: c.Query("cursor"), Lang: string(l)})
	if err != nil {
		return err
	}
	n := views.Notifications{Notice: notice, NoticeClass: class}
	if done := doneNotice(c, "done."); notice == "" && done != "" {
		n.Notice, n.NoticeClass = done, "ok"
	}
	for _, it := range page.Notifications {
		n.Items = append(n.Items, views.Note{
			ID: strconv.FormatInt(it.ID, 10), Text: it.Text, At: it.CreatedAt, Number: it.TicketNumber, Read: it.ReadAt != nil,
		})
	}
	if page.NextCursor != "" {
		n.Next = "/notifications?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	p := w.page(c, "notifications.title", "notifications")
	n.AnyUnread = p.Bell != nil && p.Bell.Count != ""
	return render(c, status, views.NotificationsPage(p, n))
}

// markRead is the page's forms: one notification read (id), or all of
// them (all). Done, back to the list (303); refused, the list with why.
func (w *Web) markRead(c *gin.Context) error {
	m := notifications.Mark{All: c.PostForm("all") != ""}
	if v := c.PostForm("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			id = 0 // no one's: the core refuses it at its field
		}
		m.IDs = []int64{id}
	}
	actor, _ := actorOf(c)
	if _, _, err := w.notifications.MarkRead(c.Request.Context(), actor, m); err != nil {
		var r *refusal.Error
		if !errors.As(err, &r) || r.Kind != refusal.Invalid {
			return err
		}
		status, errs, notice := placed(langOf(c), r)
		for _, e := range errs {
			notice = e
		}
		return w.renderNotifications(c, status, notice, "")
	}
	c.Redirect(http.StatusSeeOther, "/notifications?done=read")
	return nil
}

// bellPoll is the header's bell alone, for its poll: 204 while the unread
// count is the one the page shows (v), else the bell anew.
func (w *Web) bellPoll(c *gin.Context) error {
	b, n, err := w.bellOf(c)
	if err != nil {
		return err
	}
	if v := c.Query("v"); v != "" && v == strconv.FormatInt(n, 10) {
		c.Status(http.StatusNoContent)
		return nil
	}
	p := w.page(c, "notifications.title", "")
	return render(c, http.StatusOK, views.BellLink(p, b))
}

// bellOf is the signed-in reader's bell and their unread count
// (notifications.Unread, as GET /api/v1/notifications/unread-count).
func (w *Web) bellOf(c *gin.Context) (views.Bell, int64, error) {
	actor, _ := actorOf(c)
	l := langOf(c)
	n, err := w.notifications.Unread(c.Request.Context(), actor)
	if err != nil {
		return views.Bell{}, 0, err
	}
	b := views.Bell{
		Poll:      "/notifications/bell?" + url.Values{"v": {strconv.FormatInt(n, 10)}}.Encode(),
		PollEvery: w.pollSpec(),
	}
	if n > 0 {
		b.Count, b.Unread = l.Num(int(n)), l.Count(int(n), "n.unread")
	}
	return b, n, nil
}
