package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// policyVersions lists the escalation policy's versions, newest first, with
// who made each, when and why (the store's list, as GET /api/v1/policies).
func (w *Web) policyVersions(c *gin.Context) error {
	ctx := c.Request.Context()
	l := langOf(c)
	before := 0
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return refusal.New(refusal.NotFound, refusal.CodeNotFound)
		}
		before = n
	}
	page, err := w.store.ListPolicies(ctx, before, 0)
	if err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	authors := make([]string, 0, len(page.Versions))
	for _, v := range page.Versions {
		authors = append(authors, v.CreatedBy)
	}
	names := w.names(ctx, authors)
	list := views.PolicyList{CanEdit: isAdmin(c)}
	for _, v := range page.Versions {
		list.Versions = append(list.Versions, views.PolicyVersion{
			Version: v.Version, At: v.CreatedAt, AtHijri: l.Hijri(v.CreatedAt), Author: names(v.CreatedBy), Reason: v.Reason,
		})
	}
	if page.Next > 0 {
		list.Next = "/policies?cursor=" + strconv.Itoa(page.Next)
	}
	return render(c, http.StatusOK, views.PolicyListPage(w.page(c, "policy.list.title", "policy"), list))
}

// policyVersion shows one version as tables, with its roll-out's state.
func (w *Web) policyVersion(c *gin.Context) error {
	ctx := c.Request.Context()
	l := langOf(c)
	p, err := w.versionParam(c)
	if err != nil {
		return err
	}
	vp := views.PolicyPage{
		PolicyVersion: views.PolicyVersion{Version: p.Version, At: p.CreatedAt, AtHijri: l.Hijri(p.CreatedAt),
			Author: w.names(ctx, []string{p.CreatedBy})(p.CreatedBy), Reason: p.Reason},
		PolicyBody: policyBody(l, p, nil),
		CanEdit:    isAdmin(c),
		Rollout:    w.rolloutState(ctx, l, p.Version),
	}
	if p.Version > 1 {
		vp.Previous = p.Version - 1
	}
	vp.Notice = doneNotice(c, "done.policy.")
	return render(c, http.StatusOK, views.PolicyVersionPage(w.page(c, "policy.version", "policy"), vp))
}

// versionParam is the version the path names; NotFound when there is none.
func (w *Web) versionParam(c *gin.Context) (sla.Policy, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil {
		return sla.Policy{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	return w.policies.Version(c.Request.Context(), v)
}

// policyDiff lists what changes from version ?a= to version ?b= (sla.Diff,
// as GET /api/v1/policies/diff); without them, the current version against
// the one before it.
func (w *Web) policyDiff(c *gin.Context) error {
	ctx := c.Request.Context()
	l := langOf(c)
	page, err := w.store.ListPolicies(ctx, 0, 100)
	if err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	d := views.PolicyDiff{}
	for _, v := range page.Versions {
		d.Versions = append(d.Versions, v.Version)
	}
	if len(d.Versions) == 0 {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	d.To = d.Versions[0]
	d.From = max(d.To-1, 1)
	for _, q := range []struct {
		name string
		into *int
	}{{"a", &d.From}, {"b", &d.To}} {
		if s := c.Query(q.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return refusal.New(refusal.NotFound, refusal.CodeNotFound)
			}
			*q.into = n
		}
	}
	from, err := w.policies.Version(ctx, d.From)
	if err != nil {
		return err
	}
	to, err := w.policies.Version(ctx, d.To)
	if err != nil {
		return err
	}
	for _, ch := range sla.Diff(from, to) {
		d.Changes = append(d.Changes, views.Change{Path: ch.Path, From: changeValue(l, ch.From), To: changeValue(l, ch.To)})
	}
	return render(c, http.StatusOK, views.PolicyDiffPage(w.page(c, "policy.diff.title", "policy"), d))
}

// changeValue writes one side of a change in words: a holiday with its
// Hijri dates (as the API's diff shows it), a rung with its role's name.
func changeValue(l i18n.Lang, v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case sla.Allowance:
		return v.String()
	case sla.Clock:
		return l.T("clock." + string(v))
	case domain.Role:
		return l.T("role." + string(v))
	case sla.Level:
		return l.T("role."+string(v.Role)) + " " + v.Allowance.String()
	case sla.ResponseRule:
		return v.Allowance.String() + " " + l.T("clock."+string(v.Clock))
	case sla.Holiday:
		return strings.TrimSpace(v.Name + " " + dateWithHijri(l, v.From) + " – " + dateWithHijri(l, v.To))
	case []time.Weekday:
		days := make([]string, len(v))
		for i, d := range v {
			days[i] = l.T("weekday." + strconv.Itoa(int(d)))
		}
		return strings.Join(days, l.T("list.sep"))
	}
	return fmt.Sprint(v)
}

func dateWithHijri(l i18n.Lang, date string) string {
	if h := l.HijriOf(date); h != "" {
		return date + " (" + h + ")"
	}
	return date
}

// policyBody is what p says, as the page and the form show it; raw holds
// what was typed in fields that did not parse, to show it again.
func policyBody(l i18n.Lang, p sla.Policy, raw map[string]string) views.PolicyBody {
	text := func(name string, a sla.Allowance) string {
		if s, ok := raw[name]; ok {
			return s
		}
		return a.String()
	}
	b := views.PolicyBody{
		OpensAt: p.Calendar.OpensAt, ClosesAt: p.Calendar.ClosesAt, TimeZone: p.Calendar.TimeZone,
		Objection: text("objection_window", p.ObjectionWindow), Review: text("objection_review", p.ObjectionReview),
	}
	for _, pr := range domain.Priorities() {
		b.Priorities = append(b.Priorities, l.T("priority."+string(pr)))
	}
	// The grid's cells in the form's order, kind by kind: cell i is
	// responses[i] of the policy the form builds.
	i := 0
	for _, k := range domain.Kinds() {
		row := views.GridRow{Kind: l.T("kind." + string(k))}
		for _, pr := range domain.Priorities() {
			name := fmt.Sprintf("responses[%d]", i)
			r, _ := p.Rule(k, pr)
			if i < len(p.Responses) && p.Responses[i].Kind == k && p.Responses[i].Priority == pr {
				r = p.Responses[i] // the form's own rule, as sent
			}
			row.Cells = append(row.Cells, views.Cell{
				Label: l.T("kind."+string(k)) + "، " + l.T("priority."+string(pr)), Name: name,
				Allowance: text(name+".allowance", r.Allowance), Clock: string(r.Clock), ClockWords: l.T("clock." + string(r.Clock)),
			})
			i++
		}
		b.Grid = append(b.Grid, row)
	}
	for i, r := range p.Ladder {
		name := fmt.Sprintf("ladder[%d]", i)
		b.Ladder = append(b.Ladder, views.Rung{Role: l.T("role." + string(r.Role)), RoleKey: string(r.Role), Name: name,
			Allowance: text(name+".allowance", r.Allowance)})
	}
	// The week as the ministry reads it, from Sunday.
	for d := time.Sunday; d <= time.Saturday; d++ {
		b.Days = append(b.Days, views.Day{Value: strconv.Itoa(int(d)), Label: l.T("weekday." + strconv.Itoa(int(d))),
			Works: slices.Contains(p.Calendar.WorkDays, d)})
	}
	for i, h := range p.Calendar.Holidays {
		b.Holidays = append(b.Holidays, views.Holiday{From: h.From, To: h.To, Name: h.Name,
			FromHijri: l.HijriOf(h.From), ToHijri: l.HijriOf(h.To), Field: fmt.Sprintf("calendar.holidays[%d]", i)})
	}
	return b
}

// isAdmin reports whether the reader may write, preview and roll out
// versions (the routes' guards decide; this only shows the links).
func isAdmin(c *gin.Context) bool {
	actor, _ := actorOf(c)
	return actor.Role == domain.RoleAdmin
}

// rolloutEvery is how often a running roll-out's panel asks again, at most.
const rolloutEvery = 2 * time.Second

// rolloutState is how far version's roll-out has come, in words.
func (w *Web) rolloutState(ctx context.Context, l i18n.Lang, version int) views.Rollout {
	r := views.Rollout{Version: version, Every: strconv.Itoa(int(min(rolloutEvery, w.pollEvery).Milliseconds())) + "ms"}
	progress, err := w.tickets.RolloutProgress(ctx, version)
	switch rf, ok := refusal.As(err); {
	case err == nil && progress.Finished:
		r.State, r.Text = "done", l.Format("rollout.done", l.Count(progress.Sent, "n.tickets"))
	case err == nil:
		r.State, r.Text = "running", l.Format("rollout.running", l.Count(progress.Sent, "n.tickets"))
	case ok && rf.Kind == refusal.NotFound:
		r.State, r.Text = "none", l.T("rollout.none")
	default:
		w.log.WarnContext(ctx, "roll-out progress unavailable", "version", version, "error", err)
		r.State, r.Text = "unknown", l.T("rollout.unknown")
	}
	return r
}
