package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// policyForm is the form of a new version as the page sends it: the
// default policy, complaint × normal (the grid's fourth cell) set to cell.
func policyForm(cell, reason string) url.Values {
	p := sla.Default()
	f := url.Values{"base": {"0"}, "reason": {reason}, "calendar.time_zone": {p.Calendar.TimeZone},
		"calendar.opens_at": {p.Calendar.OpensAt}, "calendar.closes_at": {p.Calendar.ClosesAt},
		"objection_window": {p.ObjectionWindow.String()}, "objection_review": {p.ObjectionReview.String()}}
	for _, d := range p.Calendar.WorkDays {
		f.Add("calendar.work_days", strconv.Itoa(int(d)))
	}
	i := 0
	for _, k := range domain.Kinds() {
		for _, pr := range domain.Priorities() {
			r, _ := p.Rule(k, pr)
			name := fmt.Sprintf("responses[%d]", i)
			f.Set(name+".allowance", r.Allowance.String())
			f.Set(name+".clock", string(r.Clock))
			i++
		}
	}
	for i, l := range p.Ladder {
		name := fmt.Sprintf("ladder[%d]", i)
		f.Set(name+".role", string(l.Role))
		f.Set(name+".allowance", l.Allowance.String())
	}
	f.Set("responses[3].allowance", cell)
	return f
}

// TestPolicyForm: a time that is not an allowance is the form again (422)
// with the error at its field and nothing saved; a valid form saves a
// version by the administrator and goes to its page.
func TestPolicyForm(t *testing.T) {
	f := newFixture(t, false)
	admin := f.signIn(t, "admin")
	rec := f.do("POST", "/policies", policyForm("3x", "a shorter allowance"), admin)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="responses-3-allowance-error"`) {
		t.Fatalf("an allowance of 3x: HTTP %d\n%s", rec.Code, rec.Body)
	}
	if _, err := f.store.CurrentPolicy(context.Background()); err == nil {
		t.Fatal("a refused form saved a version")
	}
	rec = f.do("POST", "/policies", policyForm("2d4h", "x"), admin)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="reason-error"`) {
		t.Fatalf("a reason of one letter: HTTP %d", rec.Code)
	}
	rec = f.do("POST", "/policies", policyForm("2d4h", "a shorter allowance"), admin)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/policies/1?done=saved" {
		t.Fatalf("a valid form: HTTP %d to %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	p, err := f.store.CurrentPolicy(context.Background())
	if r, _ := p.Rule(domain.KindComplaint, domain.PriorityNormal); err != nil || r.Allowance.String() != "2d4h" || p.CreatedBy != "user:admin" {
		t.Fatalf("saved %+v by %q (%v)", r, p.CreatedBy, err)
	}
}

// TestPolicyPagesRoles: supervisors read the policy but do not write it;
// coordinators do not see it; a roll-out's panel whose progress is unknown
// asks again by itself.
func TestPolicyPagesRoles(t *testing.T) {
	f := newFixture(t, false)
	if _, err := f.store.EnsurePolicy(context.Background(), sla.Default()); err != nil {
		t.Fatal(err)
	}
	supervisor, coordinator := f.signIn(t, "supervisor"), f.signIn(t, "coordinator")
	for _, c := range []struct {
		method, path string
		who          string
		want         int
	}{
		{"GET", "/policies", "supervisor", http.StatusOK},
		{"GET", "/policies/1", "supervisor", http.StatusOK},
		{"GET", "/policies/diff?a=1&b=1", "supervisor", http.StatusOK},
		{"GET", "/policies/new", "supervisor", http.StatusForbidden},
		{"POST", "/policies", "supervisor", http.StatusForbidden},
		{"POST", "/policies/1/rollout", "supervisor", http.StatusForbidden},
		{"GET", "/policies/1/preview", "supervisor", http.StatusForbidden},
		{"GET", "/policies", "coordinator", http.StatusForbidden},
		{"GET", "/policies/9", "supervisor", http.StatusNotFound},
	} {
		cookies := supervisor
		if c.who == "coordinator" {
			cookies = coordinator
		}
		if rec := f.do(c.method, c.path, url.Values{}, cookies); rec.Code != c.want {
			t.Errorf("%s %s as %s: HTTP %d, want %d", c.method, c.path, c.who, rec.Code, c.want)
		}
	}
	rec := f.do("GET", "/policies/1/rollout", nil, supervisor)
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, `hx-trigger="every `) {
		t.Errorf("the panel of an unknown roll-out: HTTP %d, does not ask again\n%s", rec.Code, body)
	}
}
