package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/views"
)

// meetings is the minister's office's calendar: the requests to meet the
// minister with a slot offered or booked, soonest first (the inbox's
// meetings view, tickets.ViewMeetings); each opens its ticket's page, where
// the slot is offered, declined or its meeting recorded.
func (w *Web) meetings(c *gin.Context) error {
	actor, _ := actorOf(c)
	page, err := w.tickets.Inbox(c.Request.Context(), actor, tickets.InboxQuery{View: tickets.ViewMeetings, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	l := langOf(c)
	var m views.Meetings
	for _, t := range page.Tickets {
		if t.MeetingAt == nil {
			continue // the view lists slots; a row without one is not on the calendar
		}
		m.Rows = append(m.Rows, views.MeetingRow{
			Number: t.Number, Subject: t.Subject, Beneficiary: t.BeneficiaryName,
			State: l.T("meeting." + t.MeetingStatus), StateKey: t.MeetingStatus, At: *t.MeetingAt, Place: t.MeetingPlace,
		})
	}
	if page.NextCursor != "" {
		m.Next = "/meetings?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return render(c, http.StatusOK, views.MeetingsPage(w.page(c, "meetings.title", "meetings"), m))
}
