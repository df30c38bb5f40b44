package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// ApplyPolicyRequest carries a newer policy version to an open ticket.
type ApplyPolicyRequest struct {
	Policy sla.Policy `json:"policy"`
	By     Actor      `json:"by"`
}

// listenForPolicies applies newer policy versions sent by the roll-out. A
// signal, not an update: the roll-out is fire-and-forget over thousands of
// tickets, and an older or equal version is ignored, so a resent one is harmless.
func (t *ticket) listenForPolicies(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalApplyPolicy)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool { return !t.closing && ch.Len() > 0 && t.messagesOpen() }); err != nil {
				return
			}
			var req ApplyPolicyRequest
			if !ch.ReceiveAsync(&req) {
				continue
			}
			t.signalsInFlight++
			if err := t.applyPolicy(ctx, req); err != nil {
				workflow.GetLogger(ctx).Error("policy not applied", "version", req.Policy.Version, "error", err.Error())
			}
			t.signalsInFlight--
		}
	})
}

// applyPolicy switches the ticket to a newer policy and recomputes the
// deadline that runs now from when its countdown began (sla.Policy.Recompute,
// which a policy preview calls too).
func (t *ticket) applyPolicy(ctx workflow.Context, req ApplyPolicyRequest) error {
	p := req.Policy
	if t.st.Status.Final() || p.Version <= t.st.PolicyVersion {
		return nil
	}
	if t.st.Status == domain.StatusMeetingOffered || t.st.Status == domain.StatusMeetingBooked {
		// No SLA runs while a meeting is offered or booked; a slot turned
		// down restarts it under the policy the ticket holds.
		return nil
	}
	start := t.st.StageStart
	if start.IsZero() {
		start = t.in.FiledAt
	}
	status, ir := t.st.Status, t.st.InfoRequest
	if ir != nil {
		status = ir.Resume // paused: recompute what runs once the answer comes
	}
	r, err := p.Recompute(sla.Stage{
		Kind: t.in.Kind, Priority: t.in.Priority, Status: status, Round: t.st.Round,
		EscalationLevel: t.st.EscalationLevel, Start: start, RespondedAt: t.st.RespondedAt,
		Paused: t.st.PausedWorking,
	})
	if err != nil {
		return fmt.Errorf("recomputing under policy v%d: %w", p.Version, err)
	}
	from := t.st.PolicyVersion
	t.in.Policy = p
	t.ladder = r.Ladder
	t.st.PolicyVersion, t.st.Clock = p.Version, r.Clock
	shown := r.SLADueAt
	if r.ObjectionUntil != nil {
		t.st.ObjectionUntil = r.ObjectionUntil
		shown = *r.ObjectionUntil
	} else {
		t.st.SLADueAt = r.SLADueAt
		if ir != nil {
			// Still paused: what is left is counted to the new deadline
			// from when the question was asked.
			ir.Remaining = max(0, p.Calendar.Elapsed(ir.At, r.SLADueAt, r.Clock))
		}
	}
	if t.st.EscalationLevel > 0 {
		t.atTop = t.st.EscalationLevel >= len(r.Ladder) && t.child == nil
	}
	t.event(ctx, Event{Type: EventPolicy, Actor: req.By, Public: false,
		Message: fmt.Sprintf("policy v%d replaces v%d; deadline %s", p.Version, from, shown.UTC().Format(time.RFC3339))})
	t.changes++
	return t.flush(ctx)
}
