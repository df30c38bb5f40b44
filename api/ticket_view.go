package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

type beneficiaryJSON struct {
	Name        string                 `json:"name"`
	NationalID  string                 `json:"national_id"`
	Mobile      string                 `json:"mobile"`
	Email       string                 `json:"email,omitempty"`
	Type        domain.BeneficiaryType `json:"type"`
	Gender      domain.Gender          `json:"gender,omitempty"`
	Nationality domain.Nationality     `json:"nationality,omitempty"`
	Language    string                 `json:"language"`
}

type actorJSON struct {
	ID   string      `json:"id"`
	Role domain.Role `json:"role,omitempty"`
	// Via is the credential an action on the timeline came with, in the
	// workflow's own form (workflows.Credential: kind, caller, client), so
	// staff reviewing a ticket see who really acted.
	Via workflows.Credential `json:"via,omitzero"`
}

type eventJSON struct {
	Seq     int       `json:"seq"`
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Actor   actorJSON `json:"actor"`
	Entity  string    `json:"entity,omitempty"`
	Level   int       `json:"level,omitempty"`
	Public  bool      `json:"public"`
	Message string    `json:"message,omitempty"`
}

type ticketJSON struct {
	summaryJSON
	Description    string                `json:"description"`
	Beneficiary    beneficiaryJSON       `json:"beneficiary"`
	PolicyVersion  int                   `json:"policy_version"`
	ObjectionUntil *time.Time            `json:"objection_until,omitempty"`
	RespondedAt    *time.Time            `json:"responded_at,omitempty"`
	ClosedAt       *time.Time            `json:"closed_at,omitempty"`
	FiledBy        actorJSON             `json:"filed_by"`
	ChannelDetails *store.ChannelDetails `json:"channel_details,omitempty"`
	QueueNumber    string                `json:"queue_number,omitempty"`
	Timeline       []eventJSON           `json:"timeline"`
	// Attachments are those the caller may download.
	Attachments []attachmentJSON `json:"attachments"`
}

// visibleTicket finds the ticket of the path that the staff member may see;
// out of scope answers exactly like a missing ticket, so scope does not
// reveal what exists.
func (a *API) visibleTicket(c *gin.Context) (store.Ticket, workflows.Actor, error) {
	actor, _ := staffActor(c)
	t, err := a.tickets.Get(c.Request.Context(), c.Param("number"))
	if err != nil {
		return store.Ticket{}, actor, err
	}
	d, err := a.decide(c.Request.Context(), actor, authz.Read, t)
	if err != nil {
		return store.Ticket{}, actor, err
	}
	if d != authz.Allowed {
		return store.Ticket{}, actor, problem(http.StatusNotFound, codeNotFound)
	}
	return t, actor, nil
}

// authorize asks the policy whether actor may do act to the visible ticket t.
func (a *API) authorize(ctx context.Context, actor workflows.Actor, act authz.Action, t store.Ticket) error {
	return a.authorizeFor(ctx, subjectOf(actor), act, t)
}

// authorizeFor is authorize for any subject, a beneficiary's included: what
// the subject may not even see is not found, what it may see but not do is
// forbidden (with the policy's reason when it gives one). Only Allowed
// passes, so a decision added to authz refuses until it is mapped here.
func (a *API) authorizeFor(ctx context.Context, s authz.Subject, act authz.Action, t store.Ticket) error {
	d, err := a.decideFor(ctx, s, act, t)
	switch {
	case err != nil:
		return err
	case d == authz.Allowed:
		return nil
	case d == authz.Hidden:
		return problem(http.StatusNotFound, codeNotFound)
	case d == authz.NotResponsible:
		return problem(http.StatusForbidden, codeNotResponsible)
	}
	return problem(http.StatusForbidden, codeForbidden)
}

// getTicket is the staff view of one ticket: all of it, with its timeline.
func (a *API) getTicket(c *gin.Context) error {
	t, actor, err := a.visibleTicket(c)
	if err != nil {
		return err
	}
	events, err := a.store.Timeline(c.Request.Context(), t.Number, false)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	atts, err := a.attachmentsFor(c.Request.Context(), subjectOf(actor), t)
	if err != nil {
		return err
	}
	b := beneficiaryJSON{
		Name: t.BeneficiaryName, NationalID: t.BeneficiaryNationalID, Mobile: t.BeneficiaryMobile,
		Email: t.BeneficiaryEmail, Type: t.BeneficiaryType, Gender: t.BeneficiaryGender,
		Nationality: t.BeneficiaryNationality, Language: t.BeneficiaryLanguage,
	}
	// Auditors review how tickets were handled, not who filed them.
	if actor.Role == domain.RoleAuditor {
		b.NationalID = normalize.MaskID(b.NationalID)
		b.Mobile = normalize.MaskPhone(b.Mobile)
		b.Email = ""
	}
	out := ticketJSON{
		summaryJSON: summarize(t, a.now()), Description: t.Description, Beneficiary: b,
		PolicyVersion: t.PolicyVersion, ObjectionUntil: utcPtr(t.ObjectionUntil),
		RespondedAt: utcPtr(t.RespondedAt), ClosedAt: utcPtr(t.ClosedAt),
		FiledBy:     actorJSON{ID: t.FiledByID, Role: t.FiledByRole},
		QueueNumber: t.QueueNumber,
		Timeline:    make([]eventJSON, 0, len(events)),
		Attachments: staffAttachments(atts),
	}
	if t.ChannelDetails != (store.ChannelDetails{}) {
		d := t.ChannelDetails
		out.ChannelDetails = &d
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, eventJSON{
			Seq: e.Seq, Type: e.Type, At: e.At.UTC(), Actor: actorJSON{ID: e.ActorID, Role: e.ActorRole,
				Via: workflows.Credential{Kind: e.ActorVia, Caller: e.ActorCaller, Client: e.ActorClient}},
			Entity: e.Entity, Level: e.Level, Public: e.Public, Message: e.Message,
		})
	}
	return writeJSON(c, http.StatusOK, out)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
