package tickets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
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

// attachmentID is the shape of a document's id (random, 32 hex digits).
var attachmentID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Document is the document id of t if s may read it; anything else — no
// such id, another ticket's, one s may not read — is the NotFound of a
// missing document, as the lists, which never show it.
func (s *Service) Document(ctx context.Context, sub authz.Subject, t store.Ticket, id string) (store.Attachment, error) {
	notFound := refusal.New(refusal.NotFound, refusal.CodeNotFound)
	if !attachmentID.MatchString(id) {
		return store.Attachment{}, notFound
	}
	at, err := s.store.GetAttachment(ctx, t.Number, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Attachment{}, notFound
	} else if err != nil {
		return store.Attachment{}, fmt.Errorf("document %s of %s: %w", id, t.Number, err)
	}
	d, err := s.Decide(ctx, sub, authz.AttachmentRead(at.Purpose, at.Public), t)
	if err != nil {
		return store.Attachment{}, err
	}
	if d != authz.Allowed {
		return store.Attachment{}, notFound
	}
	return at, nil
}
