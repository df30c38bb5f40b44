package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// claim: a coordinator of the entity holding the ticket takes it.
func (a *API) claim(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.Claim)
	if !ok {
		return
	}
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		writeProblem(c, err)
		return
	}
	req := workflows.AssignRequest{Actor: actor, To: actor, Note: "claimed"}
	if state, ok := a.act(c, t, workflows.UpdateAssign, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

type assignIn struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note"`
}

// assign: the care-center manager (or an admin) hands the ticket to an
// active coordinator of the entity holding it.
func (a *API) assign(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.Assign)
	if !ok {
		return
	}
	var in assignIn
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	note := normalize.Text(in.Note)
	var errs []fieldErr
	checkText(&errs, "note", note, maxMessage, false)
	username := strings.TrimSpace(in.Assignee)
	var to store.Account
	if username == "" {
		errs = append(errs, fieldErr{field: "assignee", code: fieldRequired})
	} else {
		acc, err := a.store.ActiveCoordinator(c.Request.Context(), username, t.ResponsibleEntity)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, fieldErr{field: "assignee", code: fieldNotCoordinator})
		case err != nil:
			a.fail(c, fmt.Errorf("look up assignee: %w", err))
			return
		}
		to = acc
	}
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.AssignRequest{Actor: actor, To: accountActor(to), Note: note}
	if state, ok := a.act(c, t, workflows.UpdateAssign, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

// coordinatorLoads lists an entity's active coordinators with their pending
// work, for the manager choosing whom to assign.
func (a *API) coordinatorLoads(c *gin.Context) {
	actor, _ := staffActor(c)
	entity := strings.TrimSpace(c.Query("entity"))
	for k := range c.Request.URL.Query() {
		if k != "entity" {
			writeProblem(c, invalid(fieldErr{field: k, code: fieldUnknown}))
			return
		}
	}
	if entity == "" {
		writeProblem(c, invalid(fieldErr{field: "entity", code: fieldRequired}))
		return
	}
	switch actor.Role {
	case domain.RoleAdmin, domain.RoleSupervisor:
	case domain.RoleCareCenterManager:
		if actor.Entity != entity {
			writeProblem(c, problem(http.StatusForbidden, codeForbidden))
			return
		}
	default:
		writeProblem(c, problem(http.StatusForbidden, codeForbidden))
		return
	}
	loads, err := a.store.CoordinatorLoads(c.Request.Context(), entity)
	if err != nil {
		a.fail(c, err)
		return
	}
	type loadJSON struct {
		Username string `json:"username"`
		Name     string `json:"name"`
		Pending  int    `json:"pending"`
	}
	items := make([]loadJSON, 0, len(loads))
	for _, l := range loads {
		items = append(items, loadJSON{Username: l.Username, Name: l.Name, Pending: l.Pending})
	}
	writeJSON(c, http.StatusOK, gin.H{"entity": entity, "items": items})
}
