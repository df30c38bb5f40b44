package store

// The exported shapes of the read model. Field names and tags are the contract
// other packages code against; the columns they map to are created by the
// versioned migrations in migrations/, not by GORM's AutoMigrate, so the
// gorm tags below only guide GORM's column naming and primary keys.

import (
	"errors"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

var (
	// ErrNotFound: no such row.
	ErrNotFound = errors.New("store: not found")
	// ErrIdempotencyMismatch: the Idempotency-Key was used before with a different request body.
	ErrIdempotencyMismatch = errors.New("store: idempotency key reused with a different request")
)

// Entity is a node of the ministry's hierarchy (ministry, sector, university, department...).
type Entity struct {
	Code   string            `gorm:"primaryKey;size:32" json:"code"`
	NameAR string            `gorm:"size:300;not null" json:"name_ar"`
	NameEN string            `gorm:"size:300;not null" json:"name_en"`
	Kind   domain.EntityKind `gorm:"size:32;not null" json:"kind"`
	Parent string            `gorm:"size:32;index" json:"parent,omitempty"` // "" for the ministry root
}

// Ticket is the read-model row of one ticket. The workflow owns the truth; rows are
// upserted by activities guarded by Version (a stale write never wins).
type Ticket struct {
	Number   string          `gorm:"primaryKey;size:16"` // "2026-000123"
	Kind     domain.Kind     `gorm:"size:32;not null"`
	Channel  domain.Channel  `gorm:"size:32;not null"`
	Priority domain.Priority `gorm:"size:16;not null"`
	Status   domain.Status   `gorm:"size:16;not null"`

	Subject     string `gorm:"size:300;not null"`
	Description string `gorm:"type:text;not null"`
	// SearchText is Subject and Description as staff search matches them
	// (searchText); the store sets it, whatever the caller gives.
	SearchText string `gorm:"type:text;not null" json:"-"`

	Entity            string `gorm:"size:32;not null"` // the entity the ticket was filed to
	ResponsibleEntity string `gorm:"size:32;not null"` // who must act now (changes on objection review)

	BeneficiaryName        string                 `gorm:"size:200;not null"`
	BeneficiaryNationalID  string                 `gorm:"size:10;not null"`
	BeneficiaryMobile      string                 `gorm:"size:16;not null"` // E.164
	BeneficiaryEmail       string                 `gorm:"size:254"`
	BeneficiaryType        domain.BeneficiaryType `gorm:"size:32;not null"`
	BeneficiaryGender      domain.Gender          `gorm:"size:8"`
	BeneficiaryNationality domain.Nationality     `gorm:"size:16"`
	// BeneficiaryLanguage is the language the beneficiary's messages are
	// written in: "ar" (the default) or "en".
	BeneficiaryLanguage string `gorm:"size:2;not null"`

	TrackingHash string `gorm:"size:64;not null"` // hex SHA-256 of the tracking code
	// MobileProvenAt is when BeneficiaryMobile was proven to be the filer's
	// (filed by staff or in a beneficiary session of that mobile, or later
	// proven with the tracking code in such a session); nil for an anonymous
	// filing not yet proven, which stays out of the mobile's own list.
	MobileProvenAt *time.Time

	PolicyVersion   int
	Round           int         // 0 = first answer; 1 = objection review
	EscalationLevel int         // 0 = not escalated; n = n-th rung of the ladder
	EscalationRole  domain.Role `gorm:"size:32"`
	// EscalationEntity holds the current rung (the entity, its sector, the ministry).
	EscalationEntity string    `gorm:"size:32;not null"`
	SLADueAt         time.Time `gorm:"not null"` // current deadline of whoever must act now
	// SLAStageStart is when that deadline's countdown began; nil on rows
	// projected before migration 0005 (read as the filing time).
	SLAStageStart *time.Time
	// SLAPausedSeconds is how long (on the ticket's clock) the running
	// countdown stood still while the beneficiary was asked for information.
	SLAPausedSeconds int64  `gorm:"not null"`
	AssignedTo       string `gorm:"size:100;not null"` // actor ID of the coordinator working it; "" = nobody
	AssignedAt       *time.Time
	ObjectionUntil   *time.Time
	RespondedAt      *time.Time
	ClosedAt         *time.Time

	// Rating is the beneficiary's 1–5 rating after closing (0: none yet).
	Rating  int `gorm:"not null"`
	RatedAt *time.Time
	// FollowUpStatus is the quality follow-up a rating of 1 or 2 opened at
	// FollowUpEntity: "" none, open, overdue, done.
	FollowUpStatus string `gorm:"size:16;not null"`
	FollowUpEntity string `gorm:"size:32;not null"`
	FollowUpDueAt  *time.Time
	// MeetingStatus, MeetingAt and MeetingPlace are a request to meet the
	// minister's slot (workflows.Meeting*; "" when none was offered).
	MeetingStatus string `gorm:"size:16;not null"`
	MeetingAt     *time.Time
	MeetingPlace  string `gorm:"type:text;not null"`

	FiledByID   string      `gorm:"size:100"`
	FiledByRole domain.Role `gorm:"size:32"`
	// ChannelDetails is what the channel recorded (stored as JSON);
	// QueueNumber the walk-in visitor's number for the day, given at filing.
	ChannelDetails ChannelDetails `gorm:"type:text;not null"`
	QueueNumber    string         `gorm:"size:16;not null"`

	// WorkflowStarted is false between intake and a confirmed start of the
	// ticket's workflow; a starter loop finishes any start that was interrupted.
	WorkflowStarted bool  `gorm:"not null"`
	Version         int64 `gorm:"not null"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TicketEvent is one line of a ticket's timeline (append-only, unique per ticket+seq).
type TicketEvent struct {
	ID           int64       `gorm:"primaryKey;autoIncrement"`
	TicketNumber string      `gorm:"size:16;not null;uniqueIndex:ux_ticket_events_seq"`
	Seq          int         `gorm:"not null;uniqueIndex:ux_ticket_events_seq"`
	Type         string      `gorm:"size:32;not null"`
	At           time.Time   `gorm:"not null"`
	ActorID      string      `gorm:"size:100"`
	ActorRole    domain.Role `gorm:"size:32"`
	// ActorVia, ActorCaller and ActorClient are the credential the action
	// came with (workflows.Credential): its kind, who was behind it when
	// ActorID does not say, and a keyed hash of the client's address.
	ActorVia    string `gorm:"size:32"`
	ActorCaller string `gorm:"size:100"`
	ActorClient string `gorm:"size:64"`
	Entity      string `gorm:"size:32"`
	Level       int
	Public      bool   `gorm:"not null"` // shown to the beneficiary on the tracking page
	Message     string `gorm:"type:text"`
}

// StoredPolicy is one version of the SLA policy, body as JSON.
type StoredPolicy struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Body      string `gorm:"type:text;not null"`
	CreatedBy string `gorm:"size:100"`
	Reason    string `gorm:"type:text;not null"`
	CreatedAt time.Time
}

// PolicySummary is one policy version as a list shows it: when, by whom and
// why it was made, without its body.
type PolicySummary struct {
	Version   int
	CreatedAt time.Time
	CreatedBy string
	Reason    string
}

// PolicyPage is one page of policy versions, newest first.
type PolicyPage struct {
	Versions []PolicySummary
	// Next is the version the next page starts below; 0 on the last page.
	Next int
}

// TicketDeadline is what a policy preview reads of an open ticket: where it
// stands, when its running countdown began and the deadlines it has now.
type TicketDeadline struct {
	Number          string
	Kind            domain.Kind
	Priority        domain.Priority
	Status          domain.Status
	PolicyVersion   int
	Round           int
	EscalationLevel int
	SLADueAt        time.Time
	// SLAStageStart is nil on rows projected before migration 0005.
	SLAStageStart    *time.Time
	SLAPausedSeconds int64
	ObjectionUntil   *time.Time
	RespondedAt      *time.Time
	CreatedAt        time.Time
}

// OutboxMessage is one notification to deliver, keyed so a retried activity adds nothing.
type OutboxMessage struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	Key          string `gorm:"size:200;not null;uniqueIndex"`
	TicketNumber string `gorm:"size:16;index"`
	Channel      string `gorm:"size:16;not null"` // sms, email, inbox
	Recipient    string `gorm:"size:254;not null"`
	Template     string `gorm:"size:64;not null"`
	Subject      string `gorm:"type:text;not null"` // e-mail only
	Body         string `gorm:"type:text;not null"`
	// Params are an in-app row's template parameters as a JSON object, so
	// its reader sees it in their own language; "" on other channels.
	Params string `gorm:"type:text;not null"`
	Status string `gorm:"size:16;not null"` // OutboxPending, OutboxSent, OutboxFailed, OutboxSkipped
	// Attempts counts the deliveries started (a claim is one); NextAttemptAt
	// is when a pending message is due, or when a claim's lease runs out.
	Attempts      int       `gorm:"not null"`
	NextAttemptAt time.Time `gorm:"not null"`
	LastError     string    `gorm:"type:text;not null"`
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Outbox statuses. Pending messages wait for the dispatcher; the others are final.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	// OutboxFailed: the provider refused the message for good, or it was
	// still undelivered after the last attempt.
	OutboxFailed = "failed"
	// OutboxSkipped: dev mode has no provider for the channel; the message
	// stays readable through the API.
	OutboxSkipped = "skipped"
)

// IdempotencyRecord maps one Idempotency-Key to the ticket it created.
type IdempotencyRecord struct {
	KeyHash      string `gorm:"primaryKey;size:64"` // hex SHA-256 of the client's key
	RequestHash  string `gorm:"size:64;not null"`   // hex SHA-256 of the canonical request
	TicketNumber string `gorm:"size:16;not null"`
	// SealedCode is the tracking code sealed with a key derived from the raw
	// Idempotency-Key, so a retried request can be shown its code again while a
	// database dump alone reveals nothing.
	SealedCode []byte
	CreatedAt  time.Time
}

// NewTicket is what intake gives CreateTicket; Number, Version and timestamps are set by the store.
type NewTicket = Ticket

// TicketFilter selects an inbox page. Zero values mean "any".
type TicketFilter struct {
	// Scope is what the caller may read (authz.ReadScope); required: the zero
	// Scope matches nothing, so a forgotten scope fails closed.
	Scope  authz.Scope
	Entity string // the ?entity= filter (responsible entity)
	// AssignedTo keeps the tickets assigned to this actor ID; Unassigned
	// those assigned to nobody.
	AssignedTo string
	Unassigned bool
	// HeldByRole (with HeldByEntity, "" for ministry-wide rungs) keeps the
	// tickets whose current escalation rung that role holds.
	HeldByRole   domain.Role
	HeldByEntity string
	// FollowUps keeps the tickets with an open or overdue quality follow-up,
	// at FollowUpEntity when set.
	FollowUps      bool
	FollowUpEntity string
	// Meetings lists the meeting slots offered or booked instead, soonest
	// first: (MeetingAt, Number) orders the page and its cursor.
	Meetings bool
	Status   []domain.Status // nil = any
	Overdue  bool            // SLADueAt < Now and status pending
	Now      time.Time       // the clock for Overdue
	Cursor   string          // opaque, from Page.NextCursor
	Limit    int             // 1..200, default 50
}

// Page is one page of tickets, most urgent SLA first (SLADueAt, Number).
type Page struct {
	Tickets    []Ticket
	NextCursor string // "" on the last page
}

// ErrBadCursor: the cursor cannot be decoded.
var ErrBadCursor = errors.New("store: bad cursor")

// TicketChange is what the workflow projects after each step.
type TicketChange struct {
	Number            string
	Version           int64
	Status            domain.Status
	ResponsibleEntity string
	PolicyVersion     int
	Round             int
	EscalationLevel   int
	EscalationRole    domain.Role
	EscalationEntity  string
	SLADueAt          time.Time
	SLAStageStart     *time.Time
	SLAPausedSeconds  int64
	AssignedTo        string
	AssignedAt        *time.Time
	ObjectionUntil    *time.Time
	RespondedAt       *time.Time
	ClosedAt          *time.Time
	Rating            int
	RatedAt           *time.Time
	FollowUpStatus    string
	FollowUpEntity    string
	FollowUpDueAt     *time.Time
	MeetingStatus     string
	MeetingAt         *time.Time
	MeetingPlace      string
	Events            []TicketEvent // appended; duplicates (same number+seq) ignored
}

// Table names are pinned so a rename of a Go type never silently points GORM at
// a table the migrations did not create.

func (Entity) TableName() string            { return "entities" }
func (Ticket) TableName() string            { return "tickets" }
func (TicketEvent) TableName() string       { return "ticket_events" }
func (StoredPolicy) TableName() string      { return "policies" }
func (OutboxMessage) TableName() string     { return "outbox" }
func (IdempotencyRecord) TableName() string { return "idempotency_keys" }

// Deadline is what the ticket's running deadline is made of, as a policy
// preview reads it (TicketDeadline), for explaining it on the ticket's page.
func (t Ticket) Deadline() TicketDeadline {
	return TicketDeadline{
		Number: t.Number, Kind: t.Kind, Priority: t.Priority, Status: t.Status, PolicyVersion: t.PolicyVersion,
		Round: t.Round, EscalationLevel: t.EscalationLevel, SLADueAt: t.SLADueAt, SLAStageStart: t.SLAStageStart,
		SLAPausedSeconds: t.SLAPausedSeconds, ObjectionUntil: t.ObjectionUntil, RespondedAt: t.RespondedAt,
		CreatedAt: t.CreatedAt,
	}
}
