package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// maxEntitiesFile bounds an uploaded entities file, as the API bounds its
// body (1 MiB: the organization is a few thousand lines).
const maxEntitiesFile = 1 << 20

// orgChart is the administrators' page of the organization: the entity
// tree, the CSV export and the import form.
func (w *Web) orgChart(c *gin.Context) error {
	o, err := w.orgChartOf(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.OrgChartPage(w.page(c, "org.title", "admin"), o))
}

// exportEntities sends the organization as an entities CSV file, the file
// GET /api/v1/entities/export sends (orgchart.Export).
func (w *Web) exportEntities(c *gin.Context) error {
	var buf bytes.Buffer
	if err := w.orgchart.Export(c.Request.Context(), &buf); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="entities.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// importEntities merges an uploaded entities file (orgchart.Import, as
// POST /api/v1/entities/import): every bad line listed with its number and
// nothing written (422), or the page with what changed. The result is
// rendered, not redirected to: the changes exist only in this answer, and
// sending the same file again changes nothing.
func (w *Web) importEntities(c *gin.Context) error {
	l := langOf(c)
	o, err := w.orgChartOf(c)
	if err != nil {
		return err
	}
	status, page := http.StatusOK, w.page(c, "org.title", "admin")
	body, ok := w.uploaded(c)
	if !ok {
		o.Errors = views.FieldErrors{"file": fieldText(l, refusal.FieldRequired)}
		return render(c, http.StatusUnprocessableEntity, views.OrgChartPage(page, o))
	}
	actor, _ := actorOf(c)
	done, err := w.orgchart.Import(c.Request.Context(), actor, body)
	var rows seed.RowErrors
	switch {
	case errors.As(err, &rows):
		status = http.StatusUnprocessableEntity
		o.Errors = views.FieldErrors{"file": l.Count(len(rows), "n.bad_line")}
		for _, r := range rows {
			o.BadLines = append(o.BadLines, views.BadLine{Line: strconv.Itoa(r.Line), Text: rowText(l, r)})
		}
	case err != nil:
		return err
	default:
		if o, err = w.orgChartOf(c); err != nil { // the tree as it is now
			return err
		}
		o.Imported = true
		o.Notice = l.Format("org.imported", l.Num(done.Lines))
		for _, ch := range done.Changes {
			o.Changes = append(o.Changes, changeView(l, ch))
		}
	}
	return render(c, status, views.OrgChartPage(page, o))
}

// uploaded reads the form's file; false when none was sent, it is empty,
// too large or not text.
func (w *Web) uploaded(c *gin.Context) ([]byte, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxEntitiesFile+64<<10)
	f, _, err := c.Request.FormFile("file")
	if err != nil {
		return nil, false
	}
	defer func() { _ = f.Close() }()
	body, err := io.ReadAll(io.LimitReader(f, maxEntitiesFile+1))
	if err != nil || len(body) == 0 || len(body) > maxEntitiesFile {
		return nil, false
	}
	return body, true
}

// orgChartOf gathers the entity tree in the reader's language.
func (w *Web) orgChartOf(c *gin.Context) (views.OrgChart, error) {
	es, err := w.entities.List(c.Request.Context())
	if err != nil {
		return views.OrgChart{}, err
	}
	l := langOf(c)
	children := map[string][]store.Entity{}
	for _, e := range es {
		children[e.Parent] = append(children[e.Parent], e)
	}
	var grow func(parent string, seen map[string]bool) []views.OrgNode
	grow = func(parent string, seen map[string]bool) []views.OrgNode {
		var out []views.OrgNode
		for _, e := range children[parent] {
			if seen[e.Code] { // the import keeps it a tree; never loop here
				continue
			}
			seen[e.Code] = true
			out = append(out, views.OrgNode{Code: e.Code, Name: entityWord(l, e),
				Kind: l.T("entity_kind." + string(e.Kind)), Children: grow(e.Code, seen)})
		}
		slices.SortStableFunc(out, func(a, b views.OrgNode) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	return views.OrgChart{Roots: grow("", map[string]bool{}), Count: l.Count(len(es), "n.entity")}, nil
}

// entityWord is an entity's name in the reader's language.
func entityWord(l i18n.Lang, e store.Entity) string {
	if l == i18n.EN {
		return e.NameEN
	}
	return e.NameAR
}

// changeView says what an import did to one entity: added under a parent,
// renamed, moved under another parent (or both of the last two).
func changeView(l i18n.Lang, ch store.EntityChange) views.OrgChange {
	v := views.OrgChange{Code: ch.Code, Name: entityWord(l, ch.After), Added: ch.Before == nil, To: ch.After.Parent}
	if ch.Renamed() {
		v.WasNamed = entityWord(l, *ch.Before)
	}
	if ch.Reparented() {
		v.From = ch.Before.Parent
	}
	return v
}

// rowText is what is wrong with a line of an entities file, in the
// reader's language (seed's codes; its English Message is the API's).
func rowText(l i18n.Lang, r seed.RowError) string {
	key := "row." + r.Code
	if !i18n.Has(key) {
		return r.Message
	}
	return l.Format(key, r.Arg)
}
