package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/workflows"

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

// rolloutIn is the optional body of a roll-out request.
type rolloutIn struct {
	// PerSecond bounds how many open tickets get the new version each second.
	PerSecond int `json:"per_second"`
}

// policyVersion reads the :version path parameter and loads that version.
func (a *API) policyVersion(c *gin.Context) (sla.Policy, bool) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v < 1 {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return sla.Policy{}, false
	}
	p, err := a.store.GetPolicy(c.Request.Context(), v)
	if errors.Is(err, store.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return sla.Policy{}, false
	} else if err != nil {
		a.fail(c, fmt.Errorf("load policy v%d: %w", v, err))
		return sla.Policy{}, false
	}
	return p, true
}

// startRollout applies a stored policy version to every open ticket — an
// explicit administrator's choice: without it open tickets keep the version
// they were filed under. The roll-out is a workflow (rate-limited, resumable
// after any crash); starting it again while it runs finds the running one.
func (a *API) startRollout(c *gin.Context) {
	actor, _ := staffActor(c)
	p, ok := a.policyVersion(c)
	if !ok {
		return
	}
	var in rolloutIn
	if err := decodeJSON(c, &in, true); err != nil {
		writeProblem(c, err)
		return
	}
	if in.PerSecond < 0 || in.PerSecond > 500 {
		writeProblem(c, invalid(fieldErr{field: "per_second", code: fieldOutOfRange}))
		return
	}
	id := workflows.PolicyRolloutWorkflowID(p.Version)
	sctx, cancel := context.WithTimeout(c.Request.Context(), a.updateTO)
	defer cancel()
	_, err := a.temporal.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, "PolicyRolloutWorkflow", workflows.RolloutInput{Policy: p, By: actor, PerSecond: in.PerSecond})
	if err != nil {
		a.log.Warn("policy roll-out not started", "version", p.Version, "error", err)
		writeProblem(c, problem(http.StatusServiceUnavailable, codeTemporalUnavailable))
		return
	}
	if err := a.audit(c, auditPolicyApplied, fmt.Sprintf("policy/%d", p.Version), gin.H{"version": p.Version, "workflow_id": id}); err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/policies/%d/rollout", p.Version))
	writeJSON(c, http.StatusAccepted, gin.H{"version": p.Version, "workflow_id": id})
}

// rolloutProgress reports how far a version's roll-out has come.
func (a *API) rolloutProgress(c *gin.Context) {
	p, ok := a.policyVersion(c)
	if !ok {
		return
	}
	qctx, cancel := context.WithTimeout(c.Request.Context(), a.updateTO)
	defer cancel()
	v, err := a.temporal.QueryWorkflow(qctx, workflows.PolicyRolloutWorkflowID(p.Version), "", workflows.QueryRolloutProgress)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return
	} else if err != nil {
		a.log.Warn("roll-out progress unavailable", "version", p.Version, "error", err)
		writeProblem(c, problem(http.StatusServiceUnavailable, codeTemporalUnavailable))
		return
	}
	var progress workflows.RolloutProgress
	if err := v.Get(&progress); err != nil {
		a.fail(c, fmt.Errorf("decode roll-out progress: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, progress)
}
