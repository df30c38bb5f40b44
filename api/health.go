package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up; it touches nothing else, so an orchestrator
// does not restart the API because a dependency is slow.
func (a *API) healthz(c *gin.Context) error {
	return writeJSON(c, http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether the API can serve: the read model answers and the extra
// check (e.g. Temporal reachable) passes.
func (a *API) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("not ready: store", "error", err)
		return problem(http.StatusServiceUnavailable, codeNotReady)
	}
	if a.ready != nil {
		if err := a.ready(ctx); err != nil {
			a.log.Warn("not ready", "error", err)
			return problem(http.StatusServiceUnavailable, codeNotReady)
		}
	}
	return writeJSON(c, http.StatusOK, gin.H{"status": "ready"})
}
