package sla

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	p := Default()
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatalf("Default().Validate() = %v", errs)
	}
	if p.Version != 0 {
		t.Fatalf("Default().Version = %d, want 0 (the store assigns versions)", p.Version)
	}
	// Spot-check the published numbers.
	for _, c := range []struct {
		k     domain.Kind
		pr    domain.Priority
		a     string
		clock Clock
	}{
		{domain.KindInquiry, domain.PriorityNormal, "2d", ClockBusiness},
		{domain.KindComplaint, domain.PriorityNormal, "3d", ClockBusiness},
		{domain.KindSuggestion, domain.PriorityNormal, "5d", ClockBusiness},
		{domain.KindReport, domain.PriorityNormal, "1d", ClockBusiness},
		{domain.KindConsultation, domain.PriorityNormal, "3d", ClockBusiness},
		{domain.KindMeetingRequest, domain.PriorityNormal, "5d", ClockBusiness},
		{domain.KindReport, domain.PriorityUrgent, "2h", ClockAroundTheClock},
	} {
		r, ok := p.Rule(c.k, c.pr)
		if !ok || r.Allowance.String() != c.a || r.Clock != c.clock {
			t.Errorf("Rule(%s, %s) = %+v, %v; want %s on %s", c.k, c.pr, r, ok, c.a, c.clock)
		}
	}
	// High must be faster than normal, urgent must run 24x7.
	for _, k := range domain.Kinds() {
		n, _ := p.Rule(k, domain.PriorityNormal)
		h, _ := p.Rule(k, domain.PriorityHigh)
		u, _ := p.Rule(k, domain.PriorityUrgent)
		ln, _ := p.Calendar.WorkingLength(n.Allowance, n.Clock)
		lh, _ := p.Calendar.WorkingLength(h.Allowance, h.Clock)
		if lh >= ln {
			t.Errorf("%s: high %s is not shorter than normal %s", k, h.Allowance, n.Allowance)
		}
		if u.Clock != ClockAroundTheClock {
			t.Errorf("%s: urgent clock = %s", k, u.Clock)
		}
	}
	if got := p.Ladder[len(p.Ladder)-1].Role; got != domain.RoleMinisterOffice {
		t.Errorf("ladder ends at %s", got)
	}
}

func TestFirstResponseDue(t *testing.T) {
	p := Default()
	filed := at(6, 5, 14, 0) // Thursday afternoon
	due, clock, err := p.FirstResponseDue(filed, domain.KindInquiry, domain.PriorityNormal)
	if err != nil || clock != ClockBusiness || !due.Equal(at(6, 9, 14, 0)) {
		t.Fatalf("inquiry/normal = %s, %s, %v; want Monday 14:00 business", due.In(riyadhZone), clock, err)
	}
	due, clock, err = p.FirstResponseDue(filed, domain.KindReport, domain.PriorityUrgent)
	if err != nil || clock != ClockAroundTheClock || !due.Equal(at(6, 5, 16, 0)) {
		t.Fatalf("report/urgent = %s, %s, %v; want Thursday 16:00 24x7", due.In(riyadhZone), clock, err)
	}
	_, _, err = p.FirstResponseDue(filed, "gossip", domain.PriorityNormal)
	if !errors.Is(err, ErrNoRule) {
		t.Fatalf("unknown kind error = %v, want ErrNoRule", err)
	}
	p.Calendar.TimeZone = "Nowhere/Atlantis"
	if _, _, err = p.FirstResponseDue(filed, domain.KindInquiry, domain.PriorityNormal); err == nil {
		t.Fatal("invalid calendar: want error")
	}
}

func TestObjectionDeadline(t *testing.T) {
	p := Default()
	answered := at(6, 5, 14, 0)
	got, err := p.ObjectionDeadline(answered)
	if err != nil || !got.Equal(answered.Add(5*24*time.Hour)) {
		t.Fatalf("ObjectionDeadline = %s, %v; want 5×24h later", got, err)
	}
}

func TestRuleFirstWins(t *testing.T) {
	p := Default()
	dup := ResponseRule{Kind: domain.KindInquiry, Priority: domain.PriorityNormal, Allowance: Allowance{Days: 9}, Clock: ClockBusiness}
	p.Responses = append(p.Responses, dup)
	if r, _ := p.Rule(domain.KindInquiry, domain.PriorityNormal); r.Allowance.Days != 2 {
		t.Fatalf("Rule picked %+v, want the first listed", r)
	}
}

func TestPolicyValidate(t *testing.T) {
	type want struct{ field, code string }
	role := func(rs ...domain.Role) []Level {
		var l []Level
		for _, r := range rs {
			l = append(l, Level{Role: r, Allowance: Allowance{Days: 1}})
		}
		return l
	}
	indexOf := func(p *Policy, k domain.Kind, pr domain.Priority) int {
		return slices.IndexFunc(p.Responses, func(r ResponseRule) bool { return r.Kind == k && r.Priority == pr })
	}
	tests := []struct {
		name   string
		mutate func(*Policy)
		want   []want
	}{
		{"default", func(*Policy) {}, nil},
		{"calendar errors are included", func(p *Policy) { p.Calendar.TimeZone = "Mars/Olympus" },
			[]want{{"calendar.time_zone", "invalid_time_zone"}}},
		{"responses required", func(p *Policy) { p.Responses = nil }, []want{{"responses", "required"}}},
		{"missing rule", func(p *Policy) {
			i := indexOf(p, domain.KindComplaint, domain.PriorityHigh)
			p.Responses = slices.Delete(p.Responses, i, i+1)
		}, []want{{"responses", "missing_rule"}}},
		{"duplicate rule", func(p *Policy) { p.Responses = append(p.Responses, p.Responses[4]) },
			[]want{{"responses[18]", "duplicate_rule"}}},
		{"invalid kind", func(p *Policy) { p.Responses[0].Kind = "gossip" },
			[]want{{"responses[0].kind", "invalid_kind"}, {"responses", "missing_rule"}}},
		{"kind required", func(p *Policy) { p.Responses[0].Kind = "" },
			[]want{{"responses[0].kind", "required"}, {"responses", "missing_rule"}}},
		{"invalid priority", func(p *Policy) { p.Responses[1].Priority = "whenever" },
			[]want{{"responses[1].priority", "invalid_priority"}, {"responses", "missing_rule"}}},
		{"clock required", func(p *Policy) { p.Responses[2].Clock = "" },
			[]want{{"responses[2].clock", "required"}}},
		{"invalid clock", func(p *Policy) { p.Responses[2].Clock = "lunar" },
			[]want{{"responses[2].clock", "invalid_clock"}}},
		{"zero allowance", func(p *Policy) { p.Responses[3].Allowance = Allowance{} },
			[]want{{"responses[3].allowance", "must_be_positive"}}},
		{"negative allowance", func(p *Policy) { p.Responses[3].Allowance = Allowance{Days: 1, Duration: -time.Hour} },
			[]want{{"responses[3].allowance", "must_be_positive"}}},
		{"ladder required", func(p *Policy) { p.Ladder = nil }, []want{{"ladder", "required"}}},
		{"ladder may skip levels", func(p *Policy) {
			p.Ladder = role(domain.RoleSupervisor, domain.RoleMinisterOffice)
		}, nil},
		{"ladder of one", func(p *Policy) { p.Ladder = role(domain.RoleMinisterOffice) }, nil},
		{"ladder role not a ladder role", func(p *Policy) { p.Ladder[0].Role = domain.RoleAgent },
			[]want{{"ladder[0].role", "invalid_role"}}},
		{"ladder role required", func(p *Policy) { p.Ladder[1].Role = "" },
			[]want{{"ladder[1].role", "required"}}},
		{"ladder duplicate role", func(p *Policy) {
			p.Ladder = role(domain.RoleCareCenterManager, domain.RoleCareCenterManager, domain.RoleMinisterOffice)
		}, []want{{"ladder[1].role", "duplicate_role"}}},
		{"ladder out of order", func(p *Policy) {
			p.Ladder = role(domain.RoleEntityHead, domain.RoleCareCenterManager, domain.RoleMinisterOffice)
		}, []want{{"ladder[1].role", "ladder_out_of_order"}}},
		{"ladder must end at minister office", func(p *Policy) {
			p.Ladder = role(domain.RoleCareCenterManager, domain.RoleEntityHead)
		}, []want{{"ladder", "ladder_must_end_at_minister_office"}}},
		{"ladder minister office twice", func(p *Policy) {
			p.Ladder = role(domain.RoleMinisterOffice, domain.RoleMinisterOffice)
		}, []want{{"ladder[1].role", "duplicate_role"}}},
		{"ladder allowance", func(p *Policy) { p.Ladder[2].Allowance = Allowance{} },
			[]want{{"ladder[2].allowance", "must_be_positive"}}},
		{"objection window", func(p *Policy) { p.ObjectionWindow = Allowance{} },
			[]want{{"objection_window", "must_be_positive"}}},
		{"objection review", func(p *Policy) { p.ObjectionReview = Allowance{Days: -3} },
			[]want{{"objection_review", "must_be_positive"}}},
		{"several at once, in field order", func(p *Policy) {
			p.Calendar.OpensAt = "9"
			p.Responses[0].Clock = "x"
			p.Ladder[0].Allowance = Allowance{}
			p.ObjectionReview = Allowance{}
		}, []want{
			{"calendar.opens_at", "invalid_time"},
			{"responses[0].clock", "invalid_clock"},
			{"ladder[0].allowance", "must_be_positive"},
			{"objection_review", "must_be_positive"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Default()
			tt.mutate(&p)
			var got []want
			for _, e := range p.Validate() {
				if e.Message == "" {
					t.Errorf("%s/%s has no message", e.Field, e.Code)
				}
				if !slices.Contains(ValidationCodes(), e.Code) {
					t.Errorf("%s/%s: code missing from ValidationCodes", e.Field, e.Code)
				}
				got = append(got, want{e.Field, e.Code})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Validate() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMissingRuleNamesTheCell(t *testing.T) {
	p := Default()
	p.Responses = p.Responses[:len(p.Responses)-1] // drops meeting_request/urgent
	errs := p.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Message, `"meeting_request"`) || !strings.Contains(errs[0].Message, `"urgent"`) {
		t.Fatalf("Validate() = %v", errs)
	}
	// The API words the message in the reader's language from the args.
	if !slices.Equal(errs[0].Args, []string{"meeting_request", "urgent"}) {
		t.Fatalf("Args = %q, want the kind and priority", errs[0].Args)
	}
}

func TestValidationErrorsAsError(t *testing.T) {
	err := error(ValidationErrors{{Field: "a", Code: "required", Message: "a is required"}, {Field: "b", Code: "x", Message: "b is bad"}})
	if got := err.Error(); got != "a: a is required; b: b is bad" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestPolicyJSONRoundTrip(t *testing.T) {
	in := Default()
	in.Version = 7
	in.CreatedAt = time.Date(2025, 6, 1, 7, 30, 0, 0, time.UTC)
	in.CreatedBy = "admin@moe.gov.sa"
	in.Calendar = eidCalendar()

	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"allowance":"1d4h"`, `"objection_window":"5d"`, `"clock":"24x7"`, `"work_days":[0,1,2,3,4]`, `"time_zone":"Asia/Riyadh"`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("JSON lacks %s: %s", frag, b)
		}
	}
	var out Policy
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip differs:\n in: %+v\nout: %+v", in, out)
	}
	if errs := out.Validate(); len(errs) != 0 {
		t.Fatalf("decoded policy invalid: %v", errs)
	}

	bad := strings.Replace(string(b), `"objection_window":"5d"`, `"objection_window":"five days"`, 1)
	if err := json.Unmarshal([]byte(bad), &out); !errors.Is(err, ErrInvalidAllowance) {
		t.Fatalf("bad allowance decode error = %v", err)
	}
}
