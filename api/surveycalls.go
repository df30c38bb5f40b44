package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/surveycalls"
)

// The satisfaction survey's call list: every morning a sample of the tickets
// closed the day before becomes calls for survey agents (store and
// workflows.SurveyCallsWorkflow draw it), who record each call's outcome.
// Survey agents work the list; the supervisor and admins read it too, with
// the supervisor seeing mobiles masked like in the outbox (they review, they
// do not call). Officials read the summary.

const (
	auditSurveyRecorded = surveycalls.AuditRecorded
	maxSurveyComment    = surveycalls.MaxComment
	auditSurveySampled  = "survey_calls.sampled"
	// maxSummaryDays bounds a summary's range: a year and a day.
	maxSummaryDays = 366
	// summaryDefaultDays is the range when none is asked for: the last 30 days.
	summaryDefaultDays = 30
)

var (
	textRatingOnlyReached = text{AR: "يُسجَّل التقييم فقط عند الوصول إلى المستفيد (reached).",
		EN: "A rating is recorded only when the beneficiary was reached."}
	textNotFuture   = text{AR: "لا تُسحب قائمة يوم لم يأتِ بعد.", EN: "A day that has not come yet has no list."}
	textFromAfterTo = text{AR: "يجب ألا يكون تاريخ البداية بعد تاريخ النهاية، وألا تزيد المدة على 366 يوماً.",
		EN: "from must not be after to, and the range at most 366 days."}
)

type surveyCallJSON struct {
	ID                int64                   `json:"id"`
	CallDate          string                  `json:"call_date"`
	TicketNumber      string                  `json:"ticket_number"`
	Kind              domain.Kind             `json:"kind"`
	Entity            string                  `json:"entity"`
	ClosedAt          *time.Time              `json:"closed_at"`
	BeneficiaryName   string                  `json:"beneficiary_name"`
	BeneficiaryMobile string                  `json:"beneficiary_mobile"`
	Language          string                  `json:"language"`
	Status            domain.SurveyCallStatus `json:"status"`
	Attempts          int                     `json:"attempts"`
	Rating            int                     `json:"rating,omitempty"`
	Comment           string                  `json:"comment,omitempty"`
	Agent             string                  `json:"agent,omitempty"`
	RecordedAt        *time.Time              `json:"recorded_at,omitempty"`
}

// surveyCallOut is a call as role sees it: the agent who must call reads the
// mobile in full, the supervisor reviewing the list reads it masked.
func surveyCallOut(l store.SurveyCallLine, role domain.Role) surveyCallJSON {
	mobile := surveycalls.Mobile(role, l.BeneficiaryMobile)
	lang := l.BeneficiaryLanguage
	if lang == "" {
		lang = "ar"
	}
	return surveyCallJSON{
		ID: l.ID, CallDate: l.CallDate, TicketNumber: l.TicketNumber, Kind: l.Kind, Entity: l.Entity,
		ClosedAt: l.ClosedAt, BeneficiaryName: l.BeneficiaryName, BeneficiaryMobile: mobile, Language: lang,
		Status: l.Status, Attempts: l.Attempts, Rating: l.Rating, Comment: l.Comment, Agent: l.AgentID,
		RecordedAt: l.RecordedAt,
	}
}

// surveyQuery refuses query parameters not in allowed and returns the query
// with today's date in the survey's time zone, the default day of every
// survey route.
func (a *API) surveyQuery(c *gin.Context, allowed ...string) (url.Values, string, error) {
	q := c.Request.URL.Query()
	if errs := onlyParams(q, allowed...); len(errs) > 0 {
		return nil, "", invalid(errs...)
	}
	loc, err := a.store.SurveyZone(c.Request.Context())
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", c.Request.Method, c.FullPath(), err)
	}
	return q, a.now().In(loc).Format(time.DateOnly), nil
}

// dateParam reads a day ?name=YYYY-MM-DD, def when absent.
func dateParam(c *gin.Context, name, def string) (string, []fieldErr) {
	v, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err != nil || d.Format(time.DateOnly) != v {
		return "", []fieldErr{{field: name, code: fieldInvalidDate}}
	}
	return v, nil
}

// listSurveyCalls pages through one day's list (default today) in the order
// it was drawn, whole or by status.
func (a *API) listSurveyCalls(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, _ := staffActor(c)
	q, today, err := a.surveyQuery(c, "date", "status", "cursor", "limit")
	if err != nil {
		return err
	}
	date, errs := dateParam(c, "date", today)
	f := store.SurveyCallFilter{Date: date, Status: domain.SurveyCallStatus(q.Get("status")), Cursor: q.Get("cursor")}
	if f.Status != "" && !f.Status.Valid() {
		errs = append(errs, fieldErr{field: "status", code: fieldInvalidValue})
	}
	limit, limitErrs := limitParam(q)
	f.Limit = limit
	if errs = append(errs, limitErrs...); len(errs) > 0 {
		return invalid(errs...)
	}
	page, err := a.store.ListSurveyCalls(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("list survey calls: %w", err)
	}
	items := make([]surveyCallJSON, 0, len(page.Calls))
	for _, l := range page.Calls {
		items = append(items, surveyCallOut(l, actor.Role))
	}
	return writeJSON(c, http.StatusOK, gin.H{"date": date, "items": items, "next_cursor": page.NextCursor})
}

// sampleSurveyCalls (re)builds a day's list (default today) now: for an
// operator when the morning's run failed or the configuration changed. It is
// idempotent (the store adds only what the list lacks) and audited.
func (a *API) sampleSurveyCalls(c *gin.Context) error {
	actor, _ := staffActor(c)
	_, today, err := a.surveyQuery(c, "date")
	if err != nil {
		return err
	}
	date, errs := dateParam(c, "date", today)
	if len(errs) == 0 && date > today {
		errs = append(errs, fieldErr{field: "date", code: fieldOutOfRange, text: &textNotFuture})
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	var sample store.SurveySample
	err = a.audited(c, actor, auditSurveySampled, "survey_calls/"+date, nil, func(ctx context.Context) error {
		var err error
		sample, err = a.store.SampleSurveyCalls(ctx, date, a.surveySampling, a.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("sample survey calls of %s: %w", date, err)
	}
	a.log.Info("survey calls sampled", "date", date, "by", actor.ID, "closed", sample.Closed,
		"target", sample.Target, "inserted", sample.Inserted, "total", sample.Total)
	return writeJSON(c, http.StatusOK, sample)
}

type surveyOutcomeIn struct {
	Outcome domain.SurveyCallStatus `json:"outcome"`
	Rating  *int                    `json:"rating"`
	Comment string                  `json:"comment"`
}

// recordSurveyOutcome records one call attempt (survey agents) through the
// core (surveycalls.Service.Record). A retry under the same Idempotency-Key,
// or the very request that made a call final sent again, answers the call as
// recorded (Idempotent-Replayed: true) rather than counting another attempt;
// anything else on a final call is 409 survey_call_final. Audited in the
// write's transaction.
func (a *API) recordSurveyOutcome(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, _ := staffActor(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return problem(http.StatusNotFound, codeNotFound)
	}
	key, err := idempotencyKey(c.Request.Header)
	if err != nil {
		return err
	}
	var in surveyOutcomeIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	rec, err := a.surveyCalls.Record(ctx, actor, id, surveycalls.Outcome(in), key)
	if r, ok := refusal.As(err); ok && len(r.Fields) > 0 {
		return surveyOutcomeRefused(r)
	} else if err != nil {
		return err
	}
	line := rec.Line
	if rec.Replayed {
		c.Header("Idempotent-Replayed", "true")
	} else {
		a.log.Info("survey call recorded", "call", id, "ticket", line.TicketNumber, "outcome", in.Outcome,
			"status", line.Status, "attempt", line.Attempts, "agent", actor.ID,
			"mobile", normalize.MaskPhone(line.BeneficiaryMobile))
	}
	return writeJSON(c, http.StatusOK, surveyCallOut(line, actor.Role))
}

// surveyOutcomeRefused is the core's refusal of an outcome, with what a
// rating given for another outcome means said in full.
func surveyOutcomeRefused(r *refusal.Error) error {
	errs := fieldErrs(r.Fields)
	for i, f := range errs {
		if f.field == "rating" && f.code == fieldInvalidValue {
			errs[i].text = &textRatingOnlyReached
		}
	}
	return invalid(errs...)
}

type surveyTallyJSON struct {
	Entity        string                          `json:"entity,omitempty"`
	Calls         int                             `json:"calls"`
	Statuses      map[domain.SurveyCallStatus]int `json:"statuses"`
	AverageRating *float64                        `json:"average_rating"`
}

func tallyOut(entity string, t store.SurveyTally) surveyTallyJSON {
	out := surveyTallyJSON{Entity: entity, Calls: t.Calls, Statuses: map[domain.SurveyCallStatus]int{}}
	for _, st := range domain.SurveyCallStatuses() {
		out.Statuses[st] = t.ByStatus[st]
	}
	if avg, ok := t.AverageRating(); ok {
		r := math.Round(avg*100) / 100
		out.AverageRating = &r
	}
	return out
}

// surveySummary tallies the calls of a range of days (default the last 30)
// for officials: counts by status and the mean rating of those reached,
// overall and, with by=entity, per entity the tickets were filed to.
func (a *API) surveySummary(c *gin.Context) error {
	ctx := c.Request.Context()
	q, today, err := a.surveyQuery(c, "from", "to", "by")
	if err != nil {
		return err
	}
	to, errs := dateParam(c, "to", today)
	var from string
	if len(errs) == 0 {
		end, _ := time.Parse(time.DateOnly, to)
		var fromErrs []fieldErr
		from, fromErrs = dateParam(c, "from", end.AddDate(0, 0, 1-summaryDefaultDays).Format(time.DateOnly))
		errs = append(errs, fromErrs...)
		if start, err := time.Parse(time.DateOnly, from); len(fromErrs) == 0 && err == nil &&
			(start.After(end) || end.Sub(start) >= maxSummaryDays*24*time.Hour) {
			errs = append(errs, fieldErr{field: "from", code: fieldOutOfRange, text: &textFromAfterTo})
		}
	}
	byEntity := false
	switch q.Get("by") {
	case "":
	case "entity":
		byEntity = true
	default:
		errs = append(errs, fieldErr{field: "by", code: fieldInvalidValue})
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	sum, err := a.store.SummarizeSurveyCalls(ctx, from, to, byEntity)
	if err != nil {
		return fmt.Errorf("survey summary: %w", err)
	}
	out := struct {
		From string `json:"from"`
		To   string `json:"to"`
		surveyTallyJSON
		// Entities is absent unless asked for (by=entity), then a list, maybe empty.
		Entities *[]surveyTallyJSON `json:"entities,omitempty"`
	}{From: from, To: to, surveyTallyJSON: tallyOut("", sum.Overall)}
	if byEntity {
		es := make([]surveyTallyJSON, 0, len(sum.Entities))
		for _, e := range sum.Entities {
			es = append(es, tallyOut(e.Entity, e.SurveyTally))
		}
		out.Entities = &es
	}
	return writeJSON(c, http.StatusOK, out)
}

// refuseRole answers 403 to the roles given: a survey agent has no inbox,
// and an empty one would only hide that from its client.
func (a *API) refuseRole(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if actor, ok := staffActor(c); ok && slices.Contains(roles, actor.Role) {
			a.fail(c, problem(http.StatusForbidden, codeForbidden))
			return
		}
		c.Next()
	}
}
