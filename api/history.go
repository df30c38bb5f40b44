package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/tickets"
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
func (a *API) history(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err != nil {
		return err
	}
	if err := a.tickets.Authorize(c.Request.Context(), tickets.SubjectOf(actor), authz.ReadHistory, t); err != nil {
		return err
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
		return invalid(errs...)
	}
	page, err := a.tickets.History(c.Request.Context(), t.Number, q.Get("workflow_id"), size, token)
	if err != nil {
		return err
	}
	out := historyJSON{Workflows: page.Workflows, WorkflowID: page.WorkflowID, Events: []json.RawMessage{}}
	for _, ev := range page.Events {
		b, err := protojson.Marshal(ev)
		if err == nil && redact {
			b, err = redactPayloads(b)
		}
		if err != nil {
			return fmt.Errorf("encode history event: %w", err)
		}
		out.Events = append(out.Events, b)
	}
	if len(page.NextPageToken) > 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(page.NextPageToken)
	}
	// An auditor's read is recorded before anything is shown: no record, no history.
	if actor.Role == domain.RoleAuditor {
		detail := gin.H{"workflow_id": page.WorkflowID, "events": len(out.Events)}
		if len(token) > 0 {
			detail["page_token"] = q.Get("page_token")
		}
		if err := a.audit(c, auditHistoryRead, "ticket/"+t.Number, detail); err != nil {
			return err
		}
	}
	return writeJSON(c, http.StatusOK, out)
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
					x["data"] = redacted
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
