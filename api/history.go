package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

type historyJSON struct {
	Workflows     []string          `json:"workflows"`
	WorkflowID    string            `json:"workflow_id"`
	Events        []json.RawMessage `json:"events"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

// history shows auditors the raw Temporal event history of a ticket's
// workflow or one of its escalation children: the record of what the system
// decided and when, independent of the read model.
func (a *API) history(c *gin.Context) {
	t, actor, ok := a.loadVisible(c)
	if !ok || !a.authorize(c, actor, authz.ReadHistory, t) {
		return
	}
	// Auditors inspect what happened, not who the beneficiary is: payloads
	// (inputs, results, notification recipients) carry personal data.
	redact := actor.Role == domain.RoleAuditor
	q := c.Request.URL.Query()
	var errs []fieldErr
	size := 100
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fieldErr{field: "page_size", code: fieldOutOfRange})
		}
		size = n
	}
	var token []byte
	if v := q.Get("page_token"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			errs = append(errs, fieldErr{field: "page_token", code: fieldInvalidValue})
		}
		token = b
	}
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}

	ctx, cancel := context.WithTimeout(c.Request.Context(), a.updateTO)
	defer cancel()
	parent := workflows.TicketWorkflowID(t.Number)
	ids, err := a.workflowFamily(ctx, parent)
	if err != nil {
		a.fail(c, a.historyError(t.Number, err))
		return
	}
	wid := q.Get("workflow_id")
	if wid == "" {
		wid = parent
	}
	if !slices.Contains(ids, wid) {
		writeProblem(c, invalid(fieldErr{field: "workflow_id", code: fieldNotInList}))
		return
	}
	resp, err := a.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:       a.namespace,
		Execution:       &commonpb.WorkflowExecution{WorkflowId: wid},
		MaximumPageSize: int32(size),
		NextPageToken:   token,
	})
	if err != nil {
		var bad *serviceerror.InvalidArgument
		if errors.As(err, &bad) && len(token) > 0 {
			writeProblem(c, invalid(fieldErr{field: "page_token", code: fieldInvalidValue}))
			return
		}
		a.fail(c, a.historyError(t.Number, err))
		return
	}
	out := historyJSON{Workflows: ids, WorkflowID: wid, Events: []json.RawMessage{}}
	for _, ev := range resp.GetHistory().GetEvents() {
		b, err := protojson.Marshal(ev)
		if err == nil && redact {
			b, err = redactPayloads(b)
		}
		if err != nil {
			a.fail(c, fmt.Errorf("encode history event: %w", err))
			return
		}
		out.Events = append(out.Events, b)
	}
	if next := resp.GetNextPageToken(); len(next) > 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(next)
	}
	// An auditor's read is recorded before anything is shown: no record, no history.
	if actor.Role == domain.RoleAuditor {
		detail := gin.H{"workflow_id": wid, "events": len(out.Events)}
		if len(token) > 0 {
			detail["page_token"] = q.Get("page_token")
		}
		if err := a.audit(c, auditHistoryRead, "ticket/"+t.Number, detail); err != nil {
			a.fail(c, err)
			return
		}
	}
	writeJSON(c, http.StatusOK, out)
}

// workflowFamily lists the ticket's workflow and the escalation children it
// started, found in its history (the current run's; continue-as-new starts a
// fresh history).
func (a *API) workflowFamily(ctx context.Context, parent string) ([]string, error) {
	ids := []string{parent}
	var token []byte
	for {
		resp, err := a.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
			Namespace:              a.namespace,
			Execution:              &commonpb.WorkflowExecution{WorkflowId: parent},
			MaximumPageSize:        1000,
			NextPageToken:          token,
			HistoryEventFilterType: enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT,
		})
		if err != nil {
			return nil, err
		}
		for _, ev := range resp.GetHistory().GetEvents() {
			if attrs := ev.GetChildWorkflowExecutionStartedEventAttributes(); attrs != nil {
				if id := attrs.GetWorkflowExecution().GetWorkflowId(); id != "" && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return ids, nil
		}
	}
}

func (a *API) historyError(number string, err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return problem(http.StatusNotFound, codeNotFound)
	}
	a.log.Warn("workflow history unavailable", "number", number, "error", err)
	return problem(http.StatusServiceUnavailable, codeTemporalUnavailable)
}

// redactPayloads replaces the data of every Temporal payload ({metadata, data})
// in one JSON-encoded history event, keeping the event's shape and metadata.
func redactPayloads(event []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(event, &v); err != nil {
		return nil, err
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if _, ok := x["metadata"]; ok {
				if _, ok := x["data"]; ok {
					x["data"] = "[redacted]"
				}
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(v)
	return json.Marshal(v)
}
