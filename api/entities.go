package api

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/tawasul/tawasul/seed"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
)

type entityJSON struct {
	Code   string            `json:"code"`
	NameAR string            `json:"name_ar"`
	NameEN string            `json:"name_en"`
	Kind   domain.EntityKind `json:"kind"`
	Parent string            `json:"parent"`
}

// listEntities is open: the intake form needs the list of entities.
func (a *API) listEntities(c *gin.Context) error {
	es, err := a.entities.List(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]entityJSON, 0, len(es))
	for _, e := range es {
		out = append(out, entityJSON{Code: e.Code, NameAR: e.NameAR, NameEN: e.NameEN, Kind: e.Kind, Parent: e.Parent})
	}
	return writeJSON(c, http.StatusOK, out)
}

// exportEntities answers the organization as an entities CSV file (admins).
func (a *API) exportEntities(c *gin.Context) error {
	var buf bytes.Buffer
	if err := a.orgchart.Export(c.Request.Context(), &buf); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="entities.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// importEntities merges an entities CSV file into the organization (admins;
// orgchart.Import): every bad line is reported at once, and nothing is
// written unless every line is good.
func (a *API) importEntities(c *gin.Context) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/csv" {
			return problem(http.StatusUnsupportedMediaType, codeUnsupportedMedia)
		}
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	actor, _ := staffActor(c)
	done, err := a.orgchart.Import(c.Request.Context(), actor, body)
	var rows seed.RowErrors
	if errors.As(err, &rows) {
		fields := make([]fieldErr, 0, len(rows))
		for _, r := range rows {
			fields = append(fields, fieldErr{field: fmt.Sprintf("line %d", r.Line), code: fieldInvalidRow, msg: r.Message})
		}
		return invalid(fields...)
	} else if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, gin.H{"imported": done.Lines})
}
