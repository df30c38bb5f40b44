package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// searchTickets: GET /tickets/search?q=&cursor=&limit= — the tickets in the
// caller's scope matching q (a number, a national ID, a mobile or words),
// newest first. The use case reads the scope and audits a lookup of a person.
func (a *API) searchTickets(c *gin.Context) error {
	q := c.Request.URL.Query()
	errs := onlyParams(q, "q", "cursor", "limit")
	limit, limitErrs := limitParam(q)
	if errs = append(errs, limitErrs...); len(errs) > 0 {
		return invalid(errs...)
	}
	actor, _ := staffActor(c)
	page, err := a.tickets.Search(c.Request.Context(), actor,
		tickets.SearchQuery{Text: q.Get("q"), Cursor: q.Get("cursor"), Limit: limit})
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("search tickets: %w", err)
	}
	now := a.now()
	items := make([]summaryJSON, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		items = append(items, summarize(t, now))
	}
	return writeJSON(c, http.StatusOK, gin.H{"kind": page.Kind, "items": items, "next_cursor": page.NextCursor})
}
