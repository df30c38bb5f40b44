package tickets

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/workflows"
)

// StartRollout applies policy p to every open ticket filed under an older
// version, at most perSecond a second (0: the workflow's default). The
// roll-out is a workflow (rate-limited, resumable after any crash); starting
// it again while it runs finds the running one. It answers the roll-out's
// workflow id.
func (s *Service) StartRollout(ctx context.Context, p sla.Policy, by workflows.Actor, perSecond int) (string, error) {
	id := workflows.PolicyRolloutWorkflowID(p.Version)
	sctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.temporal.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.PolicyRolloutWorkflowName, workflows.RolloutInput{Policy: p, By: by, PerSecond: perSecond})
	if err != nil {
		s.log.Warn("policy roll-out not started", "version", p.Version, "error", err)
		return "", refusal.Because(refusal.Busy, refusal.CodeTemporalUnavailable, err)
	}
	return id, nil
}

// RolloutProgress reports how far version's roll-out has come; NotFound if
// it was never started.
func (s *Service) RolloutProgress(ctx context.Context, version int) (workflows.RolloutProgress, error) {
	var progress workflows.RolloutProgress
	qctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	id := workflows.PolicyRolloutWorkflowID(version)
	v, err := s.temporal.QueryWorkflow(qctx, id, "", workflows.QueryRolloutProgress)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return progress, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	if err != nil {
		// A finished roll-out answers a query only after a worker has
		// replayed it, which a busy worker may not do in time; its result
		// is the same progress and needs no worker. The query may have used
		// up qctx: the result gets its own time.
		rctx, rcancel := context.WithTimeout(ctx, s.timeout)
		defer rcancel()
		progress, ok, rerr := s.closedRolloutProgress(rctx, id)
		if rerr != nil || !ok {
			s.log.Warn("roll-out progress unavailable", "version", version, "error", err, "result_error", rerr)
			return progress, refusal.Because(refusal.Busy, refusal.CodeTemporalUnavailable, err)
		}
		return progress, nil
	}
	if err := v.Get(&progress); err != nil {
		return progress, fmt.Errorf("decode roll-out progress: %w", err)
	}
	return progress, nil
}

// closedRolloutProgress reads a completed roll-out's result from the close
// event of its latest run; ok is false while the roll-out still runs (or
// ended without a result).
func (s *Service) closedRolloutProgress(ctx context.Context, id string) (workflows.RolloutProgress, bool, error) {
	var progress workflows.RolloutProgress
	resp, err := s.temporal.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:              s.namespace,
		Execution:              &commonpb.WorkflowExecution{WorkflowId: id},
		HistoryEventFilterType: enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
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
