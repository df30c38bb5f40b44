package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/sla"
)

func (a *API) currentPolicy(c *gin.Context) error {
	p, err := a.policies.Current(c.Request.Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, viewPolicy(p))
}

// getPolicy answers one stored version, whole.
func (a *API) getPolicy(c *gin.Context) error {
	p, err := a.policyVersion(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, viewPolicy(p))
}

// policySummaryJSON is one version in the list: who made it, when and why.
type policySummaryJSON struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	Reason    string    `json:"reason"`
}

// listPolicies lists the stored versions, newest first, a page at a time.
func (a *API) listPolicies(c *gin.Context) error {
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "cursor", "limit"); len(errs) > 0 {
		return invalid(errs...)
	}
	limit, errs := limitParam(q)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	before := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return problem(http.StatusBadRequest, codeBadCursor)
		}
		before = n
	}
	page, err := a.store.ListPolicies(c.Request.Context(), before, limit)
	if err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	items := make([]policySummaryJSON, 0, len(page.Versions))
	for _, v := range page.Versions {
		items = append(items, policySummaryJSON{Version: v.Version, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Reason: v.Reason})
	}
	next := ""
	if page.Next > 0 {
		next = strconv.Itoa(page.Next)
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// diffPolicies lists what changes from version ?from= to version ?to=.
func (a *API) diffPolicies(c *gin.Context) error {
	q := c.Request.URL.Query()
	errs := onlyParams(q, "from", "to")
	var versions [2]int
	for i, name := range []string{"from", "to"} {
		v := q.Get(name)
		if v == "" {
			errs = append(errs, fieldErr{field: name, code: fieldRequired})
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fieldErr{field: name, code: fieldInvalidValue})
		}
		versions[i] = n
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	from, err := a.policies.Version(c.Request.Context(), versions[0])
	if err != nil {
		return err
	}
	to, err := a.policies.Version(c.Request.Context(), versions[1])
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, gin.H{"from": from.Version, "to": to.Version, "changes": viewChanges(sla.Diff(from, to))})
}

// savePolicy stores a new policy version, with the reason for it
// (policies.Service.Save: its rules, its audit entry).
func (a *API) savePolicy(c *gin.Context) error {
	actor, _ := staffActor(c)
	var in policyJSON
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	saved, err := a.policies.Save(c.Request.Context(), actor, in.policy())
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/policies/%d", saved.Version))
	return writeJSON(c, http.StatusCreated, viewPolicy(saved))
}

// rolloutIn is the optional body of a roll-out request.
type rolloutIn struct {
	// PerSecond bounds how many open tickets get the new version each second.
	PerSecond int `json:"per_second"`
}

// policyVersion reads the :version path parameter and loads that version.
func (a *API) policyVersion(c *gin.Context) (sla.Policy, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil {
		return sla.Policy{}, problem(http.StatusNotFound, codeNotFound)
	}
	return a.policies.Version(c.Request.Context(), v)
}

// startRollout applies a stored policy version to every open ticket
// (policies.Service.Rollout: recorded in the audit log before it starts).
func (a *API) startRollout(c *gin.Context) error {
	actor, _ := staffActor(c)
	p, err := a.policyVersion(c)
	if err != nil {
		return err
	}
	var in rolloutIn
	if err := decodeJSON(c, &in, true); err != nil {
		return err
	}
	id, err := a.policies.Rollout(c.Request.Context(), actor, p, in.PerSecond)
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/policies/%d/rollout", p.Version))
	return writeJSON(c, http.StatusAccepted, gin.H{"version": p.Version, "workflow_id": id})
}

// rolloutProgress reports how far a version's roll-out has come.
func (a *API) rolloutProgress(c *gin.Context) error {
	p, err := a.policyVersion(c)
	if err != nil {
		return err
	}
	progress, err := a.tickets.RolloutProgress(c.Request.Context(), p.Version)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, progress)
}
