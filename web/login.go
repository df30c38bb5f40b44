package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tawasul/tawasul/clientip"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// loginPage shows the sign-in form (or, to a signed-in reader, the inbox).
func (w *Web) loginPage(c *gin.Context) error {
	next := localPath(c.Query("next"), "/")
	if _, ok := actorOf(c); ok {
		c.Redirect(http.StatusSeeOther, next)
		return nil
	}
	return render(c, http.StatusOK, views.Login(w.page(c, "login.title", ""), views.LoginForm{Next: next}))
}

// login signs a staff member in with a password: the same check, throttle
// and audit as the API's POST /auth/login (package signin), then a browser
// session of its own in a cookie — a new token at every sign-in, so a
// session fixed before it is worth nothing after.
func (w *Web) login(c *gin.Context) error {
	l := langOf(c)
	f := views.LoginForm{
		Username: strings.TrimSpace(c.PostForm("username")),
		Next:     localPath(c.PostForm("next"), "/"),
		Fields:   views.FieldErrors{},
	}
	pw := c.PostForm("password")
	if f.Username == "" {
		f.Fields["username"] = fieldText(l, refusal.FieldRequired)
	}
	if pw == "" {
		f.Fields["password"] = fieldText(l, refusal.FieldRequired)
	}
	if len(f.Fields) > 0 {
		return w.loginAgain(c, http.StatusUnprocessableEntity, f)
	}
	acc, err := w.signin.Password(c.Request.Context(), signin.Attempt{
		Username: f.Username, Password: pw, Address: clientip.Key(c.ClientIP()), IP: c.ClientIP(),
	})
	if err != nil {
		var r *refusal.Error
		if !errors.As(err, &r) {
			return err
		}
		status := http.StatusUnauthorized
		switch r.Kind {
		case refusal.Throttled:
			status, f.Error = http.StatusTooManyRequests, l.T("login.throttled")
		case refusal.Busy:
			status, f.Error = http.StatusServiceUnavailable, l.T("login.busy")
		default:
			f.Error = l.T("login.failed")
		}
		return w.loginAgain(c, status, f)
	}
	sess, err := w.signin.Start(c.Request.Context(), acc, signin.StartOptions{
		Detail: map[string]any{"ip": c.ClientIP(), "via": "web"}, AccessTTL: w.sessionTTL,
	})
	if err != nil {
		return err
	}
	w.setCookie(c, w.sessionCookieName(c), sess.Access, int(w.sessionTTL.Seconds()))
	// A language chosen on this browser before signing in is the reader's
	// choice and becomes the account's; without one the account's applies.
	if chosen, err := c.Cookie(langCookie); err == nil && string(i18n.Parse(chosen)) != acc.Lang {
		if err := w.signin.SetLanguage(c.Request.Context(), signin.Actor(acc), string(i18n.Parse(chosen))); err != nil {
			return err
		}
	} else if err != nil {
		w.setCookie(c, langCookie, string(i18n.Parse(acc.Lang)), 365*24*3600)
	}
	c.Redirect(http.StatusSeeOther, f.Next)
	return nil
}

// loginAgain shows the form again with what went wrong; the password is
// never sent back.
func (w *Web) loginAgain(c *gin.Context, status int, f views.LoginForm) error {
	return render(c, status, views.Login(w.page(c, "login.title", ""), f))
}

// logout ends the browser session (the row, not only the cookie).
func (w *Web) logout(c *gin.Context) error {
	if sid, ok := c.Get(sessionKey); ok {
		actor, _ := actorOf(c)
		if err := w.signin.Logout(c.Request.Context(), actor, sid.(int64)); err != nil {
			return err
		}
	}
	w.clearSession(c)
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}

// setLanguage switches the reader's language, and for a signed-in reader
// remembers it on the account, so the next sign-in anywhere starts in it.
func (w *Web) setLanguage(c *gin.Context) error {
	l := i18n.Parse(c.PostForm("lang"))
	if actor, ok := actorOf(c); ok {
		if err := w.signin.SetLanguage(c.Request.Context(), actor, string(l)); err != nil {
			return err
		}
	}
	w.setCookie(c, langCookie, string(l), 365*24*3600)
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), "/"))
	return nil
}

// home sends a reader to their first section (the inbox, a survey agent's
// call list, a front-line filer's form), or to sign in.
func (w *Web) home(c *gin.Context) {
	if actor, ok := actorOf(c); ok {
		to := "/inbox"
		if s := views.SectionsOf(actor.Role); len(s) > 0 {
			to = s[0].Href
		}
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	c.Redirect(http.StatusSeeOther, "/login")
}
