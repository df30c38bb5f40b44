package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

type historyJSON struct {
	Workflows     []string          `json:"workflows"`
	WorkflowID    string            `json:"workflow_id"`
	Events        []json.RawMessage `json:"events"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

// history shows auditors the raw Temporal event history of a ticket's
// workflow or one of its escalation children: the record of what the system
// decided and when, independent of the read model (tickets.ReadHistory:
// who may read it, what is redacted, the auditor's read recorded).
func (a *API) history(c *gin.Context) error {
	actor, _ := staffActor(c)
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
	page, err := a.tickets.ReadHistory(c.Request.Context(), actor, c.Param("number"), q.Get("workflow_id"), size, token)
	if err != nil {
		return err
	}
	out := historyJSON{Workflows: page.Workflows, WorkflowID: page.WorkflowID, Events: []json.RawMessage{}}
	for _, ev := range page.Events {
		b, err := page.EventJSON(ev)
		if err != nil {
			return err
		}
		out.Events = append(out.Events, b)
	}
	if len(page.NextPageToken) > 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(page.NextPageToken)
	}
	return writeJSON(c, http.StatusOK, out)
}
