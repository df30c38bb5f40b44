package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/web/views"
)

// policyPreview shows what rolling a version out now would do to the open
// tickets' deadlines, changing nothing (policies.Service.PreviewVersion, as
// POST /api/v1/policies/preview): the counts, how far deadlines move, and
// the tickets that move most with their old and new deadlines.
func (w *Web) policyPreview(c *gin.Context) error {
	l := langOf(c)
	p, err := w.versionParam(c)
	if err != nil {
		return err
	}
	got, err := w.policies.PreviewVersion(c.Request.Context(), p.Version)
	if err != nil {
		return err
	}
	pv := views.Preview{Version: got.Version, At: got.At}
	for _, n := range []struct {
		key string
		n   int
	}{{"open", got.Open}, {"already", got.AlreadyOnVersion}, {"changed", got.Changed}, {"earlier", got.Earlier},
		{"later", got.Later}, {"unchanged", got.Unchanged}, {"not_computable", got.NotComputable}, {"newly_past_due", got.NewlyPastDue}} {
		pv.Counts = append(pv.Counts, views.Fact{Label: l.T("preview." + n.key), Value: l.Num(n.n), LTR: true})
	}
	if s := got.Shift; s != nil {
		pv.Shift = []views.Fact{
			{Label: l.T("preview.min"), Value: s.Min.Human, LTR: true},
			{Label: l.T("preview.median"), Value: s.Median.Human, LTR: true},
			{Label: l.T("preview.max"), Value: s.Max.Human, LTR: true},
		}
	}
	for _, t := range got.Sample {
		pv.Sample = append(pv.Sample, views.PreviewTicket{Number: t.Number, Status: l.T("status." + string(t.Status)),
			Deadline: l.T("deadline." + t.Deadline), Current: t.CurrentDue, New: t.NewDue, Shift: t.Shift.Human})
	}
	return render(c, http.StatusOK, views.PreviewPage(w.page(c, "preview.title", "policy"), pv))
}
