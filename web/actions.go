package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// act is one of the ticket page's forms: the ticket as the reader may see
// it, the action allowed by the policy, then the same core call the API
// makes. Done, it goes back to the page (303, so a reload does not send it
// again); refused, the page again with the form as it was sent and the
// refusal at its field, or above the forms when it is the workflow's (the
// ticket moved on).
func (w *Web) act(c *gin.Context) error {
	ctx := c.Request.Context()
	name := c.Param("action")
	var need authz.Action
	found := false
	for _, a := range ticketActions {
		if a.key == name {
			need, found = a.act, true
		}
	}
	if !found {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	actor := actingActor(c)
	t, err := w.tickets.Visible(ctx, actor, c.Param("number"))
	if err != nil {
		return err
	}
	if err := w.tickets.Authorize(ctx, tickets.SubjectOf(actor), need, t); err != nil {
		return w.refused(c, name, err)
	}
	// One key per page and form: the page's forms share the page's key.
	key := formKey(c.PostForm("key"))
	if key != "" {
		key += ":" + name
	}
	switch name {
	case "answer":
		_, err = w.tickets.Answer(ctx, t, key, actor, c.PostForm("message"))
	case "ask":
		_, err = w.tickets.Ask(ctx, t, key, actor, c.PostForm("message"))
	case "note":
		_, err = w.tickets.AddNote(ctx, t, key, actor, c.PostForm("message"))
	case "transfer":
		_, err = w.tickets.TransferTo(ctx, t, key, actor, c.PostForm("to"), c.PostForm("reason"))
	case "claim":
		_, err = w.tickets.Claim(ctx, t, key, actor)
	case "assign":
		_, err = w.tickets.AssignTo(ctx, t, key, actor, c.PostForm("to"), "")
	case "offer":
		_, err = w.tickets.OfferSlot(ctx, t, key, actor, slotOffer(c))
	case "decline":
		_, err = w.tickets.DeclineToMeet(ctx, t, key, actor, c.PostForm("reason"))
	case "attendance":
		_, err = w.tickets.RecordMeeting(ctx, t, key, actor, attended(c.PostForm("attended")), c.PostForm("note"))
	}
	if err != nil {
		return w.refused(c, name, err)
	}
	c.Redirect(http.StatusSeeOther, "/tickets/"+url.PathEscape(t.Number)+"?done="+name)
	return nil
}

// refused shows the ticket page again after a refused action: fields'
// errors at their fields, the workflow's reason above the forms, in the
// reader's language; a refusal the page cannot place (not found, busy)
// goes to fail.
func (w *Web) refused(c *gin.Context, name string, err error) error {
	var r *refusal.Error
	if !errors.As(err, &r) || r.Kind == refusal.NotFound || r.Kind == refusal.Busy {
		return err
	}
	l := langOf(c)
	tp, perr := w.ticketPage(c, c.Param("number"))
	if perr != nil {
		return perr
	}
	tp.Open = name
	status, errs, notice := placed(l, r)
	tp.Form = views.ActionForm{
		Message: c.PostForm("message"), Reason: c.PostForm("reason"), To: c.PostForm("to"),
		At: c.PostForm("at"), Place: c.PostForm("place"), Note: c.PostForm("note"), Attended: c.PostForm("attended"),
		Errors: errs,
	}
	if notice != "" {
		tp.Notice, tp.NoticeClass = notice, ""
	}
	return render(c, status, views.TicketPage(w.page(c, "ticket.title", "inbox"), tp))
}

// formKey is the form's key if it looks like one we wrote, else none (a
// fresh action): a key is bound to its request by the core.
func formKey(k string) string {
	if len(k) != len("web-")+32 {
		return ""
	}
	for _, r := range k[4:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return ""
		}
	}
	return k
}

// slotOffer reads the offer form: the date-time field sends a wall-clock
// time without a zone (to the minute, or the second), which is Riyadh's —
// the minister's diary is kept there, whatever the reader's computer says.
func slotOffer(c *gin.Context) tickets.SlotOffer {
	o := tickets.SlotOffer{Place: c.PostForm("place"), Note: c.PostForm("note")}
	raw := strings.TrimSpace(c.PostForm("at"))
	if raw == "" {
		return o
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if at, err := time.ParseInLocation(layout, raw, i18n.Riyadh); err == nil {
			o.At = at
			return o
		}
	}
	o.Unreadable = true
	return o
}

// attended reads the attendance form's answer; nil when none was chosen.
func attended(v string) *bool {
	var held bool
	switch v {
	case "held":
		held = true
	case "not_held":
	default:
		return nil
	}
	return &held
}
