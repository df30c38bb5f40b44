package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// start starts the ticket's workflow (an already started one counts as
// success) and records the start. policy is the snapshot the ticket was filed
// under; nil loads it by the row's version.
func (s *Service) start(ctx context.Context, t store.Ticket, policy *sla.Policy, filedBy workflows.Actor) error {
	if policy == nil {
		p, err := s.store.GetPolicy(ctx, t.PolicyVersion)
		if err != nil {
			return fmt.Errorf("load policy v%d: %w", t.PolicyVersion, err)
		}
		policy = &p
	}
	in := workflows.TicketInput{
		Number:   t.Number,
		Kind:     t.Kind,
		Channel:  t.Channel,
		Priority: t.Priority,
		Subject:  t.Subject,
		Entity:   t.Entity,
		Beneficiary: workflows.Beneficiary{
			Name: t.BeneficiaryName, NationalID: t.BeneficiaryNationalID, Mobile: t.BeneficiaryMobile,
			Email: t.BeneficiaryEmail, Type: t.BeneficiaryType, Gender: t.BeneficiaryGender,
			Nationality: t.BeneficiaryNationality, Language: inputLanguage(t.BeneficiaryLanguage),
		},
		FiledBy: filedBy,
		FiledAt: t.CreatedAt.UTC(),
		Policy:  *policy,
		// Read from the row, so a proof that came before the start counts.
		MobileUnproven: t.MobileProvenAt == nil,
	}
	// Finish the start even if the client hangs up: it is cheaper than leaving
	// the row for the pending-start loop.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	_, err := s.temporal.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                       workflows.TicketWorkflowID(t.Number),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.TicketWorkflowName, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return fmt.Errorf("start workflow %s: %w", workflows.TicketWorkflowID(t.Number), err)
	}
	if err := s.store.MarkWorkflowStarted(sctx, t.Number); err != nil {
		// The workflow runs; the pending-start loop will find it started and mark it.
		s.log.Warn("workflow started but not marked", "number", t.Number, "error", err)
	}
	return nil
}

// StartPending starts workflows for filed tickets whose start was never
// confirmed (older than 10s, so a filing still in flight is left alone). It
// stops at the first start that fails because Temporal is down, and returns
// how many it started.
func (s *Service) StartPending(ctx context.Context) (int, error) {
	ts, err := s.store.UnstartedTickets(ctx, s.now().Add(-10*time.Second), 100)
	if err != nil {
		return 0, fmt.Errorf("list unstarted tickets: %w", err)
	}
	n := 0
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := s.start(ctx, t, nil, filerOf(t)); err != nil {
			var unavailable *serviceerror.Unavailable
			if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) {
				return n, fmt.Errorf("ticket %s: %w", t.Number, err) // Temporal is down: try later
			}
			// One ticket that cannot start must not hold up the ones behind it.
			s.log.Error("ticket cannot be started; skipped", "number", t.Number, "error", err)
			continue
		}
		n++
	}
	return n, nil
}

// inputLanguage is the workflow input's form of a beneficiary's language:
// Arabic, the default, is left out (workflows.Beneficiary.Language).
func inputLanguage(lang string) string {
	if lang == notify.English {
		return notify.English
	}
	return ""
}

// filerOf rebuilds who filed a ticket from its row (the entity is not kept).
func filerOf(t store.Ticket) workflows.Actor {
	if t.FiledByRole == "" || t.FiledByRole == domain.RoleBeneficiary {
		return BeneficiaryActor
	}
	return workflows.Actor{ID: t.FiledByID, Name: t.FiledByID, Role: t.FiledByRole}
}
