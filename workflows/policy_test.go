package workflows_test

import (
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/workflows"
)

// newerPolicy is testPolicy with complaints/normal at 2 days and the entity
// head's rung at 2 days, as version 8.
func newerPolicy() sla.Policy {
	p := testPolicy()
	p.Version = 8
	for i := range p.Responses {
		if p.Responses[i].Kind == domain.KindComplaint && p.Responses[i].Priority == domain.PriorityNormal {
			p.Responses[i].Allowance = sla.MustParseAllowance("2d")
		}
	}
	p.Ladder[1].Allowance = sla.MustParseAllowance("2d")
	return p
}

func (h *harness) applyPolicy(when time.Time, p sla.Policy) {
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.SignalApplyPolicy, workflows.ApplyPolicyRequest{
			Policy: p, By: workflows.Actor{ID: "admin", Role: domain.RoleAdmin}})
	}, when.Sub(h.t0))
}

// A newer policy reaches a ticket still waiting for its first answer: the
// deadline is recomputed from filing under the new allowance.
func TestApplyPolicyBeforeTheBreach(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.applyPolicy(at(11, 22, 12, 0), newerPolicy())
	h.update(at(11, 25, 9, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) == 0 {
		t.Fatal("no escalation")
	}
	// Filed Sunday 10:00 + 2 working days: Tuesday 10:00 (not Monday, as under v7).
	sameInstant(t, "first escalation", esc[0].At, at(11, 24, 10, 0))
	if st.PolicyVersion != 8 || len(h.rec.eventsOf(workflows.EventPolicy)) != 1 {
		t.Fatalf("policy not recorded: v%d, events %+v", st.PolicyVersion, h.rec.eventsOf(workflows.EventPolicy))
	}
}

// A ticket already at level 2 keeps its rung but gets the rung's new allowance,
// counted from when the rung began; an older version sent later is ignored.
func TestApplyPolicyAtLevelTwo(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	// Level 2 (entity head) starts Tue 24th 10:00, due Wed 10:00 under v7.
	h.applyPolicy(at(11, 24, 12, 0), newerPolicy())
	old := testPolicy()
	old.Version = 7
	h.applyPolicy(at(11, 24, 13, 0), old)
	h.update(at(11, 26, 12, 0), workflows.UpdateRespond, respond("KSU", "done"))
	h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) != 3 {
		t.Fatalf("want levels 1-3, got %+v", esc)
	}
	// Under v8 level 2 has 2 days from Tue 10:00: level 3 starts Thu 26th 10:00, not Wed.
	sameInstant(t, "level 3 start", esc[2].At, at(11, 26, 10, 0))
	if n := len(h.rec.eventsOf(workflows.EventPolicy)); n != 1 {
		t.Fatalf("want one policy switch (the older version ignored), got %d", n)
	}
	// Level 2's holder was told once: the restarted rung reuses the key.
	keys := map[string]bool{}
	for _, n := range h.rec.notes {
		if n.Template == "escalation_assigned" && n.Params["level"] == "2" {
			keys[n.Key] = true
		}
	}
	if len(keys) != 1 {
		t.Fatalf("level 2 assignment keys: %v", keys)
	}
}

// An answered ticket gets the new objection window, counted from the answer.
func TestApplyPolicyMovesTheObjectionWindow(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	p := newerPolicy()
	p.ObjectionWindow = sla.MustParseAllowance("2d")
	h.applyPolicy(at(11, 23, 9, 0), p)
	st := h.run()
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 || st.Status != domain.StatusClosed {
		t.Fatalf("closed: %+v", closed)
	}
	sameInstant(t, "closed at the new window's end", closed[0].At, at(11, 24, 12, 0))
}
