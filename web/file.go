package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// Filing on a caller's behalf: the call center files on the phone, the
// reception for a visitor at the desk. The same core as the API's
// POST /tickets (tickets.Check, tickets.File): the channel is the filer's
// desk, the fields are the core's, and the form's key makes a double submit
// one filing.

// filingChannel is the channel a role files on: its desk.
var filingChannel = map[domain.Role]domain.Channel{
	domain.RoleAgent:     domain.ChannelCallCenter,
	domain.RoleReception: domain.ChannelWalkIn,
}

// filingFields are the form's fields, by the core's names.
var filingFields = []string{
	"kind", "priority", "entity", "subject", "description",
	"beneficiary.name", "beneficiary.national_id", "beneficiary.mobile", "beneficiary.email",
	"beneficiary.type", "beneficiary.language", "channel_details.verification",
}

// fileForm is the empty form.
func (w *Web) fileForm(c *gin.Context) error {
	f, err := w.filing(c, map[string]string{}, views.FieldErrors{})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.FilePage(w.page(c, "file.title", "file"), f))
}

// file files the ticket: checked (each error at its field, the form again,
// nothing filed), then filed under the form's key, and the number and
// tracking code shown to be read to the caller. Shown, not redirected to: the
// code is not put in a URL, and a resend of the form is the same filing.
func (w *Web) file(c *gin.Context) error {
	ctx := c.Request.Context()
	actor := actingActor(c)
	values := map[string]string{}
	for _, name := range filingFields {
		values[name] = c.PostForm(name)
	}
	form := tickets.Form{
		Kind: values["kind"], Channel: string(filingChannel[actor.Role]), Priority: values["priority"],
		Subject: values["subject"], Description: values["description"], Entity: values["entity"],
		Beneficiary: &tickets.BeneficiaryForm{
			Name: values["beneficiary.name"], NationalID: values["beneficiary.national_id"], Mobile: values["beneficiary.mobile"],
			Email: values["beneficiary.email"], Type: values["beneficiary.type"], Language: values["beneficiary.language"],
		},
	}
	if form.Channel == string(domain.ChannelCallCenter) {
		form.ChannelDetails = &tickets.ChannelDetailsForm{Verification: values["channel_details.verification"]}
	}
	by := tickets.Filer{Actor: actor, Staff: true}
	in, err := w.tickets.Check(ctx, form, by)
	var filed tickets.Filed
	if err == nil {
		filed, err = w.tickets.File(ctx, tickets.Filing{Intake: in, By: by, Key: formKey(c.PostForm("key"))})
	}
	var r *refusal.Error
	switch {
	case err == nil:
		t := filed.Ticket
		return render(c, http.StatusOK, views.FiledPage(w.page(c, "file.done", "file"),
			views.Filed{Number: t.Number, TrackingCode: filed.TrackingCode, QueueNumber: t.QueueNumber}))
	case !errors.As(err, &r) || r.Kind != refusal.Invalid:
		return err
	}
	l := langOf(c)
	errs := views.FieldErrors{}
	for _, fe := range r.Fields {
		errs[fe.Name] = fieldText(l, fe.Code)
	}
	if len(errs) == 0 {
		errs["subject"] = refusalText(l, r.Code) // a key reused for another filing
	}
	f, ferr := w.filing(c, values, errs)
	if ferr != nil {
		return ferr
	}
	if k := formKey(c.PostForm("key")); k != "" {
		f.Key = k // nothing was filed under it: sent again, corrected, it is one filing
	}
	return render(c, http.StatusUnprocessableEntity, views.FilePage(w.page(c, "file.title", "file"), f))
}

// fileHistory is the caller's earlier requests as the mobile is typed: a
// search by mobile (tickets.Search, audited as a lookup of a person) within
// what the filer may read; nothing is searched before the number is whole.
func (w *Web) fileHistory(c *gin.Context) error {
	h, err := w.callerHistory(c, c.Query("beneficiary.mobile"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.HistoryPanel(w.page(c, "file.title", "file"), h))
}

// callerHistory is what the filer may read of a mobile's earlier requests
// (tickets.Search by mobile, which audits the lookup); nil without a mobile.
func (w *Web) callerHistory(c *gin.Context, mobile string) (*views.CallerHistory, error) {
	if strings.TrimSpace(mobile) == "" {
		return nil, nil
	}
	m, err := normalize.Mobile(mobile)
	l := langOf(c)
	if err != nil {
		return &views.CallerHistory{Error: fieldText(l, refusal.FieldInvalidMobile)}, nil
	}
	actor, _ := actorOf(c)
	page, err := w.tickets.Search(c.Request.Context(), actor, tickets.SearchQuery{Text: m})
	if err != nil {
		return nil, err
	}
	return &views.CallerHistory{Mobile: m, Rows: w.rows(c, l, page.Tickets)}, nil
}

// filing is the form with its choices, values and errors.
func (w *Web) filing(c *gin.Context, values map[string]string, errs views.FieldErrors) (views.Filing, error) {
	ctx := c.Request.Context()
	l := langOf(c)
	actor, _ := actorOf(c)
	ch := filingChannel[actor.Role]
	f := views.Filing{
		Channel: l.T("channel." + string(ch)), Verify: ch == domain.ChannelCallCenter,
		Values: values, Errors: errs, Key: newFormKey(),
	}
	for _, k := range domain.Kinds() {
		f.Kinds = append(f.Kinds, views.Option{Value: string(k), Label: l.T("kind." + string(k))})
	}
	for _, p := range domain.Priorities() {
		f.Priorities = append(f.Priorities, views.Option{Value: string(p), Label: l.T("priority." + string(p))})
	}
	for _, b := range domain.BeneficiaryTypes() {
		f.Types = append(f.Types, views.Option{Value: string(b), Label: l.T("btype." + string(b))})
	}
	for _, v := range domain.Verifications() {
		f.Verifications = append(f.Verifications, views.Option{Value: string(v), Label: l.T("verification." + string(v))})
	}
	f.Languages = []views.Option{{Value: string(i18n.AR), Label: i18n.AR.Name()}, {Value: string(i18n.EN), Label: i18n.EN.Name()}}
	var err error
	if f.Entities, err = w.entityOptions(ctx, l, ""); err != nil {
		return views.Filing{}, err
	}
	if f.History, err = w.callerHistory(c, values["beneficiary.mobile"]); err != nil {
		return views.Filing{}, err
	}
	return f, nil
}
