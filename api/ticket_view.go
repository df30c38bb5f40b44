package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
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

// visibleTicket is the ticket of the path if the staff member may see it
// (tickets.Service.Visible: out of scope is the NotFound of a missing one).
func (a *API) visibleTicket(c *gin.Context) (store.Ticket, workflows.Actor, error) {
	actor, _ := staffActor(c)
	t, err := a.tickets.Visible(c.Request.Context(), actor, c.Param("number"))
	return t, actor, err
}

// getTicket is the staff view of one ticket (tickets.Service.View: the
// timeline, the beneficiary and the documents as the caller may see them).
func (a *API) getTicket(c *gin.Context) error {
	actor, _ := staffActor(c)
	v, err := a.tickets.View(c.Request.Context(), actor, c.Param("number"))
	if err != nil {
		return err
	}
	t, b := v.Ticket, v.Beneficiary
	out := ticketJSON{
		summaryJSON: summarize(t, v.At), Description: t.Description,
		Beneficiary: beneficiaryJSON{
			Name: b.Name, NationalID: b.NationalID, Mobile: b.Mobile, Email: b.Email, Type: b.Type,
			Gender: b.Gender, Nationality: b.Nationality, Language: b.Language,
		},
		PolicyVersion: t.PolicyVersion, ObjectionUntil: utcPtr(t.ObjectionUntil),
		RespondedAt: utcPtr(t.RespondedAt), ClosedAt: utcPtr(t.ClosedAt),
		FiledBy:     actorJSON{ID: t.FiledByID, Role: t.FiledByRole},
		QueueNumber: t.QueueNumber,
		Timeline:    make([]eventJSON, 0, len(v.Timeline)),
		Attachments: staffAttachments(v.Attachments),
	}
	if t.ChannelDetails != (store.ChannelDetails{}) {
		d := t.ChannelDetails
		out.ChannelDetails = &d
	}
	for _, e := range v.Timeline {
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
