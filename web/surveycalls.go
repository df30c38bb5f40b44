package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/surveycalls"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// surveyCalls is the survey agent's day: today's call list (in the survey's
// time zone, as the API's GET /survey-calls), each call's mobile as a link
// that dials it and, while it is pending, the form of its outcome.
func (w *Web) surveyCalls(c *gin.Context) error {
	s, err := w.surveyList(c)
	if err != nil {
		return err
	}
	if id := c.Query("done"); id != "" {
		s.Notice, s.NoticeClass = langOf(c).T("done.survey"), "ok"
	}
	return render(c, http.StatusOK, views.SurveyCallsPage(w.page(c, "survey.title", "survey"), s))
}

// recordCall records one call attempt through the core (surveycalls.Record,
// as POST /survey-calls/{id}/outcome): done, back to the list; refused, the
// list again with the form as sent and each error at its field.
func (w *Web) recordCall(c *gin.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	in := surveycalls.Outcome{Outcome: domain.SurveyCallStatus(c.PostForm("outcome")), Comment: c.PostForm("comment")}
	form := views.SurveyForm{Outcome: c.PostForm("outcome"), Rating: c.PostForm("rating"), Comment: c.PostForm("comment"), Errors: views.FieldErrors{}}
	if form.Rating != "" {
		r, err := strconv.Atoi(form.Rating)
		if err != nil {
			r = -1 // not a number: out of range, at its field
		}
		in.Rating = &r
	}
	actor := actingActor(c)
	_, err = w.survey.Record(c.Request.Context(), actor, id, in, callKey(c.PostForm("key"), c.Param("id")))
	var r *refusal.Error
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/survey-calls?done="+url.QueryEscape(c.Param("id"))+"#call-"+c.Param("id"))
		return nil
	case !errors.As(err, &r) || r.Kind == refusal.NotFound || r.Kind == refusal.Busy:
		return err
	}
	s, lerr := w.surveyList(c)
	if lerr != nil {
		return lerr
	}
	l := langOf(c)
	status := http.StatusUnprocessableEntity
	if len(r.Fields) > 0 {
		for _, f := range r.Fields {
			form.Errors[f.Name] = fieldText(l, f.Code)
		}
		s.Open, s.Form = id, form
	} else {
		status = http.StatusConflict
		s.Notice = refusalText(l, r.Code)
	}
	return render(c, status, views.SurveyCallsPage(w.page(c, "survey.title", "survey"), s))
}

// surveyList reads one page of today's list as the reader may see it.
func (w *Web) surveyList(c *gin.Context) (views.SurveyCalls, error) {
	ctx := c.Request.Context()
	loc, err := w.store.SurveyZone(ctx)
	if err != nil {
		return views.SurveyCalls{}, fmt.Errorf("survey calls: %w", err)
	}
	date := w.now().In(loc).Format(time.DateOnly)
	page, err := w.store.ListSurveyCalls(ctx, store.SurveyCallFilter{Date: date, Cursor: c.Query("cursor")})
	if errors.Is(err, store.ErrBadCursor) {
		return views.SurveyCalls{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return views.SurveyCalls{}, fmt.Errorf("survey calls of %s: %w", date, err)
	}
	actor, _ := actorOf(c)
	l := langOf(c)
	s := views.SurveyCalls{Date: date, Key: newFormKey(), Outcomes: surveyOutcomes(l)}
	for n := 1; n <= 5; n++ {
		s.Ratings = append(s.Ratings, views.Option{Value: strconv.Itoa(n), Label: l.Num(n)})
	}
	for _, line := range page.Calls {
		call := views.SurveyCall{
			ID: line.ID, Number: line.TicketNumber, Name: line.BeneficiaryName, Kind: l.T("kind." + string(line.Kind)),
			Mobile: surveycalls.Mobile(actor.Role, line.BeneficiaryMobile), Status: l.T("survey.status." + string(line.Status)),
			StatusKey: string(line.Status), Attempts: l.Num(line.Attempts),
			Recordable: actor.Role == domain.RoleSurveyAgent && !line.Status.Final(),
		}
		if call.Mobile == line.BeneficiaryMobile {
			call.Tel = "tel:" + line.BeneficiaryMobile
		}
		s.Calls = append(s.Calls, call)
	}
	if page.NextCursor != "" {
		s.Next = "/survey-calls?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return s, nil
}

// surveyOutcomes are what an agent may record, in words.
func surveyOutcomes(l i18n.Lang) []views.Option {
	var out []views.Option
	for _, o := range domain.SurveyOutcomes() {
		out = append(out, views.Option{Value: string(o), Label: l.T("survey.status." + string(o))})
	}
	return out
}

// callKey is the page's form key for one call: the page's forms share the
// page's key, as the ticket page's do.
func callKey(key, id string) string {
	if key = formKey(key); key != "" {
		key += ":" + id
	}
	return key
}
