package tickets

import (
	"context"
	"fmt"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Who may see and do what to a ticket: the authorization policy (authz)
// asked about the read model's row, and its answer turned into the refusal
// every front end maps once.

// SubjectOf is who a staff actor is to the authorization policy.
func SubjectOf(actor workflows.Actor) authz.Subject {
	return authz.Subject{ID: actor.ID, Role: actor.Role, Entity: actor.Entity}
}

// PolicyTicket is what the authorization policy looks at in a ticket.
func PolicyTicket(t store.Ticket) authz.Ticket {
	return authz.Ticket{
		Entity: t.Entity, ResponsibleEntity: t.ResponsibleEntity, EscalationLevel: t.EscalationLevel,
		EscalationRole: t.EscalationRole, FiledByID: t.FiledByID, BeneficiaryMobile: t.BeneficiaryMobile,
		MobileProven: t.MobileProvenAt != nil, AssignedTo: t.AssignedTo, FollowUpEntity: t.FollowUpEntity, Round: t.Round,
	}
}

// Decide asks the authorization policy whether s may do act to t, with the
// hierarchy the front ends share.
func (s *Service) Decide(ctx context.Context, sub authz.Subject, act authz.Action, t store.Ticket) (authz.Decision, error) {
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return authz.Hidden, fmt.Errorf("decide %s on %s: %w", act, t.Number, err)
	}
	return authz.Decide(sub, act, PolicyTicket(t), tree), nil
}

// Authorize is Decide as a refusal, for any subject, a beneficiary's
// included: what the subject may not even see is NotFound (exactly like a
// missing ticket, so scope does not reveal what exists), what it may see but
// not do is Forbidden (not_responsible when the policy says why). Only
// Allowed passes, so a decision added to authz refuses until it is mapped
// here.
func (s *Service) Authorize(ctx context.Context, sub authz.Subject, act authz.Action, t store.Ticket) error {
	d, err := s.Decide(ctx, sub, act, t)
	switch {
	case err != nil:
		return err
	case d == authz.Allowed:
		return nil
	case d == authz.Hidden:
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	case d == authz.NotResponsible:
		return refusal.New(refusal.Forbidden, workflows.ErrNotResponsible)
	}
	return refusal.New(refusal.Forbidden, refusal.CodeForbidden)
}

// Visible is the ticket numbered number if the staff actor may see it; one
// out of their scope is the very NotFound of a missing one.
func (s *Service) Visible(ctx context.Context, actor workflows.Actor, number string) (store.Ticket, error) {
	t, err := s.Get(ctx, number)
	if err != nil {
		return store.Ticket{}, err
	}
	if err := s.Authorize(ctx, SubjectOf(actor), authz.Read, t); err != nil {
		// Read is allowed to whoever sees the ticket, so any refusal here is
		// Hidden; answer NotFound whatever a future policy says.
		if r, ok := refusal.As(err); ok && r.Kind != refusal.NotFound {
			return store.Ticket{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
		}
		return store.Ticket{}, err
	}
	return t, nil
}

// Attachments are the documents of t that sub may download: a list shows
// nothing its reader would be refused.
func (s *Service) Attachments(ctx context.Context, sub authz.Subject, t store.Ticket) ([]store.Attachment, error) {
	all, err := s.store.Attachments(ctx, t.Number)
	if err != nil {
		return nil, fmt.Errorf("attachments of %s: %w", t.Number, err)
	}
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return nil, fmt.Errorf("attachments of %s: %w", t.Number, err)
	}
	out := all[:0]
	for _, at := range all {
		if authz.Decide(sub, authz.AttachmentRead(at.Purpose, at.Public), PolicyTicket(t), tree) == authz.Allowed {
			out = append(out, at)
		}
	}
	return out, nil
}
