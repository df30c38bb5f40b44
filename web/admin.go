package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/accounts"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// The administrators' pages: staff accounts and integration tokens, through
// the same core as the API's routes (package accounts).

// adminIndex links the administrators' pages.
func (w *Web) adminIndex(c *gin.Context) error {
	return render(c, http.StatusOK, views.AdminIndexPage(w.page(c, "admin.title", "admin")))
}

// accountsPage lists the accounts with the creation form.
func (w *Web) accountsPage(c *gin.Context) error {
	a, err := w.accountsOf(c)
	if err != nil {
		return err
	}
	if n := doneNotice(c, "done.account."); n != "" {
		a.Notice, a.NoticeClass = n, "ok"
	}
	return render(c, http.StatusOK, views.AccountsPage(w.page(c, "admin.accounts", "admin"), a))
}

// createAccount adds an account (accounts.Create, as POST /accounts).
func (w *Web) createAccount(c *gin.Context) error {
	form := views.AccountForm{Username: c.PostForm("username"), Name: c.PostForm("name"),
		Role: c.PostForm("role"), Entity: c.PostForm("entity")}
	_, err := w.accounts.Create(c.Request.Context(), actingActor(c), accounts.NewAccount{
		Username: form.Username, Name: form.Name, Role: domain.Role(form.Role), Entity: form.Entity,
		Password: c.PostForm("password"),
	})
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/accounts?done=created")
		return nil
	}
	return w.accountRefused(c, err, func(a *views.Accounts, errs views.FieldErrors) {
		form.Errors = errs
		a.Form = form
	})
}

// disableAccount disables an account and ends its sessions (accounts.Disable).
func (w *Web) disableAccount(c *gin.Context) error {
	if err := w.accounts.Disable(c.Request.Context(), actingActor(c), c.Param("username")); err != nil {
		return w.accountRefused(c, err, nil)
	}
	c.Redirect(http.StatusSeeOther, "/admin/accounts?done=disabled")
	return nil
}

// changeRole gives an account another role or scope (accounts.ChangeRole).
func (w *Web) changeRole(c *gin.Context) error {
	username := c.Param("username")
	form := views.AccountForm{Role: c.PostForm("role"), Entity: c.PostForm("entity")}
	_, err := w.accounts.ChangeRole(c.Request.Context(), actingActor(c), username, domain.Role(form.Role), form.Entity)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/accounts?done=role#account-"+url.PathEscape(username))
		return nil
	}
	return w.accountRefused(c, err, func(a *views.Accounts, errs views.FieldErrors) {
		form.Errors = errs
		a.Open, a.Change = username, form
	})
}

// accountRefused shows the accounts page again after a refusal: the fields'
// errors placed by put, or one notice for the request as a whole.
func (w *Web) accountRefused(c *gin.Context, err error, put func(*views.Accounts, views.FieldErrors)) error {
	var r *refusal.Error
	if !errors.As(err, &r) || r.Kind == refusal.NotFound || r.Kind == refusal.Busy {
		return err
	}
	a, lerr := w.accountsOf(c)
	if lerr != nil {
		return lerr
	}
	status, errs, notice := placedAs(langOf(c), r, nil)
	if put != nil && len(errs) > 0 {
		put(&a, errs)
	}
	a.Notice = notice
	return render(c, status, views.AccountsPage(w.page(c, "admin.accounts", "admin"), a))
}

// accountsOf gathers the accounts page.
func (w *Web) accountsOf(c *gin.Context) (views.Accounts, error) {
	ctx := c.Request.Context()
	l := langOf(c)
	list, err := w.accounts.List(ctx)
	if err != nil {
		return views.Accounts{}, err
	}
	ents, err := w.entityOptions(ctx, l, "")
	if err != nil {
		return views.Accounts{}, err
	}
	names := optionLabels(ents)
	a := views.Accounts{Roles: roleOptions(l), Entities: ents}
	for _, acc := range list {
		a.Rows = append(a.Rows, views.AccountRow{Username: acc.Username, Name: acc.Name, Role: l.T("role." + string(acc.Role)),
			RoleKey: string(acc.Role), Entity: names[acc.Entity], EntityCode: acc.Entity, Disabled: acc.Disabled})
	}
	return a, nil
}

// roleOptions are the staff roles, in words.
func roleOptions(l i18n.Lang) []views.Option {
	var out []views.Option
	for _, r := range domain.StaffRoles() {
		out = append(out, views.Option{Value: string(r), Label: l.T("role." + string(r))})
	}
	return out
}

// optionLabels are options' labels by value.
func optionLabels(os []views.Option) map[string]string {
	out := make(map[string]string, len(os))
	for _, o := range os {
		out[o.Value] = o.Label
	}
	return out
}

// tokensPage lists the integration tokens with the creation form.
func (w *Web) tokensPage(c *gin.Context) error {
	t, err := w.tokensOf(c)
	if err != nil {
		return err
	}
	if c.Query("done") == "revoked" {
		t.Notice, t.NoticeClass = langOf(c).T("done.token.revoked"), "ok"
	}
	return render(c, http.StatusOK, views.TokensPage(w.page(c, "admin.tokens", "admin"), t))
}

// createToken issues an integration token (accounts.CreateToken). Its
// secret is on the page answering the form, never again: no redirect, and
// the answer is not stored by the browser.
func (w *Web) createToken(c *gin.Context) error {
	form := views.TokenForm{Name: c.PostForm("name"), Role: c.PostForm("role"), Entity: c.PostForm("entity"),
		Days: c.PostForm("expires_in_days")}
	in := accounts.NewToken{Name: form.Name, Role: domain.Role(form.Role), Entity: form.Entity}
	if form.Days != "" {
		d, err := strconv.Atoi(form.Days)
		if err != nil {
			d = -1 // not a number: out of range, at its field
		}
		in.ExpiresInDays = &d
	}
	issued, err := w.accounts.CreateToken(c.Request.Context(), actingActor(c), in)
	var r *refusal.Error
	if err != nil && (!errors.As(err, &r) || r.Kind == refusal.NotFound || r.Kind == refusal.Busy) {
		return err
	}
	t, lerr := w.tokensOf(c)
	if lerr != nil {
		return lerr
	}
	if err == nil {
		c.Header("Cache-Control", "no-store")
		t.Secret, t.Issued = issued.Secret, issued.Name
		return render(c, http.StatusCreated, views.TokensPage(w.page(c, "admin.tokens", "admin"), t))
	}
	status, errs, notice := placedAs(langOf(c), r, nil)
	form.Errors = errs
	t.Form, t.Notice = form, notice
	return render(c, status, views.TokensPage(w.page(c, "admin.tokens", "admin"), t))
}

// revokeToken ends an integration token at once (accounts.RevokeToken).
func (w *Web) revokeToken(c *gin.Context) error {
	if err := w.accounts.RevokeToken(c.Request.Context(), actingActor(c), c.Param("name")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/tokens?done=revoked")
	return nil
}

// tokensOf gathers the tokens' page.
func (w *Web) tokensOf(c *gin.Context) (views.Tokens, error) {
	ctx := c.Request.Context()
	l := langOf(c)
	list, err := w.accounts.Tokens(ctx)
	if err != nil {
		return views.Tokens{}, err
	}
	ents, err := w.entityOptions(ctx, l, "")
	if err != nil {
		return views.Tokens{}, err
	}
	names := optionLabels(ents)
	var roles []views.Option
	for _, o := range roleOptions(l) {
		if o.Value != string(domain.RoleAdmin) { // an integration never administers
			roles = append(roles, o)
		}
	}
	t := views.Tokens{Roles: roles, Entities: ents}
	for _, tk := range list {
		row := views.TokenRow{Name: tk.Name, Role: l.T("role." + string(tk.Role)), Entity: names[tk.Entity],
			ExpiresAt: l.DateTime(tk.ExpiresAt), Revoked: tk.RevokedAt != nil}
		if tk.LastUsedAt != nil {
			row.LastUsed = l.DateTime(*tk.LastUsedAt)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
