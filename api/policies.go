package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// The bounds of a version's reason, in characters after normalization.
const (
	minReasonLen = 3
	maxReasonLen = 500
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
	writeJSON(c, http.StatusOK, viewPolicy(p))
}

// getPolicy answers one stored version, whole.
func (a *API) getPolicy(c *gin.Context) {
	p, ok := a.policyVersion(c)
	if !ok {
		return
	}
	writeJSON(c, http.StatusOK, viewPolicy(p))
}

// policySummaryJSON is one version in the list: who made it, when and why.
type policySummaryJSON struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	Reason    string    `json:"reason"`
}

// listPolicies lists the stored versions, newest first, a page at a time.
func (a *API) listPolicies(c *gin.Context) {
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "cursor", "limit"); len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	limit, errs := limitParam(q)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	before := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeProblem(c, problem(http.StatusBadRequest, codeBadCursor))
			return
		}
		before = n
	}
	page, err := a.store.ListPolicies(c.Request.Context(), before, limit)
	if err != nil {
		a.fail(c, fmt.Errorf("list policies: %w", err))
		return
	}
	items := make([]policySummaryJSON, 0, len(page.Versions))
	for _, v := range page.Versions {
		items = append(items, policySummaryJSON{Version: v.Version, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Reason: v.Reason})
	}
	next := ""
	if page.Next > 0 {
		next = strconv.Itoa(page.Next)
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// diffPolicies lists what changes from version ?from= to version ?to=.
func (a *API) diffPolicies(c *gin.Context) {
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
		writeProblem(c, invalid(errs...))
		return
	}
	from, ok := a.loadPolicy(c, versions[0])
	if !ok {
		return
	}
	to, ok := a.loadPolicy(c, versions[1])
	if !ok {
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"from": from.Version, "to": to.Version, "changes": viewChanges(sla.Diff(from, to))})
}

// savePolicy stores a new policy version, with the reason for it. It applies
// to tickets filed from now on; open tickets keep the version they were filed
// under until it is rolled out to them.
func (a *API) savePolicy(c *gin.Context) {
	actor, _ := staffActor(c)
	var in policyJSON
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	p := in.policy()
	// The store numbers and stamps versions; what the client sent is ignored.
	p.Version, p.CreatedAt, p.CreatedBy = 0, time.Time{}, actor.ID
	p.Reason = normalize.Text(p.Reason)
	errs := checkReason(p.Reason)
	errs = append(errs, policyErrors(p, "")...)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	var saved sla.Policy
	// The store names the entry "policy/<version>" once it has numbered it.
	err := a.audited(c, actor, auditPolicyCreated, "policy", gin.H{"reason": p.Reason}, func(ctx context.Context) error {
		var err error
		saved, err = a.store.SavePolicy(ctx, p, actor.ID)
		return err
	})
	if err != nil {
		a.fail(c, fmt.Errorf("save policy: %w", err))
		return
	}
	a.log.Info("policy saved", "version", saved.Version, "actor", actor.ID)
	c.Header("Location", fmt.Sprintf("/api/v1/policies/%d", saved.Version))
	writeJSON(c, http.StatusCreated, viewPolicy(saved))
}

// checkReason wants 3 to 500 characters once normalized (so invisible marks
// and surrounding spaces do not count).
func checkReason(reason string) []fieldErr {
	n := utf8.RuneCountInString(reason)
	switch {
	case n == 0:
		return []fieldErr{{field: "reason", code: fieldRequired, text: &textReasonLength}}
	case n < minReasonLen:
		return []fieldErr{{field: "reason", code: fieldTooShort, text: &textReasonLength}}
	case n > maxReasonLen:
		return []fieldErr{{field: "reason", code: fieldTooLong, text: &textReasonLength}}
	}
	return nil
}

// policyErrors is sla.Policy.Validate as field errors, their paths under prefix.
func policyErrors(p sla.Policy, prefix string) []fieldErr {
	var errs []fieldErr
	for _, f := range p.Validate() {
		errs = append(errs, fieldErr{field: prefix + f.Field, code: f.Code, msg: f.Message})
	}
	return errs
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
	return a.loadPolicy(c, v)
}

// loadPolicy loads version v, answering 404 when there is none.
func (a *API) loadPolicy(c *gin.Context, v int) (sla.Policy, bool) {
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
	}, workflows.PolicyRolloutWorkflowName, workflows.RolloutInput{Policy: p, By: actor, PerSecond: in.PerSecond})
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
	id := workflows.PolicyRolloutWorkflowID(p.Version)
	v, err := a.temporal.QueryWorkflow(qctx, id, "", workflows.QueryRolloutProgress)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return
	}
	var progress workflows.RolloutProgress
	if err != nil {
		// A finished roll-out answers a query only after a worker has
		// replayed it, which a busy worker may not do in time; its result
		// is the same progress and needs no worker. The query may have used
		// up qctx: the result gets its own time.
		rctx, rcancel := context.WithTimeout(c.Request.Context(), a.updateTO)
		defer rcancel()
		var ok bool
		var rerr error
		if progress, ok, rerr = a.closedRolloutProgress(rctx, id); rerr != nil || !ok {
			a.log.Warn("roll-out progress unavailable", "version", p.Version, "error", err, "result_error", rerr)
			writeProblem(c, problem(http.StatusServiceUnavailable, codeTemporalUnavailable))
			return
		}
	} else if err := v.Get(&progress); err != nil {
		a.fail(c, fmt.Errorf("decode roll-out progress: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, progress)
}

// closedRolloutProgress reads a completed roll-out's result from the close
// event of its latest run; ok is false while the roll-out still runs (or
// ended without a result).
func (a *API) closedRolloutProgress(ctx context.Context, id string) (workflows.RolloutProgress, bool, error) {
	var progress workflows.RolloutProgress
	resp, err := a.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:              a.namespace,
		Execution:              &commonpb.WorkflowExecution{WorkflowId: id},
		HistoryEventFilterType: enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
	})
	if err != nil {
		return progress, false, fmt.Errorf("reading the roll-out's close event: %w", err)
	}
	for _, e := range resp.GetHistory().GetEvents() {
		attrs := e.GetWorkflowExecutionCompletedEventAttributes()
		if attrs == nil {
			continue
		}
		if err := converter.GetDefaultDataConverter().FromPayloads(attrs.GetResult(), &progress); err != nil {
			return progress, false, fmt.Errorf("decoding the roll-out's result: %w", err)
		}
		return progress, true, nil
	}
	return progress, false, nil
}
