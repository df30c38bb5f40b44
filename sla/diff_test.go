package sla

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func TestDiff(t *testing.T) {
	eid := Holiday{From: "2026-03-19", To: "2026-03-23", Name: "عيد الفطر"}
	national := Holiday{From: "2026-09-23", To: "2026-09-23", Name: "اليوم الوطني"}
	base := func() Policy {
		p := Default()
		p.Calendar.Holidays = []Holiday{national, eid}
		return p
	}
	a := MustParseAllowance
	rule := func(p *Policy, k domain.Kind, pr domain.Priority) *ResponseRule {
		for i := range p.Responses {
			if p.Responses[i].Kind == k && p.Responses[i].Priority == pr {
				return &p.Responses[i]
			}
		}
		t.Fatalf("no rule %s/%s", k, pr)
		return nil
	}
	for _, c := range []struct {
		name string
		edit func(p *Policy)
		want []Change
	}{
		{name: "identical", edit: func(*Policy) {}, want: nil},
		{name: "metadata is not compared", edit: func(p *Policy) {
			p.Version, p.CreatedBy, p.Reason, p.CreatedAt = 9, "admin", "لماذا", time.Now()
		}, want: nil},
		{name: "one response allowance", edit: func(p *Policy) {
			rule(p, domain.KindComplaint, domain.PriorityHigh).Allowance = a("2d")
		}, want: []Change{{Path: "responses[kind=complaint,priority=high].allowance", From: a("1d4h"), To: a("2d")}}},
		{name: "a clock and an allowance of one rule, in field order", edit: func(p *Policy) {
			r := rule(p, domain.KindReport, domain.PriorityUrgent)
			r.Clock, r.Allowance = ClockBusiness, a("1h")
		}, want: []Change{
			{Path: "responses[kind=report,priority=urgent].allowance", From: a("2h"), To: a("1h")},
			{Path: "responses[kind=report,priority=urgent].clock", From: ClockAroundTheClock, To: ClockBusiness},
		}},
		{name: "rules reordered are the same rules", edit: func(p *Policy) {
			for i, j := 0, len(p.Responses)-1; i < j; i, j = i+1, j-1 {
				p.Responses[i], p.Responses[j] = p.Responses[j], p.Responses[i]
			}
		}, want: nil},
		{name: "rules keep the grid order whatever the list order", edit: func(p *Policy) {
			rule(p, domain.KindMeetingRequest, domain.PriorityNormal).Allowance = a("4d")
			rule(p, domain.KindInquiry, domain.PriorityUrgent).Allowance = a("3h")
			rule(p, domain.KindInquiry, domain.PriorityNormal).Allowance = a("1d")
		}, want: []Change{
			{Path: "responses[kind=inquiry,priority=normal].allowance", From: a("2d"), To: a("1d")},
			{Path: "responses[kind=inquiry,priority=urgent].allowance", From: a("4h"), To: a("3h")},
			{Path: "responses[kind=meeting_request,priority=normal].allowance", From: a("5d"), To: a("4d")},
		}},
		{name: "a rule removed", edit: func(p *Policy) {
			p.Responses = p.Responses[1:]
		}, want: []Change{{Path: "responses[kind=inquiry,priority=normal]",
			From: ResponseRule{Kind: domain.KindInquiry, Priority: domain.PriorityNormal, Allowance: a("2d"), Clock: ClockBusiness}}}},
		{name: "a holiday added sorts by date; a renamed one changes its name", edit: func(p *Policy) {
			p.Calendar.Holidays = []Holiday{
				{From: "2026-09-23", To: "2026-09-23", Name: "National Day"},
				eid,
				{From: "2026-05-25", To: "2026-05-30", Name: "عيد الأضحى"},
			}
		}, want: []Change{
			{Path: "calendar.holidays[from=2026-05-25,to=2026-05-30]", To: Holiday{From: "2026-05-25", To: "2026-05-30", Name: "عيد الأضحى"}},
			{Path: "calendar.holidays[from=2026-09-23,to=2026-09-23].name", From: "اليوم الوطني", To: "National Day"},
		}},
		{name: "a holiday moved is one removed and one added", edit: func(p *Policy) {
			p.Calendar.Holidays = []Holiday{national, {From: "2026-03-20", To: "2026-03-24", Name: eid.Name}}
		}, want: []Change{
			{Path: "calendar.holidays[from=2026-03-19,to=2026-03-23]", From: eid},
			{Path: "calendar.holidays[from=2026-03-20,to=2026-03-24]", To: Holiday{From: "2026-03-20", To: "2026-03-24", Name: eid.Name}},
		}},
		{name: "calendar fields; work days compared as a set", edit: func(p *Policy) {
			p.Calendar.WorkDays = []time.Weekday{time.Thursday, time.Wednesday, time.Tuesday, time.Monday, time.Sunday}
			p.Calendar.OpensAt, p.Calendar.ClosesAt, p.Calendar.TimeZone = "07:30", "14:30", "Asia/Aden"
		}, want: []Change{
			{Path: "calendar.time_zone", From: "Asia/Riyadh", To: "Asia/Aden"},
			{Path: "calendar.opens_at", From: "08:00", To: "07:30"},
			{Path: "calendar.closes_at", From: "15:00", To: "14:30"},
		}},
		{name: "a work day added", edit: func(p *Policy) {
			p.Calendar.WorkDays = append(p.Calendar.WorkDays, time.Saturday)
		}, want: []Change{{Path: "calendar.work_days",
			From: []time.Weekday{0, 1, 2, 3, 4}, To: []time.Weekday{0, 1, 2, 3, 4, 6}}}},
		{name: "ladder by position", edit: func(p *Policy) {
			p.Ladder[2].Role = domain.RoleSupervisor
			p.Ladder[2].Allowance = a("1d")
			p.Ladder = append(p.Ladder[:3], p.Ladder[4])
		}, want: []Change{
			{Path: "ladder[2].role", From: domain.RoleSectorOfficial, To: domain.RoleSupervisor},
			{Path: "ladder[2].allowance", From: a("2d"), To: a("1d")},
			{Path: "ladder[3].role", From: domain.RoleSupervisor, To: domain.RoleMinisterOffice},
			{Path: "ladder[3].allowance", From: a("2d"), To: a("3d")},
			{Path: "ladder[4]", From: Level{Role: domain.RoleMinisterOffice, Allowance: a("3d")}},
		}},
		{name: "objection window and review", edit: func(p *Policy) {
			p.ObjectionWindow, p.ObjectionReview = a("7d"), a("2d")
		}, want: []Change{
			{Path: "objection_window", From: a("5d"), To: a("7d")},
			{Path: "objection_review", From: a("3d"), To: a("2d")},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			from, to := base(), base()
			c.edit(&to)
			got := Diff(from, to)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Diff:\n got %+v\nwant %+v", got, c.want)
			}
			// The way back lists the same paths with the values swapped.
			back := Diff(to, from)
			if len(back) != len(got) {
				t.Fatalf("Diff back has %d changes, forward %d: %+v", len(back), len(got), back)
			}
			for i := range back {
				if back[i].Path != got[i].Path || !reflect.DeepEqual(back[i].From, got[i].To) || !reflect.DeepEqual(back[i].To, got[i].From) {
					t.Fatalf("Diff back[%d] = %+v, forward %+v", i, back[i], got[i])
				}
			}
		})
	}
}

func TestDiffJSON(t *testing.T) {
	p := Default()
	q := Default()
	q.ObjectionWindow = MustParseAllowance("7d")
	q.Ladder = q.Ladder[:4]
	b, err := json.Marshal(Diff(p, q))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"path":"ladder[4]","from":{"role":"minister_office","allowance":"3d"},"to":null},` +
		`{"path":"objection_window","from":"5d","to":"7d"}]`
	if string(b) != want {
		t.Fatalf("JSON %s\nwant %s", b, want)
	}
}
