package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
)

// coordinatorLoads lists an entity's active coordinators with their pending
// work, for the manager choosing whom to assign.
func (a *API) coordinatorLoads(c *gin.Context) error {
	actor, _ := staffActor(c)
	entity := strings.TrimSpace(c.Query("entity"))
	for k := range c.Request.URL.Query() {
		if k != "entity" {
			return invalid(fieldErr{field: k, code: fieldUnknown})
		}
	}
	if entity == "" {
		return invalid(fieldErr{field: "entity", code: fieldRequired})
	}
	switch actor.Role {
	case domain.RoleAdmin, domain.RoleSupervisor:
	case domain.RoleCareCenterManager:
		if actor.Entity != entity {
			return problem(http.StatusForbidden, codeForbidden)
		}
	default:
		return problem(http.StatusForbidden, codeForbidden)
	}
	loads, err := a.store.CoordinatorLoads(c.Request.Context(), entity)
	if err != nil {
		return err
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
	return writeJSON(c, http.StatusOK, gin.H{"entity": entity, "items": items})
}
