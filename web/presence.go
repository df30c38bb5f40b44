package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
	"github.com/tawasul/tawasul/workflows"
)

// presence records the reader on ticket number's page and says who else is
// there (store: ticket_presence, shared by every API replica).
func (w *Web) presence(c *gin.Context, l i18n.Lang, actor workflows.Actor, number string) (views.Presence, error) {
	ctx := c.Request.Context()
	now := w.now()
	name := actor.Name
	if name == "" {
		name = actor.ID
	}
	if err := w.store.SeePresence(ctx, number, actor.ID, name, now); err != nil {
		return views.Presence{}, err
	}
	// Three polls: one slow poll does not make a person vanish.
	others, err := w.store.PresentOthers(ctx, number, actor.ID, now.Add(-w.pollEvery*3))
	if err != nil {
		return views.Presence{}, err
	}
	names := make([]string, 0, len(others))
	for _, o := range others {
		names = append(names, o.Name)
	}
	pr := views.Presence{PollEvery: strconv.Itoa(int(w.pollEvery.Seconds())) + "s"}
	switch len(names) {
	case 0:
	case 1:
		pr.Text = l.Format("presence.one", names[0])
	default:
		pr.Text = l.Format("presence.many", strings.Join(names, l.T("list.sep")))
	}
	sum := sha256.Sum256([]byte(pr.Text))
	pr.Poll = "/tickets/" + url.PathEscape(number) + "/presence?v=" + hex.EncodeToString(sum[:8])
	return pr, nil
}

// presenceLine is the line alone, for the page's poll: 204 while the same
// people are there, so nothing moves.
func (w *Web) presenceLine(c *gin.Context) error {
	actor, _ := actorOf(c)
	t, err := w.tickets.Visible(c.Request.Context(), actor, c.Param("number"))
	if err != nil {
		return err
	}
	pr, err := w.presence(c, langOf(c), actor, t.Number)
	if err != nil {
		return err
	}
	if v := c.Query("v"); v != "" && strings.HasSuffix(pr.Poll, "v="+v) {
		c.Status(http.StatusNoContent)
		return nil
	}
	return render(c, http.StatusOK, views.PresenceLine(w.page(c, "ticket.title", "inbox"), pr))
}
