package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// ErrNoRule means the policy has no response rule for a kind × priority; a
// validated policy always has one.
var ErrNoRule = errors.New("sla: no response rule")

// ValidationErrors carries a validation result as an error, so callers can
// recover the field list with errors.As and render it as problem+json.
type ValidationErrors []FieldError

func (v ValidationErrors) Error() string {
	parts := make([]string, 0, len(v))
	for _, e := range v {
		parts = append(parts, e.Field+": "+e.Message)
	}
	return strings.Join(parts, "; ")
}

// Rule returns the response rule for a kind × priority. If a policy (wrongly)
// lists one twice, the first wins, so the answer is stable.
func (p Policy) Rule(k domain.Kind, pr domain.Priority) (ResponseRule, bool) {
	for _, r := range p.Responses {
		if r.Kind == k && r.Priority == pr {
			return r, true
		}
	}
	return ResponseRule{}, false
}

// FirstResponseDue is the deadline of the first response to a ticket filed at
// filed, and the clock it was counted on.
func (p Policy) FirstResponseDue(filed time.Time, k domain.Kind, pr domain.Priority) (time.Time, Clock, error) {
	r, ok := p.Rule(k, pr)
	if !ok {
		return time.Time{}, "", fmt.Errorf("%w for kind %q priority %q in policy version %d", ErrNoRule, k, pr, p.Version)
	}
	due, err := p.Calendar.Due(filed, r.Allowance, r.Clock)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("sla: first response due for %s/%s: %w", k, pr, err)
	}
	return due, r.Clock, nil
}

// ObjectionDeadline is when the beneficiary's objection window closes after an
// answer given at answered. The window is the beneficiary's own time, so it
// runs on the 24x7 clock regardless of office hours.
func (p Policy) ObjectionDeadline(answered time.Time) (time.Time, error) {
	return p.Calendar.Due(answered, p.ObjectionWindow, ClockAroundTheClock)
}

// Validate reports every problem with the policy; nil means valid. Field
// names are JSON paths ("responses[3].allowance", "calendar.holidays[0].to").
func (p Policy) Validate() []FieldError {
	errs := p.Calendar.Validate()
	add := func(field, code, msg string, args ...string) {
		errs = append(errs, FieldError{Field: field, Code: code, Message: msg, Args: args})
	}

	// Responses: each entry well-formed, and the grid kind × priority covered
	// exactly once. Counting in a fixed-size grid keeps the order of the
	// reported errors deterministic (no map iteration).
	kinds, prios := domain.Kinds(), domain.Priorities()
	count := make([]int, len(kinds)*len(prios))
	if len(p.Responses) == 0 {
		add("responses", CodeRequired, "response rules are required")
	}
	for i, r := range p.Responses {
		f := fmt.Sprintf("responses[%d]", i)
		ki, pi := slices.Index(kinds, r.Kind), slices.Index(prios, r.Priority)
		switch {
		case r.Kind == "":
			add(f+".kind", CodeRequired, "kind is required")
		case ki < 0:
			add(f+".kind", CodeInvalidKind, fmt.Sprintf("unknown kind %q", r.Kind))
		}
		switch {
		case r.Priority == "":
			add(f+".priority", CodeRequired, "priority is required")
		case pi < 0:
			add(f+".priority", CodeInvalidPriority, fmt.Sprintf("unknown priority %q", r.Priority))
		}
		switch r.Clock {
		case ClockBusiness, ClockAroundTheClock:
		case "":
			add(f+".clock", CodeRequired, fmt.Sprintf("clock is required (%q or %q)", ClockBusiness, ClockAroundTheClock))
		default:
			add(f+".clock", CodeInvalidClock, fmt.Sprintf("unknown clock %q (want %q or %q)", r.Clock, ClockBusiness, ClockAroundTheClock))
		}
		if !r.Allowance.Positive() {
			add(f+".allowance", CodeMustBePositive, "allowance must be greater than zero")
		}
		if ki >= 0 && pi >= 0 {
			cell := ki*len(prios) + pi
			count[cell]++
			if count[cell] > 1 {
				add(f, CodeDuplicateRule, fmt.Sprintf("another rule already covers kind %q priority %q", r.Kind, r.Priority),
					string(r.Kind), string(r.Priority))
			}
		}
	}
	if len(p.Responses) > 0 {
		for ki, k := range kinds {
			for pi, pr := range prios {
				if count[ki*len(prios)+pi] == 0 {
					add("responses", CodeMissingRule, fmt.Sprintf("no rule for kind %q priority %q", k, pr),
						string(k), string(pr))
				}
			}
		}
	}

	// Ladder: climbs the hierarchy, each role at most once, and ends at the
	// minister's office so no escalation is left without a final holder.
	ladder := domain.LadderRoles()
	if len(p.Ladder) == 0 {
		add("ladder", CodeRequired, "the escalation ladder needs at least one level")
	}
	prev := -1
	seen := make([]bool, len(ladder)) // indexed like domain.LadderRoles()
	for i, l := range p.Ladder {
		f := fmt.Sprintf("ladder[%d]", i)
		rank := slices.Index(ladder, l.Role)
		switch {
		case l.Role == "":
			add(f+".role", CodeRequired, "role is required")
		case rank < 0:
			add(f+".role", CodeInvalidRole, fmt.Sprintf("role %q cannot hold an escalation level", l.Role))
		case seen[rank]:
			add(f+".role", CodeDuplicateRole, fmt.Sprintf("role %q already holds an earlier level", l.Role))
		case rank < prev:
			add(f+".role", CodeLadderOutOfOrder, fmt.Sprintf("role %q ranks below the previous level's role", l.Role))
		}
		if rank >= 0 {
			seen[rank] = true
			prev = max(prev, rank)
		}
		if !l.Allowance.Positive() {
			add(f+".allowance", CodeMustBePositive, "allowance must be greater than zero")
		}
	}
	if n := len(p.Ladder); n > 0 && p.Ladder[n-1].Role != domain.RoleMinisterOffice {
		add("ladder", CodeLadderMustEndAtOffice,
			fmt.Sprintf("the last level must be held by %q", domain.RoleMinisterOffice))
	}

	if !p.ObjectionWindow.Positive() {
		add("objection_window", CodeMustBePositive, "objection window must be greater than zero")
	}
	if !p.ObjectionReview.Positive() {
		add("objection_review", CodeMustBePositive, "objection review allowance must be greater than zero")
	}
	for _, a := range []struct {
		field string
		v     Allowance
	}{{"info_reply_window", p.InfoReplyWindow}, {"survey_window", p.SurveyWindow}, {"follow_up_allowance", p.FollowUpAllowance},
		{"meetings.min_notice", p.Meetings.MinNotice}, {"meetings.confirm_window", p.Meetings.ConfirmWindow},
		{"meetings.confirm_cutoff", p.Meetings.ConfirmCutoff}, {"meetings.reminder_lead", p.Meetings.ReminderLead},
		{"meetings.attendance_grace", p.Meetings.AttendanceGrace}} {
		if !a.v.IsZero() && !a.v.Positive() {
			add(a.field, CodeMustBePositive, a.field+" must be greater than zero")
		}
	}
	return errs
}

// Default is the ministry's starting policy, used until an administrator saves
// one. Version 0: the policy store assigns versions.
func Default() Policy {
	a := MustParseAllowance
	type row struct {
		kind                 domain.Kind
		normal, high, urgent string
	}
	// High is about half of normal; urgent runs around the clock, reports
	// (possible safety issues) fastest.
	rows := []row{
		{domain.KindInquiry, "2d", "1d", "4h"},
		{domain.KindComplaint, "3d", "1d4h", "4h"},
		{domain.KindSuggestion, "5d", "2d4h", "8h"},
		{domain.KindReport, "1d", "4h", "2h"},
		{domain.KindConsultation, "3d", "1d4h", "6h"},
		{domain.KindMeetingRequest, "5d", "2d4h", "8h"},
	}
	var responses []ResponseRule
	for _, r := range rows {
		responses = append(responses,
			ResponseRule{Kind: r.kind, Priority: domain.PriorityNormal, Allowance: a(r.normal), Clock: ClockBusiness},
			ResponseRule{Kind: r.kind, Priority: domain.PriorityHigh, Allowance: a(r.high), Clock: ClockBusiness},
			ResponseRule{Kind: r.kind, Priority: domain.PriorityUrgent, Allowance: a(r.urgent), Clock: ClockAroundTheClock},
		)
	}
	return Policy{
		Calendar:  RiyadhCalendar(),
		Responses: responses,
		Ladder: []Level{
			{Role: domain.RoleCareCenterManager, Allowance: a("1d")},
			{Role: domain.RoleEntityHead, Allowance: a("1d")},
			{Role: domain.RoleSectorOfficial, Allowance: a("2d")},
			{Role: domain.RoleSupervisor, Allowance: a("2d")},
			{Role: domain.RoleMinisterOffice, Allowance: a("3d")},
		},
		ObjectionWindow:   a("5d"),
		ObjectionReview:   a("3d"),
		InfoReplyWindow:   DefaultInfoReplyWindow,
		SurveyWindow:      DefaultSurveyWindow,
		FollowUpAllowance: DefaultFollowUpAllowance,
		Meetings:          DefaultMeetingRules,
	}
}

// DefaultMeetingRules: a slot two days ahead at least, three days to accept
// it (and no later than a day before it), the reminder the day before, the
// attendance asked for the day after.
var DefaultMeetingRules = MeetingRules{
	MinNotice: Allowance{Days: 2}, ConfirmWindow: Allowance{Days: 3}, ConfirmCutoff: Allowance{Days: 1},
	ReminderLead: Allowance{Days: 1}, AttendanceGrace: Allowance{Days: 1},
}

// MeetingTimes are a policy's meeting rules as durations, defaults filled in.
type MeetingTimes struct {
	MinNotice, ConfirmWindow, ConfirmCutoff, ReminderLead, AttendanceGrace time.Duration
}

// MeetingTimes reads the meeting rules (24x7, so an allowance is a plain
// duration), a zero field taking DefaultMeetingRules'.
func (p Policy) MeetingTimes() MeetingTimes {
	d := func(a, def Allowance) time.Duration {
		if a.IsZero() {
			a = def
		}
		return time.Duration(a.Days)*24*time.Hour + a.Duration
	}
	m, def := p.Meetings, DefaultMeetingRules
	return MeetingTimes{
		MinNotice: d(m.MinNotice, def.MinNotice), ConfirmWindow: d(m.ConfirmWindow, def.ConfirmWindow),
		ConfirmCutoff: d(m.ConfirmCutoff, def.ConfirmCutoff), ReminderLead: d(m.ReminderLead, def.ReminderLead),
		AttendanceGrace: d(m.AttendanceGrace, def.AttendanceGrace),
	}
}

// Defaults of the allowances a policy saved before they existed leaves unset.
var (
	DefaultSurveyWindow      = Allowance{Days: 7}
	DefaultFollowUpAllowance = Allowance{Days: 3}
)

// SurveyDeadline is until when a ticket closed at closed may be rated (24x7).
func (p Policy) SurveyDeadline(closed time.Time) (time.Time, error) {
	w := p.SurveyWindow
	if w.IsZero() {
		w = DefaultSurveyWindow
	}
	return p.Calendar.Due(closed, w, ClockAroundTheClock)
}

// FollowUpDue is when a quality follow-up opened at opened is due (business clock).
func (p Policy) FollowUpDue(opened time.Time) (time.Time, error) {
	a := p.FollowUpAllowance
	if a.IsZero() {
		a = DefaultFollowUpAllowance
	}
	return p.Calendar.Due(opened, a, ClockBusiness)
}

// DefaultInfoReplyWindow is the information reply window of a policy that
// sets none.
var DefaultInfoReplyWindow = Allowance{Days: 5}

// InfoReplyDeadline is when a beneficiary asked for information at asked
// must have answered (24x7).
func (p Policy) InfoReplyDeadline(asked time.Time) (time.Time, error) {
	w := p.InfoReplyWindow
	if w.IsZero() {
		w = DefaultInfoReplyWindow
	}
	return p.Calendar.Due(asked, w, ClockAroundTheClock)
}
