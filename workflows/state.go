package workflows

import (
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// Actor is who did something: a staff token, the beneficiary, or the system.
type Actor struct {
	ID     string      `json:"id"`
	Name   string      `json:"name,omitempty"`
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity,omitempty"`
	// Via is the credential the action came with, copied onto its timeline
	// line. Zero for the system, for actors that are not acting (an
	// assignee), and in histories recorded before it existed (omitzero keeps
	// their JSON, and so their replay, unchanged).
	Via Credential `json:"via,omitzero"`
}

// Credential is what an action came with: the trace that ties a timeline line
// to the person behind it, for the beneficiary's actions above all, where
// the actor is only "beneficiary".
type Credential struct {
	// Kind is one of the Via* kinds.
	Kind string `json:"kind,omitempty"`
	// Caller is who is behind the credential when the actor's ID does not
	// say: "session:<id>" for a beneficiary's or staff member's session, the
	// staff actor ("user:alice") whose bearer token came with a tracking code.
	Caller string `json:"caller,omitempty"`
	// Client is a keyed hash of the client's address on the beneficiary's
	// actions (the access log carries the same value), never the address.
	Client string `json:"client,omitempty"`
}

// Credential kinds.
const (
	ViaSession            = "session"             // a staff account's session
	ViaToken              = "token"               // a configured or integration token
	ViaTrackingCode       = "tracking_code"       // the ticket's tracking code
	ViaBeneficiarySession = "beneficiary_session" // a one-time-code session (tb_…)
)

// SystemActor stamps what the workflow does by itself.
var SystemActor = Actor{ID: "system", Name: "Tawasul", Role: domain.RoleSystem}

// Beneficiary is the person the ticket is for (already validated and normalized).
type Beneficiary struct {
	Name        string                 `json:"name"`
	NationalID  string                 `json:"national_id"`
	Mobile      string                 `json:"mobile"` // E.164
	Email       string                 `json:"email,omitempty"`
	Type        domain.BeneficiaryType `json:"type"`
	Gender      domain.Gender          `json:"gender,omitempty"`
	Nationality domain.Nationality     `json:"nationality,omitempty"`
	// Language is what the beneficiary's messages are written in: "en", or
	// "" for Arabic (the default, left out so an Arabic filing's input is
	// what it was before the field existed).
	Language string `json:"language,omitempty"`
}

// TicketInput starts a TicketWorkflow. The API has validated it, allocated the
// number and written the intake row; the policy is the snapshot in force at
// filing time, carried in the input so the ticket keeps it for its whole life.
type TicketInput struct {
	Number      string          `json:"number"`
	Kind        domain.Kind     `json:"kind"`
	Channel     domain.Channel  `json:"channel"`
	Priority    domain.Priority `json:"priority"`
	Subject     string          `json:"subject"`
	Entity      string          `json:"entity"`
	Beneficiary Beneficiary     `json:"beneficiary"`
	FiledBy     Actor           `json:"filed_by"`
	FiledAt     time.Time       `json:"filed_at"`
	Policy      sla.Policy      `json:"policy"`

	// MobileUnproven: the filing did not prove Beneficiary.Mobile to be the
	// filer's (an anonymous self-service filing can name anyone's), so
	// nothing goes to the mobile or the e-mail until UpdateProveMobile says
	// it is theirs. The zero value is proven, as every ticket was before
	// the field (and so every recorded history replays unchanged).
	MobileUnproven bool `json:"mobile_unproven,omitempty"`

	// Resume is set when the ticket continues as new: the state carried over
	// from the previous run (nil on a ticket's first run).
	Resume *Resume `json:"resume,omitempty"`
	// HistoryLimit is the history length past which the ticket continues as
	// new (0 = DefaultHistoryLimit); tests lower it.
	HistoryLimit int `json:"history_limit,omitempty"`
}

// TicketState is the whole state of a ticket, returned by the "state" query and
// by every update.
type TicketState struct {
	Number            string          `json:"number"`
	Status            domain.Status   `json:"status"`
	Kind              domain.Kind     `json:"kind"`
	Priority          domain.Priority `json:"priority"`
	Entity            string          `json:"entity"`
	ResponsibleEntity string          `json:"responsible_entity"`
	PolicyVersion     int             `json:"policy_version"`
	Clock             sla.Clock       `json:"clock"`
	Round             int             `json:"round"`
	EscalationLevel   int             `json:"escalation_level"`
	EscalationRole    domain.Role     `json:"escalation_role,omitempty"`
	EscalationEntity  string          `json:"escalation_entity,omitempty"`
	SLADueAt          time.Time       `json:"sla_due_at"`
	// StageStart is when the current deadline's countdown began (filing, the
	// current rung's start, or the objection); a new policy recomputes from it.
	StageStart time.Time `json:"stage_start,omitempty"`
	// InfoRequest is the open question to the beneficiary while the status is
	// awaiting_info.
	InfoRequest *InfoRequest `json:"info_request,omitempty"`
	// PausedWorking is the SLA time (on the ticket's clock) spent waiting on
	// the beneficiary since StageStart; a recomputed deadline adds it back.
	PausedWorking time.Duration `json:"paused_working,omitempty"`
	// Survey is the satisfaction survey after closing; FollowUp the quality
	// follow-up a rating of 1 or 2 opens for the care-center manager.
	Survey   *Survey   `json:"survey,omitempty"`
	FollowUp *FollowUp `json:"follow_up,omitempty"`
	// Meeting is the request to meet the minister, once a slot was offered
	// or the request declined (meeting_request tickets only).
	Meeting *Meeting `json:"meeting,omitempty"`
	// Transferred: the ticket moved to another entity; its ladder climbs
	// from the entity holding it, not the one it was filed to.
	Transferred bool `json:"transferred,omitempty"`
	// AssignedTo is the actor ID of the coordinator working the ticket.
	AssignedTo     string     `json:"assigned_to,omitempty"`
	AssignedAt     *time.Time `json:"assigned_at,omitempty"`
	ObjectionUntil *time.Time `json:"objection_until,omitempty"`
	Objected       bool       `json:"objected"`
	// ReviewOf is the entity whose answer is under objection (round 1).
	ReviewOf    string     `json:"review_of,omitempty"`
	Responses   []Response `json:"responses"`
	RespondedAt *time.Time `json:"responded_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	// Version increases with every change; the read model keeps the highest.
	Version int64 `json:"version"`
	// Seq is the last timeline sequence number assigned.
	Seq int `json:"seq"`
}
