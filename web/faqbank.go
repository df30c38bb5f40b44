package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/faqbank"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/web/views"
)

// The FAQ bank's administration: the same core as the API's admin routes
// (faqbank: validated, audited, then indexed, so the answer box's canned
// search finds an entry as soon as it is saved).

// faqList lists the bank, inactive entries included, by id.
func (w *Web) faqList(c *gin.Context) error {
	f := store.FAQFilter{}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return refusal.New(refusal.NotFound, refusal.CodeNotFound)
		}
		f.AfterID = n
	}
	page, err := w.store.ListFAQ(c.Request.Context(), f)
	if err != nil {
		return err
	}
	var v views.FAQList
	for _, e := range page.Entries {
		v.Rows = append(v.Rows, views.FAQRow{ID: e.ID, QuestionAR: e.QuestionAR, AnswerAR: e.AnswerAR,
			QuestionEN: e.QuestionEN, AnswerEN: e.AnswerEN, Category: e.Category, Reference: e.Reference,
			ReviewedOn: e.ReviewedOn, Active: e.Active})
	}
	if page.Next > 0 {
		v.Next = "/admin/faq?" + url.Values{"cursor": {strconv.FormatInt(page.Next, 10)}}.Encode()
	}
	if done := c.Query("done"); done == "saved" || done == "deleted" {
		v.Notice, v.NoticeClass = langOf(c).T("done.faq."+done), "ok"
	}
	return render(c, http.StatusOK, views.FAQListPage(w.page(c, "admin.faq", "admin"), v))
}

// faqNew is the form of a new entry, reviewed today.
func (w *Web) faqNew(c *gin.Context) error {
	f := views.FAQForm{ReviewedOn: w.faqBank.Today(), Active: true}
	return render(c, http.StatusOK, views.FAQFormPage(w.page(c, "admin.faq.new", "admin"), f))
}

// faqEdit is the form of entry :id as stored.
func (w *Web) faqEdit(c *gin.Context) error {
	e, err := w.faqEntry(c)
	if err != nil {
		return err
	}
	f := views.FAQForm{ID: e.ID, QuestionAR: e.QuestionAR, AnswerAR: e.AnswerAR, QuestionEN: e.QuestionEN,
		AnswerEN: e.AnswerEN, Category: e.Category, Reference: e.Reference, ReviewedOn: e.ReviewedOn, Active: e.Active}
	return render(c, http.StatusOK, views.FAQFormPage(w.page(c, "admin.faq.edit_title", "admin"), f))
}

// faqCreate adds an entry (faqbank.Create, as POST /faq).
func (w *Web) faqCreate(c *gin.Context) error {
	in := faqForm(c)
	_, err := w.faqBank.Create(c.Request.Context(), actingActor(c), in)
	return w.faqSaved(c, err, 0, in, "admin.faq.new")
}

// faqUpdate replaces entry :id's content (faqbank.Update, as PUT /faq/{id}).
func (w *Web) faqUpdate(c *gin.Context) error {
	old, err := w.faqEntry(c)
	if err != nil {
		return err
	}
	in := faqForm(c)
	_, err = w.faqBank.Update(c.Request.Context(), actingActor(c), old, in)
	return w.faqSaved(c, err, old.ID, in, "admin.faq.edit_title")
}

// faqDelete removes entry :id (faqbank.Delete, as DELETE /faq/{id}).
func (w *Web) faqDelete(c *gin.Context) error {
	old, err := w.faqEntry(c)
	if err != nil {
		return err
	}
	if err := w.faqBank.Delete(c.Request.Context(), actingActor(c), old); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/faq?done=deleted")
	return nil
}

// faqSaved answers a save: the list when done, else the form again as sent
// with each error at its field.
func (w *Web) faqSaved(c *gin.Context, err error, id int64, in faqbank.Entry, title string) error {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/faq?done=saved")
		return nil
	}
	var r *refusal.Error
	if !errors.As(err, &r) || len(r.Fields) == 0 {
		return err
	}
	status, errs, _ := placedAs(langOf(c), r, nil)
	f := views.FAQForm{ID: id, QuestionAR: in.QuestionAR, AnswerAR: in.AnswerAR, QuestionEN: in.QuestionEN,
		AnswerEN: in.AnswerEN, Category: in.Category, Reference: in.Reference, ReviewedOn: in.ReviewedOn,
		Active: *in.Active, Errors: errs}
	return render(c, status, views.FAQFormPage(w.page(c, title, "admin"), f))
}

// faqForm reads an entry as the form sends it; an unticked box is inactive.
func faqForm(c *gin.Context) faqbank.Entry {
	active := c.PostForm("active") == "true"
	return faqbank.Entry{QuestionAR: c.PostForm("question_ar"), AnswerAR: c.PostForm("answer_ar"),
		QuestionEN: c.PostForm("question_en"), AnswerEN: c.PostForm("answer_en"), Category: c.PostForm("category"),
		Reference: c.PostForm("reference"), ReviewedOn: c.PostForm("reviewed_on"), Active: &active}
}

// faqEntry reads entry :id; anything but a stored entry is not found.
func (w *Web) faqEntry(c *gin.Context) (store.FAQEntry, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return store.FAQEntry{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	e, err := w.store.GetFAQ(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.FAQEntry{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	return e, err
}
