package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// coordinatorLoads lists an entity's active coordinators with their pending
// work, for the manager choosing whom to assign; who may watch which
// entity is the core's rule (tickets.Oversee).
func (a *API) coordinatorLoads(c *gin.Context) error {
	actor, _ := staffActor(c)
	for k := range c.Request.URL.Query() {
		if k != "entity" {
			return invalid(fieldErr{field: k, code: fieldUnknown})
		}
	}
	loads, err := a.tickets.CoordinatorLoads(c.Request.Context(), actor, c.Query("entity"))
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
	return writeJSON(c, http.StatusOK, gin.H{"entity": strings.TrimSpace(c.Query("entity")), "items": items})
}
