package api

import (
	"net/http"

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
func (a *API) listEntities(c *gin.Context) {
	es, err := a.entities.get(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]entityJSON, 0, len(es))
	for _, e := range es {
		out = append(out, entityJSON{Code: e.Code, NameAR: e.NameAR, NameEN: e.NameEN, Kind: e.Kind, Parent: e.Parent})
	}
	writeJSON(c, http.StatusOK, out)
}
