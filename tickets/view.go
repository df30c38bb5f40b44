package tickets

import (
	"context"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// TicketView is everything the staff page of one ticket shows, as the actor
// may see it.
type TicketView struct {
	// Ticket is the ticket, its beneficiary's details already as the actor
	// may see them (the same as Beneficiary), so nothing that renders it can
	// show more.
	Ticket store.Ticket
	// Beneficiary is who filed, masked for a role that must not see it.
	Beneficiary Beneficiary
	// Timeline is every entry in order; Public tells the ones the
	// beneficiary also sees from the internal ones (notes, assignments).
	Timeline []store.TicketEvent
	// Attachments are the documents the actor may download.
	Attachments []store.Attachment
	// At is the instant the ticket was read (whether it is overdue).
	At time.Time
}

// Beneficiary is the person a ticket is about, as a staff member sees them.
type Beneficiary struct {
	Name        string
	NationalID  string
	Mobile      string
	Email       string
	Type        domain.BeneficiaryType
	Gender      domain.Gender
	Nationality domain.Nationality
	Language    string
	// Masked: the identity is hidden (national ID and mobile shown in part,
	// no email) because the actor's role must not see it.
	Masked bool
}

// View is the staff page of the ticket numbered number: NotFound, like
// Visible, when it is missing or the actor may not see it.
func (s *Service) View(ctx context.Context, actor workflows.Actor, number string) (TicketView, error) {
	t, err := s.Visible(ctx, actor, number)
	if err != nil {
		return TicketView{}, err
	}
	events, err := s.store.Timeline(ctx, t.Number, false)
	if err != nil {
		return TicketView{}, fmt.Errorf("timeline of %s: %w", t.Number, err)
	}
	atts, err := s.Attachments(ctx, SubjectOf(actor), t)
	if err != nil {
		return TicketView{}, err
	}
	masked := masksBeneficiary(actor.Role)
	if masked {
		t.BeneficiaryNationalID = normalize.MaskID(t.BeneficiaryNationalID)
		t.BeneficiaryMobile = normalize.MaskPhone(t.BeneficiaryMobile)
		t.BeneficiaryEmail = ""
	}
	return TicketView{
		Ticket: t,
		Beneficiary: Beneficiary{
			Name: t.BeneficiaryName, NationalID: t.BeneficiaryNationalID, Mobile: t.BeneficiaryMobile,
			Email: t.BeneficiaryEmail, Type: t.BeneficiaryType, Gender: t.BeneficiaryGender,
			Nationality: t.BeneficiaryNationality, Language: t.BeneficiaryLanguage, Masked: masked,
		},
		Timeline:    events,
		Attachments: atts,
		At:          s.now(),
	}, nil
}

// masksBeneficiary reports whether a staff role sees the beneficiary's
// identity masked: auditors review how tickets were handled, not who filed
// them (nor their papers: authz ReadPersonalAttachment).
func masksBeneficiary(r domain.Role) bool { return r == domain.RoleAuditor }
