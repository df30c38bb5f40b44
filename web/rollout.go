package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/web/views"
)

// rollout starts applying a version to every open ticket: the same core
// call as POST /api/v1/policies/{v}/rollout (policies.Service.Rollout, its
// audit entries first). Back to the version's page, whose panel follows it.
func (w *Web) rollout(c *gin.Context) error {
	p, err := w.versionParam(c)
	if err != nil {
		return err
	}
	if _, err := w.policies.Rollout(c.Request.Context(), actingActor(c), p, 0); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/policies/"+strconv.Itoa(p.Version)+"?done=rollout")
	return nil
}

// rolloutPanel is the roll-out's panel alone, for its own poll: while the
// roll-out runs it carries the poll on; done, it stops.
func (w *Web) rolloutPanel(c *gin.Context) error {
	p, err := w.versionParam(c)
	if err != nil {
		return err
	}
	r := w.rolloutState(c.Request.Context(), langOf(c), p.Version)
	return render(c, http.StatusOK, views.RolloutPanel(w.page(c, "policy.version", "policy"), r, isAdmin(c)))
}
