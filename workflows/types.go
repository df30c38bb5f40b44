// Package workflows holds the ticket's durable logic: TicketWorkflow (one per
// ticket) and EscalationWorkflow (one per rung of the ladder), the names and
// payloads of their messages, and the ids that let an operator find a ticket by
// its number. Code here is deterministic: time comes from workflow.Now, effects
// happen in activities called by name.
package workflows

import (
	"fmt"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// TaskQueue is where the worker polls for tickets.
const TaskQueue = "tawasul"

// Message names (Temporal updates, also registered as signals of the same name).
const (
	UpdateRespond  = "respond"
	UpdateObject   = "object"
	UpdateWithdraw = "withdraw"
	// UpdateAssign hands the ticket to a coordinator (a claim is an
	// assignment to oneself).
	UpdateAssign = "assign"
	// UpdateNote adds an internal note between staff (never shown to the beneficiary).
	UpdateNote = "note"
	// UpdateRequestInfo asks the beneficiary a question and pauses the SLA;
	// UpdateProvideInfo is the beneficiary's answer, which resumes it.
	UpdateRequestInfo = "request_info"
	UpdateProvideInfo = "provide_info"
	// UpdateTransfer hands the ticket to another entity.
	UpdateTransfer = "transfer"
	// UpdateRate is the beneficiary's satisfaction rating after closing;
	// UpdateCloseFollowUp the care-center manager closing the quality
	// follow-up a low rating opened.
	UpdateRate          = "rate"
	UpdateCloseFollowUp = "close_follow_up"
	// A request to meet the minister: the minister's office offers a slot
	// (or declines the request, which answers it), the beneficiary accepts
	// or turns the slot down, the office records whether the meeting was held.
	UpdateOfferMeeting     = "offer_meeting"
	UpdateDeclineMeeting   = "decline_meeting"
	UpdateConfirmMeeting   = "confirm_meeting"
	UpdateRecordAttendance = "record_attendance"
	QueryState             = "state"
	// SignalApplyPolicy hands an open ticket a newer policy version (the
	// administrators' explicit roll-out); the ticket recomputes its deadlines.
	SignalApplyPolicy = "apply_policy"
)

// Activity names. Activities are registered under these names by the worker.
const (
	ActivityRecordChange = "RecordChange"
	ActivityResolveLevel = "ResolveLevel"
	ActivityReviewEntity = "ReviewEntity"
	ActivityNotify       = "Notify"
	// ActivitySuggestAssignee picks the least-loaded active coordinator.
	ActivitySuggestAssignee = "SuggestAssignee"
)

// Change IDs of workflow.GetVersion: each marks a change to the ticket
// workflow made after histories were recorded (workflows/testdata); replay
// tests prove old histories still take the old path.
const (
	// changeAutoAssign: a new ticket (and an objection's review) goes to the
	// least-loaded coordinator of the entity that holds it.
	changeAutoAssign = "auto-assign"
	// changeSurvey: a closed ticket stays for its satisfaction survey (and
	// the quality follow-up a low rating opens) before completing.
	changeSurvey = "survey"
	// changeMessagesAfterFiling: messages arriving with the first workflow
	// task wait until the filing is on the timeline.
	changeMessagesAfterFiling = "messages-after-filing"
	// changeNotifyAssigned: the beneficiary is told when a coordinator first
	// takes the ticket up, and the coordinator when someone else assigns it.
	changeNotifyAssigned = "notify-assigned"
	// changeLocalResolve: who holds the next rung is looked up by a local
	// activity (in the workflow task), not a task-queue activity.
	changeLocalResolve = "local-resolve-level"
	// changeLocalSteps: every step of the ticket (and of a rung) that reads
	// or writes our own database — the projection, the outbox, the lookups —
	// runs as a local activity inside the workflow task that asked for it.
	// A task-queue activity costs a round trip through the server (three
	// history events, two more workflow tasks); a burst of deadlines or a
	// crowd of answers paid that several times per step.
	changeLocalSteps = "local-steps"
	// changeOneListener: one coroutine takes the signals of every message
	// kind, in registration order, one at a time, instead of a coroutine per
	// kind: fourteen idle goroutines per ticket in the worker's cache were
	// most of its memory (BENCHMARKS.md).
	changeOneListener = "one-signal-listener"
	// changeBaseline: every change above, taken as one. The SDK records each
	// change's marker the first time a ticket's path meets it and upserts the
	// TemporalChangeVersion search attribute beside it, which the server turns
	// into one more visibility write: five to seven per ticket (four with the
	// first workflow task) and two per escalation, more than the ticket's own
	// start and close. A ticket on the baseline records this one marker and
	// takes every change above without asking; its rungs are told so in
	// their input (EscalationInput.Baseline) and ask nothing either. A ticket
	// started before keeps asking change by change, as it always did.
	changeBaseline = "baseline-2026-12"
)

// Stable error types carried by temporal.ApplicationError when a validator
// refuses an action; the API maps them to 409 problem codes.
const (
	ErrTicketClosed          = "ticket_closed"
	ErrNotAwaitingResponse   = "not_awaiting_response"
	ErrNothingToObject       = "nothing_to_object"
	ErrObjectionWindowClosed = "objection_window_closed"
	ErrAlreadyObjected       = "already_objected"
	ErrInvalidMessage        = "invalid_message"
	// ErrBusy: the ticket is being handed to a new run (continue-as-new); retry.
	ErrBusy = "ticket_busy"
	// ErrNotResponsible: the entity whose answer is under objection cannot
	// close the objection's review itself.
	ErrNotResponsible = "not_responsible"
	// ErrNotAwaitingInfo: nobody asked the beneficiary anything (or the
	// question was answered already).
	ErrNotAwaitingInfo = "not_awaiting_info"
	// ErrSameEntity: a transfer to the entity that already holds the ticket.
	ErrSameEntity = "same_entity"
	// ErrNotRateable: no survey is open (not closed yet, withdrawn, already
	// rated, or the window passed).
	ErrNotRateable = "not_rateable"
	// ErrNoFollowUp: no quality follow-up is open on the ticket.
	ErrNoFollowUp = "no_follow_up"
	// ErrNotMeetingRequest: a meeting action on a ticket of another kind.
	ErrNotMeetingRequest = "not_a_meeting_request"
	// ErrNoMeetingOffer: nothing to accept (no slot offered, or the offer
	// lapsed or was answered already).
	ErrNoMeetingOffer = "no_meeting_offer"
	// ErrMeetingNotBooked: attendance is recorded for a booked meeting only.
	ErrMeetingNotBooked = "meeting_not_booked"
	// ErrMeetingNotYet: attendance cannot be recorded before the meeting.
	ErrMeetingNotYet = "meeting_not_yet"
	// ErrMeetingTooSoon: a slot offered with less notice than the policy's.
	ErrMeetingTooSoon = "meeting_too_soon"
)

// TicketWorkflowID is the workflow id of ticket number n ("ticket-2026-000123").
func TicketWorkflowID(number string) string { return "ticket-" + number }

// EscalationWorkflowID names the child for one rung. Round 0 is the first
// answer; round 1 the review after an objection (its own ladder).
func EscalationWorkflowID(number string, round, level int) string {
	if round == 0 {
		return fmt.Sprintf("ticket-%s/escalation-%d", number, level)
	}
	return fmt.Sprintf("ticket-%s/review-%d/escalation-%d", number, round, level)
}

// Actor is who did something: a staff token, the beneficiary, or the system.
type Actor struct {
	ID     string      `json:"id"`
	Name   string      `json:"name,omitempty"`
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity,omitempty"`
}

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

	// Resume is set when the ticket continues as new: the state carried over
	// from the previous run (nil on a ticket's first run).
	Resume *Resume `json:"resume,omitempty"`
	// HistoryLimit is the history length past which the ticket continues as
	// new (0 = DefaultHistoryLimit); tests lower it.
	HistoryLimit int `json:"history_limit,omitempty"`
}

// DefaultHistoryLimit keeps a ticket's history far below Temporal's limits
// (continue-as-new is suggested near 4,096 events). A ticket's own life takes
// a few hundred events at most; what can grow without bound is a flood of
// signals from an integration, which this guards against.
const DefaultHistoryLimit = 2000

// Resume carries a ticket across continue-as-new.
type Resume struct {
	State    TicketState `json:"state"`
	Ladder   []sla.Level `json:"ladder"`
	Breached bool        `json:"breached"`
	AtTop    bool        `json:"at_top"`
	// Rung is the escalation level that was running; the new run restarts it
	// with the same deadline (its notifications are keyed, so none repeats).
	Rung *RungResume `json:"rung,omitempty"`
}

// RungResume is a running escalation level handed to the next run.
type RungResume struct {
	Level    int         `json:"level"`
	Round    int         `json:"round"`
	Holder   LevelHolder `json:"holder"`
	DueAt    time.Time   `json:"due_at"`
	RemindAt time.Time   `json:"remind_at"`
}

// RespondRequest answers the ticket (coordinator, or whoever holds the level).
type RespondRequest struct {
	Actor   Actor  `json:"actor"`
	Message string `json:"message"`
}

// ObjectRequest is the beneficiary's objection to an answer.
type ObjectRequest struct {
	Reason string `json:"reason"`
}

// WithdrawRequest is the beneficiary withdrawing the ticket.
type WithdrawRequest struct {
	Reason string `json:"reason,omitempty"`
}

// AssignRequest hands the ticket to a coordinator. The API checks who may
// assign to whom (authz); the workflow checks the ticket still waits on staff.
type AssignRequest struct {
	Actor Actor  `json:"actor"`
	To    Actor  `json:"to"`
	Note  string `json:"note,omitempty"`
}

// NoteRequest is an internal note between staff.
type NoteRequest struct {
	Actor   Actor  `json:"actor"`
	Message string `json:"message"`
}

// RequestInfoRequest asks the beneficiary a question.
type RequestInfoRequest struct {
	Actor    Actor  `json:"actor"`
	Question string `json:"question"`
}

// ProvideInfoRequest is the beneficiary's answer to the open question.
type ProvideInfoRequest struct {
	Answer string `json:"answer"`
}

// TransferRequest hands the ticket to another entity (resolved by the API).
type TransferRequest struct {
	Actor  Actor       `json:"actor"`
	To     LevelHolder `json:"to"`
	Reason string      `json:"reason"`
}

// InfoRequest is an open question to the beneficiary: the SLA clock stands
// still from At until the answer, with Remaining left of the deadline that
// was running; no answer by Until closes the ticket.
type InfoRequest struct {
	Question  string        `json:"question"`
	By        Actor         `json:"by"`
	At        time.Time     `json:"at"`
	Until     time.Time     `json:"until"`
	Resume    domain.Status `json:"resume"`    // the status the answer returns the ticket to
	Remaining time.Duration `json:"remaining"` // of the running deadline, on the ticket's clock
	// Holder is who held the escalation rung that stood down for the pause;
	// the answer gives the rung back to them with the remaining time.
	Holder *LevelHolder `json:"holder,omitempty"`
}

// RateRequest is the beneficiary's rating of the service, 1 (poor) to 5.
type RateRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
}

// CloseFollowUpRequest closes the quality follow-up with what was done.
type CloseFollowUpRequest struct {
	Actor Actor  `json:"actor"`
	Note  string `json:"note"`
}

// OfferMeetingRequest offers the beneficiary a meeting slot (or a new slot,
// replacing the one offered or booked).
type OfferMeetingRequest struct {
	Actor Actor     `json:"actor"`
	At    time.Time `json:"at"`
	Place string    `json:"place"`
	Note  string    `json:"note,omitempty"`
}

// DeclineMeetingRequest declines the request to meet, with the reason: it
// answers the ticket (the objection window follows as for any answer).
type DeclineMeetingRequest struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

// ConfirmMeetingRequest is the beneficiary accepting the offered slot, or
// turning it down with a reason (the office then offers another).
type ConfirmMeetingRequest struct {
	Accept bool   `json:"accept"`
	Reason string `json:"reason,omitempty"`
}

// RecordAttendanceRequest records whether the booked meeting was held.
type RecordAttendanceRequest struct {
	Actor    Actor  `json:"actor"`
	Attended bool   `json:"attended"`
	Note     string `json:"note,omitempty"`
}

// Meeting states.
const (
	MeetingOffered      = "offered"
	MeetingBooked       = "booked"
	MeetingSlotDeclined = "slot_declined" // the beneficiary turned the slot down
	MeetingLapsed       = "lapsed"        // not accepted by the confirm-by time
	MeetingDeclined     = "declined"      // the office declined the request
	MeetingHeld         = "held"
	MeetingMissed       = "missed" // booked, but the beneficiary did not attend
	MeetingWithdrawn    = "withdrawn"
)

// Meeting is the state of a request to meet the minister.
type Meeting struct {
	Status    string    `json:"status"`
	At        time.Time `json:"at,omitempty"`
	Place     string    `json:"place,omitempty"`
	Note      string    `json:"note,omitempty"`
	OfferedBy *Actor    `json:"offered_by,omitempty"`
	OfferedAt time.Time `json:"offered_at,omitempty"`
	// ConfirmBy is when an offer lapses unless the beneficiary accepts it.
	ConfirmBy   time.Time  `json:"confirm_by,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	// Offers counts the slots offered on this ticket.
	Offers int `json:"offers"`
	// Reminded: the day-before reminder went out (or was not needed: the
	// slot was accepted within a day of it); AttendanceAsked: the office was
	// asked for the attendance record.
	Reminded        bool       `json:"reminded,omitempty"`
	AttendanceAsked bool       `json:"attendance_asked,omitempty"`
	RecordedBy      *Actor     `json:"recorded_by,omitempty"`
	RecordedAt      *time.Time `json:"recorded_at,omitempty"`
	Reason          string     `json:"reason,omitempty"` // why declined (either side), or the attendance note
}

// Survey is the satisfaction survey of a closed ticket.
type Survey struct {
	InvitedAt time.Time  `json:"invited_at"`
	Until     time.Time  `json:"until"`
	Rating    int        `json:"rating,omitempty"` // 0 = not rated
	Comment   string     `json:"comment,omitempty"`
	RatedAt   *time.Time `json:"rated_at,omitempty"`
}

// Follow-up states.
const (
	FollowUpOpen    = "open"
	FollowUpOverdue = "overdue"
	FollowUpDone    = "done"
)

// FollowUp is the quality follow-up a low rating opens: the care-center
// manager of the entity that answered looks into it within its own allowance;
// past it the supervisor is told.
type FollowUp struct {
	Entity   string     `json:"entity"`
	OpenedAt time.Time  `json:"opened_at"`
	DueAt    time.Time  `json:"due_at"`
	Status   string     `json:"status"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy *Actor     `json:"closed_by,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// SurveyRating is the rating given (0 when none); the projection's accessors
// below read the optional parts of the state without nil checks at each use.
func (s TicketState) SurveyRating() int {
	if s.Survey == nil {
		return 0
	}
	return s.Survey.Rating
}

func (s TicketState) SurveyRatedAt() *time.Time {
	if s.Survey == nil || s.Survey.RatedAt == nil {
		return nil
	}
	u := s.Survey.RatedAt.UTC()
	return &u
}

func (s TicketState) FollowUpStatus() string {
	if s.FollowUp == nil {
		return ""
	}
	return s.FollowUp.Status
}

func (s TicketState) FollowUpEntity() string {
	if s.FollowUp == nil {
		return ""
	}
	return s.FollowUp.Entity
}

func (s TicketState) FollowUpDueAt() *time.Time {
	if s.FollowUp == nil {
		return nil
	}
	u := s.FollowUp.DueAt.UTC()
	return &u
}

// MeetingStatus, MeetingAt and MeetingPlace read the meeting for the
// projection ("" and nil when there is none).
func (s TicketState) MeetingStatus() string {
	if s.Meeting == nil {
		return ""
	}
	return s.Meeting.Status
}

func (s TicketState) MeetingAt() *time.Time {
	if s.Meeting == nil || s.Meeting.At.IsZero() {
		return nil
	}
	u := s.Meeting.At.UTC()
	return &u
}

func (s TicketState) MeetingPlace() string {
	if s.Meeting == nil {
		return ""
	}
	return s.Meeting.Place
}

// SuggestAssigneeInput asks for the coordinator of entity to assign a ticket to.
type SuggestAssigneeInput struct {
	Entity string `json:"entity"`
}

// ApplyPolicyRequest carries a newer policy version to an open ticket.
type ApplyPolicyRequest struct {
	Policy sla.Policy `json:"policy"`
	By     Actor      `json:"by"`
}

// Response is one answer given on the ticket.
type Response struct {
	Round   int       `json:"round"`
	Actor   Actor     `json:"actor"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// Event types of the timeline.
const (
	EventCreated    = "created"
	EventEscalated  = "escalated"
	EventResponded  = "responded"
	EventObjected   = "objected"
	EventReopened   = "reopened"
	EventClosed     = "closed"
	EventWithdrawn  = "withdrawn"
	EventStoodDown  = "escalation_stood_down"
	EventTopReached = "ladder_top_reached"
	EventPolicy     = "policy_applied"
	EventAssigned   = "assigned"
	EventNote       = "note"
	EventInfoAsked  = "info_requested"
	EventInfoGiven  = "info_provided"
	EventTransfer   = "transferred"
	EventSurvey     = "survey_invited"
	EventRated      = "rated"
	EventFollowUp   = "follow_up_opened"
	EventFollowDue  = "follow_up_overdue"
	EventFollowDone = "follow_up_closed"

	EventMeetingOffered      = "meeting_offered"
	EventMeetingBooked       = "meeting_booked"
	EventMeetingSlotDeclined = "meeting_slot_declined"
	EventMeetingLapsed       = "meeting_lapsed"
	EventMeetingDeclined     = "meeting_declined"
	EventMeetingReminder     = "meeting_reminder"
	EventMeetingAttendance   = "meeting_attendance_due"
	EventMeetingRecorded     = "meeting_recorded"
)

// Event is one line of the ticket's timeline; Seq is assigned by the workflow.
type Event struct {
	Seq     int         `json:"seq"`
	Type    string      `json:"type"`
	At      time.Time   `json:"at"`
	Actor   Actor       `json:"actor"`
	Entity  string      `json:"entity,omitempty"`
	Level   int         `json:"level,omitempty"`
	Public  bool        `json:"public"`
	Message string      `json:"message,omitempty"`
	Role    domain.Role `json:"role,omitempty"` // the ladder role for escalations
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

// Change is what RecordChange projects into the read model.
type Change struct {
	State  TicketState `json:"state"`
	Events []Event     `json:"events"`
}

// LevelHolder is who holds a rung of the ladder for one ticket, resolved from
// the hierarchy at the moment of escalation.
type LevelHolder struct {
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity"`
	NameAR string      `json:"name_ar"`
	NameEN string      `json:"name_en"`
}

// ResolveLevelInput asks who holds role for a ticket filed to entity.
type ResolveLevelInput struct {
	Entity string      `json:"entity"`
	Role   domain.Role `json:"role"`
}

// Notification is one message to deliver; Key makes a retry harmless.
type Notification struct {
	Key          string            `json:"key"`
	TicketNumber string            `json:"ticket_number"`
	Audience     string            `json:"audience"` // "beneficiary" or "official"
	Channel      string            `json:"channel"`  // "sms", "email", "inbox"
	Recipient    string            `json:"recipient"`
	Template     string            `json:"template"`
	Params       map[string]string `json:"params,omitempty"`
	// Language is the beneficiary's (Beneficiary.Language); officials' messages have none.
	Language string `json:"language,omitempty"`
}

// EscalationInput starts one rung's child workflow.
type EscalationInput struct {
	Number  string      `json:"number"`
	Subject string      `json:"subject"`
	Round   int         `json:"round"`
	Level   int         `json:"level"`
	Holder  LevelHolder `json:"holder"`
	DueAt   time.Time   `json:"due_at"`
	// RemindAt, when set and before DueAt, sends the holder a reminder.
	RemindAt time.Time `json:"remind_at,omitempty"`
	// Baseline: the ticket is on changeBaseline, so the rung takes every
	// change without a version marker of its own.
	Baseline bool `json:"baseline,omitempty"`
}

// EscalationResult says how a rung ended.
type EscalationResult struct {
	Expired bool      `json:"expired"`
	At      time.Time `json:"at"`
}
