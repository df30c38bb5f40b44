package sla

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// Change is one difference between two policy versions. Path names the part
// that differs; From is nil for what was added, To nil for what was removed.
type Change struct {
	Path string `json:"path"`
	From any    `json:"from"`
	To   any    `json:"to"`
}

// Diff lists what changes from a to b, in a fixed order: the calendar, the
// response rules, the ladder, the objection window and review. Response rules
// are matched by kind and priority ("responses[kind=complaint,priority=high]"),
// holidays by their date range ("calendar.holidays[from=2026-03-19,to=2026-03-23]"),
// ladder rungs by position ("ladder[2]", counted from 0 like validation's
// field paths); a part present on one side only is one change holding the
// whole part. Version, author, time and reason are what a version is, not
// what it says, and are not compared.
func Diff(a, b Policy) []Change {
	var out []Change
	add := func(path string, from, to any) { out = append(out, Change{Path: path, From: from, To: to}) }
	same := func(path string, from, to any) {
		if from != to {
			add(path, from, to)
		}
	}

	ca, cb := a.Calendar, b.Calendar
	same("calendar.time_zone", ca.TimeZone, cb.TimeZone)
	// Work days are a set: the order they are listed in means nothing.
	if wa, wb := weekdaySet(ca.WorkDays), weekdaySet(cb.WorkDays); !slices.Equal(wa, wb) {
		add("calendar.work_days", wa, wb)
	}
	same("calendar.opens_at", ca.OpensAt, cb.OpensAt)
	same("calendar.closes_at", ca.ClosesAt, cb.ClosesAt)
	out = append(out, diffKeyed("calendar.holidays", ca.Holidays, cb.Holidays, holidayKey, compareHolidayKeys,
		func(path string, x, y Holiday) []Change {
			if x.Name == y.Name {
				return nil
			}
			return []Change{{Path: path + ".name", From: x.Name, To: y.Name}}
		})...)

	out = append(out, diffKeyed("responses", a.Responses, b.Responses, ruleKey, compareRuleKeys,
		func(path string, x, y ResponseRule) []Change {
			var cs []Change
			if x.Allowance != y.Allowance {
				cs = append(cs, Change{Path: path + ".allowance", From: x.Allowance, To: y.Allowance})
			}
			if x.Clock != y.Clock {
				cs = append(cs, Change{Path: path + ".clock", From: x.Clock, To: y.Clock})
			}
			return cs
		})...)

	for i := range max(len(a.Ladder), len(b.Ladder)) {
		path := fmt.Sprintf("ladder[%d]", i)
		switch {
		case i >= len(a.Ladder):
			add(path, nil, b.Ladder[i])
		case i >= len(b.Ladder):
			add(path, a.Ladder[i], nil)
		default:
			same(path+".role", a.Ladder[i].Role, b.Ladder[i].Role)
			same(path+".allowance", a.Ladder[i].Allowance, b.Ladder[i].Allowance)
		}
	}

	same("objection_window", a.ObjectionWindow, b.ObjectionWindow)
	same("objection_review", a.ObjectionReview, b.ObjectionReview)
	same("info_reply_window", a.InfoReplyWindow, b.InfoReplyWindow)
	same("transfer_restarts_sla", a.TransferRestartsSLA, b.TransferRestartsSLA)
	same("survey_window", a.SurveyWindow, b.SurveyWindow)
	same("follow_up_allowance", a.FollowUpAllowance, b.FollowUpAllowance)
	same("meetings.min_notice", a.Meetings.MinNotice, b.Meetings.MinNotice)
	same("meetings.confirm_window", a.Meetings.ConfirmWindow, b.Meetings.ConfirmWindow)
	same("meetings.confirm_cutoff", a.Meetings.ConfirmCutoff, b.Meetings.ConfirmCutoff)
	same("meetings.reminder_lead", a.Meetings.ReminderLead, b.Meetings.ReminderLead)
	same("meetings.attendance_grace", a.Meetings.AttendanceGrace, b.Meetings.AttendanceGrace)
	return out
}

// diffKeyed compares two lists whose entries are identified by a key rather
// than by position: entries only in a are removed, only in b added, and
// entries in both are compared by inner. Keys come out in cmpKey order; an
// entry listed twice under one key counts once, the first (as Policy.Rule
// reads it).
func diffKeyed[T any, K interface {
	comparable
	String() string
}](prefix string, a, b []T, key func(T) K, cmpKey func(K, K) int,
	inner func(path string, x, y T) []Change) []Change {
	first := func(list []T, k K) (T, bool) {
		for _, v := range list {
			if key(v) == k {
				return v, true
			}
		}
		var zero T
		return zero, false
	}
	var keys []K
	for _, list := range [][]T{a, b} {
		for _, v := range list {
			if k := key(v); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.SortStableFunc(keys, cmpKey)
	var out []Change
	for _, k := range keys {
		x, inA := first(a, k)
		y, inB := first(b, k)
		path := prefix + k.String()
		switch {
		case !inA:
			out = append(out, Change{Path: path, To: y})
		case !inB:
			out = append(out, Change{Path: path, From: x})
		default:
			out = append(out, inner(path, x, y)...)
		}
	}
	return out
}

type holidayRange struct{ from, to string }

type ruleCell struct {
	kind     domain.Kind
	priority domain.Priority
}

func holidayKey(h Holiday) holidayRange { return holidayRange{h.From, h.To} }

func ruleKey(r ResponseRule) ruleCell { return ruleCell{r.Kind, r.Priority} }

func (k holidayRange) String() string { return fmt.Sprintf("[from=%s,to=%s]", k.from, k.to) }

func (k ruleCell) String() string { return fmt.Sprintf("[kind=%s,priority=%s]", k.kind, k.priority) }

// compareHolidayKeys orders holidays by date; YYYY-MM-DD sorts as text.
func compareHolidayKeys(x, y holidayRange) int {
	return cmp.Or(cmp.Compare(x.from, y.from), cmp.Compare(x.to, y.to))
}

// compareRuleKeys orders rules like the validation grid (domain.Kinds() ×
// domain.Priorities()), any unknown kind or priority after the known ones.
func compareRuleKeys(x, y ruleCell) int {
	rank := func(i int) int {
		if i < 0 {
			return 1 << 30
		}
		return i
	}
	kinds, prios := domain.Kinds(), domain.Priorities()
	return cmp.Or(
		cmp.Compare(rank(slices.Index(kinds, x.kind)), rank(slices.Index(kinds, y.kind))),
		cmp.Compare(x.kind, y.kind),
		cmp.Compare(rank(slices.Index(prios, x.priority)), rank(slices.Index(prios, y.priority))),
		cmp.Compare(x.priority, y.priority),
	)
}

func weekdaySet(days []time.Weekday) []time.Weekday {
	s := slices.Clone(days)
	slices.Sort(s)
	return slices.Compact(s)
}
