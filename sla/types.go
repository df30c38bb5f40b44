// Package sla holds the service-level policy and the business-calendar math that
// turns "answer within 2 working days" into an instant. Everything here is a pure
// function of its arguments: workflows call it, so it must stay deterministic
// (no wall clock, no I/O, no map iteration).
package sla

import (
	"time"

	"github.com/tawasul/tawasul/domain"
)

// Clock says how an allowance is counted.
type Clock string

const (
	// ClockBusiness counts only working hours of the policy's calendar.
	ClockBusiness Clock = "business"
	// ClockAroundTheClock counts every hour (e.g. urgent reports); a day is 24 hours.
	ClockAroundTheClock Clock = "24x7"
)

// Allowance is an amount of (working) time. On the business clock a day is one
// full working day (the calendar's opening hours); on 24x7 a day is 24 hours.
// JSON form is a string: "2d", "4h", "1d4h", "90m", "30s".
type Allowance struct {
	Days     int
	Duration time.Duration
}

// Holiday is an inclusive range of local dates (YYYY-MM-DD) with no working hours.
type Holiday struct {
	From string `json:"from"`
	To   string `json:"to"`
	Name string `json:"name,omitempty"`
}

// Calendar is the ministry's working time: work days, opening hours and holidays,
// in one time zone (Asia/Riyadh by default).
type Calendar struct {
	TimeZone string         `json:"time_zone"`
	WorkDays []time.Weekday `json:"work_days"` // 0 = Sunday ... 6 = Saturday
	OpensAt  string         `json:"opens_at"`  // "08:00"
	ClosesAt string         `json:"closes_at"` // "15:00"
	Holidays []Holiday      `json:"holidays"`
}

// ResponseRule is the first-response allowance for one kind × priority.
type ResponseRule struct {
	Kind      domain.Kind     `json:"kind"`
	Priority  domain.Priority `json:"priority"`
	Allowance Allowance       `json:"allowance"`
	Clock     Clock           `json:"clock"`
}

// Level is one rung of the escalation ladder: who holds it and how long they have.
type Level struct {
	Role      domain.Role `json:"role"`
	Allowance Allowance   `json:"allowance"`
}

// Policy is one version of the service-level policy. Tickets record the version
// they were filed under and keep it for their whole life.
type Policy struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	// Reason is why the version was made, in the author's words. Optional in
	// JSON: snapshots in older workflow histories have none.
	Reason string `json:"reason,omitempty"`

	Calendar  Calendar       `json:"calendar"`
	Responses []ResponseRule `json:"responses"`
	Ladder    []Level        `json:"ladder"`
	// ObjectionWindow is how long after an answer the beneficiary may object
	// (counted on the 24x7 clock: it is the beneficiary's time, not the office's).
	ObjectionWindow Allowance `json:"objection_window"`
	// ObjectionReview is the allowance of the entity reviewing an objection.
	ObjectionReview Allowance `json:"objection_review"`
	// InfoReplyWindow is how long a beneficiary asked for information has to
	// answer (24x7: the beneficiary's time) before the ticket closes as "no
	// reply"; zero (policies saved before it existed) means DefaultInfoReplyWindow.
	InfoReplyWindow Allowance `json:"info_reply_window,omitzero"`
	// TransferRestartsSLA: a ticket transferred to another entity gets a new
	// first-response allowance from the transfer; otherwise its deadline runs on.
	TransferRestartsSLA bool `json:"transfer_restarts_sla,omitempty"`
	// SurveyWindow is how long after closing the beneficiary may rate the
	// service (24x7); zero means DefaultSurveyWindow.
	SurveyWindow Allowance `json:"survey_window,omitzero"`
	// FollowUpAllowance is the care-center manager's allowance (business
	// clock) for the quality follow-up a rating of 1 or 2 opens; zero means
	// DefaultFollowUpAllowance.
	FollowUpAllowance Allowance `json:"follow_up_allowance,omitzero"`
	// Meetings times requests to meet the minister; zero fields (and policies
	// saved before it existed) take DefaultMeetingRules'.
	Meetings MeetingRules `json:"meetings,omitzero"`
}

// MeetingRules time a request to meet the minister, all on the 24x7 clock
// (they are the beneficiary's and the minister's diary, not office hours).
type MeetingRules struct {
	// MinNotice: how far ahead a slot must be offered.
	MinNotice Allowance `json:"min_notice,omitzero"`
	// ConfirmWindow: how long after the offer the beneficiary may accept it,
	// and ConfirmCutoff how long before the slot at the latest.
	ConfirmWindow Allowance `json:"confirm_window,omitzero"`
	ConfirmCutoff Allowance `json:"confirm_cutoff,omitzero"`
	// ReminderLead: how long before the slot the reminder goes out.
	ReminderLead Allowance `json:"reminder_lead,omitzero"`
	// AttendanceGrace: how long after the slot the office is asked for the
	// attendance record.
	AttendanceGrace Allowance `json:"attendance_grace,omitzero"`
}

// FieldError names one invalid field of a policy, for problem+json responses.
// Code is stable and is what a reader sees, in their language (the API keeps
// a text per code); Message is English for logs and Go callers only.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Args are the values a code's text names (the kind and priority of a
	// missing or duplicate rule), in order; codes and numbers, never prose.
	Args []string `json:"args,omitempty"`
}

// The codes of Policy.Validate and Calendar.Validate.
const (
	CodeRequired              = "required"
	CodeInvalidTimeZone       = "invalid_time_zone"
	CodeInvalidWeekday        = "invalid_weekday"
	CodeDuplicateWeekday      = "duplicate_weekday"
	CodeInvalidTime           = "invalid_time"
	CodeMustBeAfterOpening    = "must_be_after_opening"
	CodeInvalidDate           = "invalid_date"
	CodeMustNotBeBeforeFrom   = "must_not_be_before_from"
	CodeInvalidKind           = "invalid_kind"
	CodeInvalidPriority       = "invalid_priority"
	CodeInvalidClock          = "invalid_clock"
	CodeMustBePositive        = "must_be_positive"
	CodeDuplicateRule         = "duplicate_rule"
	CodeMissingRule           = "missing_rule"
	CodeInvalidRole           = "invalid_role"
	CodeDuplicateRole         = "duplicate_role"
	CodeLadderOutOfOrder      = "ladder_out_of_order"
	CodeLadderMustEndAtOffice = "ladder_must_end_at_minister_office"
)

// ValidationCodes lists every code Validate may report, so a catalog of
// texts can be checked complete.
func ValidationCodes() []string {
	return []string{CodeRequired, CodeInvalidTimeZone, CodeInvalidWeekday, CodeDuplicateWeekday, CodeInvalidTime,
		CodeMustBeAfterOpening, CodeInvalidDate, CodeMustNotBeBeforeFrom, CodeInvalidKind, CodeInvalidPriority,
		CodeInvalidClock, CodeMustBePositive, CodeDuplicateRule, CodeMissingRule, CodeInvalidRole, CodeDuplicateRole,
		CodeLadderOutOfOrder, CodeLadderMustEndAtOffice}
}
