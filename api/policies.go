package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

func (a *API) currentPolicy(c *gin.Context) {
	p, err := a.store.CurrentPolicy(c.Request.Context())
	if errors.Is(err, store.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return
	} else if err != nil {
		a.fail(c, fmt.Errorf("load policy: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, p)
}

// savePolicy stores a new policy version. It applies to tickets filed from now
// on; open tickets keep the version they were filed under.
func (a *API) savePolicy(c *gin.Context) {
	actor, _ := staffActor(c)
	var p sla.Policy
	if err := decodeJSON(c, &p, false); err != nil {
		writeProblem(c, err)
		return
	}
	// The store numbers and stamps versions; what the client sent is ignored.
	p.Version, p.CreatedAt, p.CreatedBy = 0, time.Time{}, actor.ID
	if ferrs := p.Validate(); len(ferrs) > 0 {
		errs := make([]fieldErr, 0, len(ferrs))
		for _, f := range ferrs {
			errs = append(errs, fieldErr{field: f.Field, code: f.Code, msg: f.Message})
		}
		writeProblem(c, invalid(errs...))
		return
	}
	saved, err := a.store.SavePolicy(c.Request.Context(), p, actor.ID)
	if err != nil {
		a.fail(c, fmt.Errorf("save policy: %w", err))
		return
	}
	a.log.Info("policy saved", "version", saved.Version, "actor", actor.ID)
	// The version is stored; should its audit entry fail, the admin sees 500
	// (see audit for the gap this leaves).
	if err := a.audit(c, auditPolicyCreated, fmt.Sprintf("policy/%d", saved.Version), gin.H{"version": saved.Version}); err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/policies/current")
	writeJSON(c, http.StatusCreated, saved)
}
