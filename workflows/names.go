// Package workflows holds the ticket's durable logic: TicketWorkflow (one per
// ticket) and EscalationWorkflow (one per rung of the ladder), the names and
// payloads of their messages, and the ids that let an operator find a ticket by
// its number. Code here is deterministic: time comes from workflow.Now, effects
// happen in activities called by name.
package workflows

import "fmt"

// TaskQueue is where the worker polls for tickets.
const TaskQueue = "tawasul"

// Workflow type names: what the server, visibility queries and every
// recorded history know each workflow by. Register, the API's starts,
// continue-as-new and the load generator's checks all use these, so a name
// is spelled in this one place.
const (
	TicketWorkflowName        = "TicketWorkflow"
	EscalationWorkflowName    = "EscalationWorkflow"
	PolicyRolloutWorkflowName = "PolicyRolloutWorkflow"
	SurveyCallsWorkflowName   = "SurveyCallsWorkflow"
)

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
	// UpdateProveMobile: the beneficiary's mobile of an anonymous filing
	// was proven theirs; messages go to it from then on. An update only,
	// never a signal: a payload-less signal would prove any ticket.
	UpdateProveMobile = "prove_mobile"
	QueryState        = "state"
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
