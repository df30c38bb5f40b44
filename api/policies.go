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

func (a *API) currentPolicy(c *gin.Context) error {
	p, err := a.store.CurrentPolicy(c.Request.Context())
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return fmt.Errorf("load policy: %w", err)
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
	from, err := a.loadPolicy(c, versions[0])
	if err != nil {
		return err
	}
	to, err := a.loadPolicy(c, versions[1])
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, gin.H{"from": from.Version, "to": to.Version, "changes": viewChanges(sla.Diff(from, to))})
}

// savePolicy stores a new policy version, with the reason for it. It applies
// to tickets filed from now on; open tickets keep the version they were filed
// under until it is rolled out to them.
func (a *API) savePolicy(c *gin.Context) error {
	actor, _ := staffActor(c)
	var in policyJSON
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	p := in.policy()
	// The store numbers and stamps versions; what the client sent is ignored.
	p.Version, p.CreatedAt, p.CreatedBy = 0, time.Time{}, actor.ID
	p.Reason = normalize.Text(p.Reason)
	// A holiday's name is free text that every ticket filed under the
	// policy carries into its workflow.
	for i := range p.Calendar.Holidays {
		p.Calendar.Holidays[i].Name = normalize.Text(p.Calendar.Holidays[i].Name)
	}
	errs := checkReason(p.Reason)
	errs = append(errs, policyErrors(p, "")...)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	var saved sla.Policy
	// The store names the entry "policy/<version>" once it has numbered it.
	err := a.audited(c, actor, auditPolicyCreated, "policy", gin.H{"reason": p.Reason}, func(ctx context.Context) error {
		var err error
		saved, err = a.store.SavePolicy(ctx, p, actor.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	a.log.Info("policy saved", "version", saved.Version, "actor", actor.ID)
	c.Header("Location", fmt.Sprintf("/api/v1/policies/%d", saved.Version))
	return writeJSON(c, http.StatusCreated, viewPolicy(saved))
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

// policyErrors is sla.Policy.Validate as field errors, their paths under
// prefix. The reader gets the code's text in their language (package texts);
// sla's own English message is for logs, never the response.
func policyErrors(p sla.Policy, prefix string) []fieldErr {
	var errs []fieldErr
	for _, f := range p.Validate() {
		errs = append(errs, fieldErr{field: prefix + f.Field, code: f.Code, args: f.Args})
	}
	return errs
}

// rolloutIn is the optional body of a roll-out request.
type rolloutIn struct {
	// PerSecond bounds how many open tickets get the new version each second.
	PerSecond int `json:"per_second"`
}

// policyVersion reads the :version path parameter and loads that version.
func (a *API) policyVersion(c *gin.Context) (sla.Policy, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v < 1 {
		return sla.Policy{}, problem(http.StatusNotFound, codeNotFound)
	}
	return a.loadPolicy(c, v)
}

// loadPolicy loads version v, answering 404 when there is none.
func (a *API) loadPolicy(c *gin.Context, v int) (sla.Policy, error) {
	p, err := a.store.GetPolicy(c.Request.Context(), v)
	if errors.Is(err, store.ErrNotFound) {
		return sla.Policy{}, problem(http.StatusNotFound, codeNotFound)
	} else if err != nil {
		return sla.Policy{}, fmt.Errorf("load policy v%d: %w", v, err)
	}
	return p, nil
}

// startRollout applies a stored policy version to every open ticket — an
// explicit administrator's choice: without it open tickets keep the version
// they were filed under. The roll-out is a workflow (rate-limited, resumable
// after any crash); starting it again while it runs finds the running one.
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
	if in.PerSecond < 0 || in.PerSecond > 500 {
		return invalid(fieldErr{field: "per_second", code: fieldOutOfRange})
	}
	// The entry comes first: a roll-out changes every open ticket's
	// deadlines, so none may start unrecorded. A start that then fails
	// leaves a second entry saying so (best effort: the first already
	// records the attempt).
	subject := fmt.Sprintf("policy/%d", p.Version)
	detail := gin.H{"version": p.Version, "workflow_id": workflows.PolicyRolloutWorkflowID(p.Version), "per_second": in.PerSecond}
	if err := a.audit(c, auditPolicyApplied, subject, detail); err != nil {
		return err
	}
	id, err := a.tickets.StartRollout(c.Request.Context(), p, actor, in.PerSecond)
	if err != nil {
		_ = a.audit(c, auditPolicyNotApplied, subject, detail) // appendAudit logs its own failure
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
