package tickets

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// HistoryPage is one page of the raw Temporal event history of a ticket's
// workflow or one of its escalation children: the record of what the system
// decided and when, independent of the read model.
type HistoryPage struct {
	// Workflows are the ticket's workflow and the escalation children it
	// started (the current run's).
	Workflows  []string
	WorkflowID string
	Events     []*historypb.HistoryEvent
	// NextPageToken is empty on the last page.
	NextPageToken []byte
	// Redacted: the reader may not read the payloads (RedactsHistory);
	// front ends show Redacted for every payload's data (EventJSON).
	Redacted bool
}

// Redacted replaces what auditors may not read, in a history and in a
// decoded payload alike.
const Redacted = "[redacted]"

// RedactsHistory reports whether role reads workflow histories with every
// payload's data replaced: auditors inspect what happened, not who the
// beneficiary is, and payloads (inputs, results, notification recipients)
// carry personal data.
func RedactsHistory(role domain.Role) bool { return role == domain.RoleAuditor }

// ReadHistory is History as actor may read it: the ticket must be visible
// to them and its history theirs to read (authz.ReadHistory); the page is
// marked Redacted by RedactsHistory; and an auditor's read is recorded in the
// audit log (history.read) before anything is returned — no record, no
// history. pageToken is the token as the reader sent it, for the record.
func (s *Service) ReadHistory(ctx context.Context, actor workflows.Actor, number, workflowID string, size int, token []byte) (HistoryPage, error) {
	t, err := s.Visible(ctx, actor, number)
	if err != nil {
		return HistoryPage{}, err
	}
	if err := s.Authorize(ctx, SubjectOf(actor), authz.ReadHistory, t); err != nil {
		return HistoryPage{}, err
	}
	page, err := s.History(ctx, t.Number, workflowID, size, token)
	if err != nil {
		return HistoryPage{}, err
	}
	page.Redacted = RedactsHistory(actor.Role)
	if actor.Role == domain.RoleAuditor {
		detail := map[string]any{"workflow_id": page.WorkflowID, "events": len(page.Events)}
		if len(token) > 0 {
			detail["page_token"] = base64.RawURLEncoding.EncodeToString(token)
		}
		b, err := json.Marshal(detail)
		if err != nil {
			return HistoryPage{}, fmt.Errorf("audit %s: encode detail: %w", auditlog.HistoryRead, err)
		}
		if _, err := s.store.AppendAudit(ctx, store.AuditEntry{
			At: s.now(), ActorID: actor.ID, ActorRole: string(actor.Role), Action: auditlog.HistoryRead,
			Subject: "ticket/" + t.Number, Detail: string(b),
		}); err != nil {
			return HistoryPage{}, fmt.Errorf("audit %s: %w", auditlog.HistoryRead, err)
		}
	}
	return page, nil
}

// EventJSON is one event of page as JSON (protojson), every payload's data
// replaced by Redacted when the page is Redacted; the event's shape and the
// payloads' metadata stay.
func (p HistoryPage) EventJSON(ev *historypb.HistoryEvent) ([]byte, error) {
	b, err := protojson.Marshal(ev)
	if err == nil && p.Redacted {
		b, err = redactPayloads(b)
	}
	if err != nil {
		return nil, fmt.Errorf("encode history event %d: %w", ev.GetEventId(), err)
	}
	return b, nil
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
					x["data"] = Redacted
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

// History reads one page of size events of workflowID ("" for the ticket's
// own), which must be the ticket's workflow or one of its children.
func (s *Service) History(ctx context.Context, number, workflowID string, size int, token []byte) (HistoryPage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	parent := workflows.TicketWorkflowID(number)
	ids, err := s.workflowFamily(ctx, parent)
	if err != nil {
		return HistoryPage{}, s.historyError(number, err)
	}
	if workflowID == "" {
		workflowID = parent
	}
	if !slices.Contains(ids, workflowID) {
		return HistoryPage{}, refusal.Fields(refusal.Field{Name: "workflow_id", Code: refusal.FieldNotInList})
	}
	resp, err := s.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:       s.namespace,
		Execution:       &commonpb.WorkflowExecution{WorkflowId: workflowID},
		MaximumPageSize: int32(size),
		NextPageToken:   token,
	})
	if err != nil {
		var bad *serviceerror.InvalidArgument
		if errors.As(err, &bad) && len(token) > 0 {
			return HistoryPage{}, refusal.Fields(refusal.Field{Name: "page_token", Code: refusal.FieldInvalidValue})
		}
		return HistoryPage{}, s.historyError(number, err)
	}
	events := resp.GetHistory().GetEvents()
	if err := s.openPayloads(ctx, number, events); err != nil {
		return HistoryPage{}, err
	}
	return HistoryPage{
		Workflows: ids, WorkflowID: workflowID,
		Events: events, NextPageToken: resp.GetNextPageToken(),
	}, nil
}

// openPayloads opens the sealed payloads of events in place (the front
// ends redact for those who may not read them). One that does not open, a
// signal forged at the frontend say, stays as Temporal holds it and is
// reported.
func (s *Service) openPayloads(ctx context.Context, number string, events []*historypb.HistoryEvent) error {
	if s.codec == nil {
		return nil
	}
	msgs := make([]proto.Message, len(events))
	for i, ev := range events {
		msgs[i] = ev
	}
	failed, err := s.codec.Open(ctx, msgs...)
	if err != nil {
		return fmt.Errorf("ticket %s's history: %w", number, err)
	}
	if failed > 0 {
		s.log.Warn("workflow history holds payloads Tawasul did not seal (forged at the Temporal frontend, or under a key no longer configured)",
			"number", number, "payloads", failed)
	}
	return nil
}

// workflowFamily lists the ticket's workflow and the escalation children it
// started, found in its history (the current run's; continue-as-new starts a
// fresh history).
func (s *Service) workflowFamily(ctx context.Context, parent string) ([]string, error) {
	ids := []string{parent}
	var token []byte
	for {
		resp, err := s.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
			Namespace:              s.namespace,
			Execution:              &commonpb.WorkflowExecution{WorkflowId: parent},
			MaximumPageSize:        1000,
			NextPageToken:          token,
			HistoryEventFilterType: enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT,
		})
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", parent, err)
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

func (s *Service) historyError(number string, err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	s.log.Warn("workflow history unavailable", "number", number, "error", err)
	return refusal.Because(refusal.Busy, refusal.CodeTemporalUnavailable, err)
}
