package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/policies"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/web/views"
)

// fieldInvalidAllowance is a time that does not read as an allowance ("1d4h").
const fieldInvalidAllowance = "invalid_allowance"

// policyNew is the form of a new version: the current one to edit (the
// ministry's default before any is stored).
func (w *Web) policyNew(c *gin.Context) error {
	base, err := w.policies.Current(c.Request.Context())
	if r, ok := refusal.As(err); ok && r.Kind == refusal.NotFound {
		base = sla.Default()
	} else if err != nil {
		return err
	}
	base.Reason = "" // the new version's own, to be written
	return w.policyForm(c, http.StatusOK, base, nil, nil)
}

// policySave stores the form as a new version through the same use case as
// PUT /api/v1/policies (policies.Service.Save: the reason, validation, the
// audit entry). Refused, the form again with each error at its field and
// nothing saved; saved, the new version's page.
func (w *Web) policySave(c *gin.Context) error {
	p, raw, bad, err := w.readPolicyForm(c)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		// What did not parse is shown beside what else Save would refuse.
		return w.policyForm(c, http.StatusUnprocessableEntity, p, raw, append(bad, policies.Check(p)...))
	}
	saved, err := w.policies.Save(c.Request.Context(), actingActor(c), p)
	if r, ok := refusal.As(err); ok && len(r.Fields) > 0 {
		return w.policyForm(c, http.StatusUnprocessableEntity, p, raw, r.Fields)
	} else if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/policies/"+strconv.Itoa(saved.Version)+"?done=saved")
	return nil
}

// policyForm renders the form of p, with what did not parse as it was
// typed (raw) and the refused fields at theirs; a fault of no field on the
// form (a rule missing from the grid) is listed above it.
func (w *Web) policyForm(c *gin.Context, status int, p sla.Policy, raw map[string]string, fields []refusal.Field) error {
	l := langOf(c)
	f := views.PolicyForm{PolicyBody: policyBody(l, p, raw), Base: p.Version, Reason: p.Reason, Errors: views.FieldErrors{}}
	if v, err := strconv.Atoi(c.PostForm("base")); err == nil {
		f.Base = v
	}
	// One empty row to add a holiday in.
	f.Holidays = append(f.Holidays, views.Holiday{Field: fmt.Sprintf("calendar.holidays[%d]", len(f.Holidays))})
	on := formInputs(f)
	for _, fe := range fields {
		if _, seen := f.Errors[fe.Name]; seen {
			continue // what did not parse says more than "must be positive"
		}
		msg := fieldMessage(l, fe)
		if on[fe.Name] {
			f.Errors[fe.Name] = msg
		} else {
			f.Problems = append(f.Problems, msg)
		}
	}
	return render(c, status, views.PolicyFormPage(w.page(c, "policy.new", "policy"), f))
}

// formInputs are the names of the form's inputs, where an error can stand.
func formInputs(f views.PolicyForm) map[string]bool {
	on := map[string]bool{"reason": true, "objection_window": true, "objection_review": true,
		"calendar.opens_at": true, "calendar.closes_at": true, "calendar.work_days": true}
	for _, r := range f.Grid {
		for _, cell := range r.Cells {
			on[cell.Name+".allowance"], on[cell.Name+".clock"] = true, true
		}
	}
	for _, r := range f.Ladder {
		on[r.Name+".allowance"], on[r.Name+".role"] = true, true
	}
	for _, h := range f.Holidays {
		on[h.Field+".name"], on[h.Field+".from"], on[h.Field+".to"] = true, true, true
	}
	return on
}

// readPolicyForm is the policy the form describes: the version it was
// opened from (base), with what the form edits replaced. Times that do not
// read as allowances are zero in it, typed as they were in raw, and faults
// of their own in bad. Holidays left empty or ticked for removal are left
// out.
func (w *Web) readPolicyForm(c *gin.Context) (p sla.Policy, raw map[string]string, bad []refusal.Field, err error) {
	p = sla.Default()
	if v, _ := strconv.Atoi(c.PostForm("base")); v > 0 {
		if p, err = w.policies.Version(c.Request.Context(), v); err != nil {
			return p, nil, nil, err
		}
	}
	raw = map[string]string{}
	allowance := func(name string) sla.Allowance {
		s := strings.TrimSpace(c.PostForm(name))
		a, perr := sla.ParseAllowance(s)
		if perr != nil {
			raw[name] = s
			bad = append(bad, refusal.Field{Name: name, Code: fieldInvalidAllowance})
		}
		return a
	}
	p.Reason = c.PostForm("reason")
	p.Responses = nil
	i := 0
	for _, k := range domain.Kinds() {
		for _, pr := range domain.Priorities() {
			name := fmt.Sprintf("responses[%d]", i)
			p.Responses = append(p.Responses, sla.ResponseRule{Kind: k, Priority: pr,
				Allowance: allowance(name + ".allowance"), Clock: sla.Clock(c.PostForm(name + ".clock"))})
			i++
		}
	}
	p.Ladder = nil
	for i := 0; ; i++ {
		name := fmt.Sprintf("ladder[%d]", i)
		role, ok := c.GetPostForm(name + ".role")
		if !ok {
			break
		}
		p.Ladder = append(p.Ladder, sla.Level{Role: domain.Role(role), Allowance: allowance(name + ".allowance")})
	}
	p.ObjectionWindow = allowance("objection_window")
	p.ObjectionReview = allowance("objection_review")

	cal := &p.Calendar
	cal.TimeZone = c.PostForm("calendar.time_zone")
	cal.OpensAt = strings.TrimSpace(c.PostForm("calendar.opens_at"))
	cal.ClosesAt = strings.TrimSpace(c.PostForm("calendar.closes_at"))
	cal.WorkDays = nil
	for _, s := range c.PostFormArray("calendar.work_days") {
		d, perr := strconv.Atoi(s)
		if perr != nil {
			bad = append(bad, refusal.Field{Name: "calendar.work_days", Code: refusal.FieldInvalidValue})
			continue
		}
		cal.WorkDays = append(cal.WorkDays, time.Weekday(d))
	}
	cal.Holidays = nil
	for i := 0; ; i++ {
		name := fmt.Sprintf("calendar.holidays[%d]", i)
		from, ok := c.GetPostForm(name + ".from")
		if !ok {
			break
		}
		h := sla.Holiday{From: strings.TrimSpace(from), To: strings.TrimSpace(c.PostForm(name + ".to")), Name: c.PostForm(name + ".name")}
		if c.PostForm(name+".remove") != "" || h == (sla.Holiday{}) {
			continue
		}
		cal.Holidays = append(cal.Holidays, h)
	}
	return p, raw, bad, nil
}
