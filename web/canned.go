package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/web/views"
)

// cannedLimit is how many FAQ entries the answer box offers at once.
const cannedLimit = 5

// canned searches the FAQ bank from the answer box (htmx, as the reader
// types) and offers each entry's whole answer to put into the box, in the
// language of the words searched.
func (w *Web) canned(c *gin.Context) error {
	p := w.page(c, "ticket.title", "inbox")
	q := normalize.Text(c.Query("q"))
	if w.faq == nil || len([]rune(strings.TrimSpace(q))) < 2 {
		return render(c, http.StatusOK, views.CannedResults(p, nil))
	}
	hits, err := w.faq.Search(c.Request.Context(), faq.Query{Text: q, Limit: cannedLimit})
	if err != nil {
		return err
	}
	out := make([]views.Canned, 0, len(hits))
	for _, h := range hits {
		e, err := w.store.GetFAQ(c.Request.Context(), h.ID)
		if err != nil {
			continue // removed since the index was built
		}
		answer := e.AnswerAR
		if h.Lang == "en" && e.AnswerEN != "" {
			answer = e.AnswerEN
		}
		out = append(out, views.Canned{Question: h.Question, Answer: answer})
	}
	return render(c, http.StatusOK, views.CannedResults(p, out))
}
