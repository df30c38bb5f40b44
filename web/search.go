package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/views"
)

// search finds tickets by number, national ID, mobile or words, within what
// the reader may read (tickets.Search, as the API's GET /tickets/search: a
// lookup of a person is in the audit log before anything is shown). A bad
// query is the form again with the error at its field.
func (w *Web) search(c *gin.Context) error {
	l := langOf(c)
	p := w.page(c, "search.title", "search")
	s := views.Search{Query: c.Query("q")}
	if _, asked := c.GetQuery("q"); !asked {
		return render(c, http.StatusOK, views.SearchPage(p, s))
	}
	actor, _ := actorOf(c)
	page, err := w.tickets.Search(c.Request.Context(), actor, tickets.SearchQuery{Text: s.Query, Cursor: c.Query("cursor")})
	var r *refusal.Error
	if errors.As(err, &r) && r.Kind == refusal.Invalid {
		s.Error = refusalText(l, r.Code)
		if len(r.Fields) > 0 {
			s.Error = fieldMessage(l, r.Fields[0])
		}
		return render(c, http.StatusUnprocessableEntity, views.SearchPage(p, s))
	} else if err != nil {
		return err
	}
	s.Searched, s.Rows = true, w.rows(c, l, page.Tickets)
	if page.NextCursor != "" {
		s.Next = "/search?" + url.Values{"q": {s.Query}, "cursor": {page.NextCursor}}.Encode()
	}
	return render(c, http.StatusOK, views.SearchPage(p, s))
}
