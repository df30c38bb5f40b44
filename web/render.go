package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// handle adapts a page that returns an error, as the API's handlers do: the
// error is answered once, in fail.
func (w *Web) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			w.fail(c, err)
		}
	}
}

// render writes a component as the answer, with status.
func render(c *gin.Context, status int, comp templ.Component) error {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	return comp.Render(c.Request.Context(), c.Writer)
}

// fail answers an error a page returned: a refusal by its kind (the
// not-found page for what the reader may not see, as for what does not
// exist), anything else as the unavailable page, logged.
func (w *Web) fail(c *gin.Context, err error) {
	var r *refusal.Error
	if errors.As(err, &r) {
		switch r.Kind {
		case refusal.NotFound:
			w.problem(c, http.StatusNotFound, "problem.not_found")
			return
		case refusal.Forbidden:
			w.problem(c, http.StatusForbidden, "problem.forbidden")
			return
		case refusal.Busy, refusal.Throttled:
			if r.RetryAfter > 0 {
				c.Header("Retry-After", strconv.Itoa(int((r.RetryAfter+time.Second-1)/time.Second)))
			}
			status := http.StatusServiceUnavailable
			if r.Kind == refusal.Throttled {
				status = http.StatusTooManyRequests
			}
			w.problem(c, status, "problem.busy")
			return
		case refusal.Unauthenticated:
			// The session ended under the reader (expired, signed out
			// elsewhere): sign in again and come back.
			w.clearSession(c)
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			return
		case refusal.Invalid, refusal.Conflict:
			// A refusal no form placed (a page's own parameters): say why.
			status := http.StatusUnprocessableEntity
			if r.Kind == refusal.Conflict {
				status = http.StatusConflict
			}
			p := w.page(c, "problem.refused.title", "")
			_ = render(c, status, views.Problem(p, refusalText(langOf(c), r.Code)))
			return
		}
	}
	if errors.Is(err, context.Canceled) {
		return // the reader left
	}
	w.log.Error("web page failed", "path", c.FullPath(), "error", err)
	w.problem(c, http.StatusInternalServerError, "problem.internal")
}

// problem answers a page that only says what went wrong.
func (w *Web) problem(c *gin.Context, status int, key string) {
	p := w.page(c, key+".title", "")
	if err := render(c, status, views.Problem(p, p.T(key))); err != nil {
		w.log.Warn("writing a problem page", "error", err)
	}
}

// doneNotice is the words of what the redirect after a form said was done
// (?done=<key>, the catalog's "<prefix><key>"), "" when it says nothing known:
// an unknown key shows nothing rather than a raw catalog key.
func doneNotice(c *gin.Context, prefix string) string {
	done := c.Query("done")
	if done == "" || !i18n.Has(prefix+done) {
		return ""
	}
	return langOf(c).T(prefix + done)
}

// page is the frame of the request's page: language, viewer, title.
func (w *Web) page(c *gin.Context, titleKey, section string) views.Page {
	l := langOf(c)
	p := views.Page{L: l, Title: l.T(titleKey), Section: section, Path: c.Request.URL.RequestURI()}
	if actor, ok := actorOf(c); ok {
		v := &views.Viewer{Name: actor.Name, Role: actor.Role, Entity: actor.Entity}
		if v.Name == "" {
			v.Name = actor.ID
		}
		if actor.Entity != "" {
			v.EntityName = w.entityName(c, l, actor.Entity)
		}
		p.Viewer = v
		if c.GetHeader("HX-Request") == "" {
			// A whole page: the header's bell. A fragment has no header.
			p.Bell = w.headerBell(c)
		}
	}
	return p
}

// headerBell is the bell of a whole page; unable to count, a bell without
// a count whose first poll brings it (the page itself still shows).
func (w *Web) headerBell(c *gin.Context) *views.Bell {
	b, _, err := w.bellOf(c)
	if err != nil {
		w.log.Warn("counting unread notifications", "error", err)
		b = views.Bell{Poll: "/notifications/bell", PollEvery: w.pollSpec()}
	}
	return &b
}

// entityName is an entity's name in l, its code when unknown.
func (w *Web) entityName(c *gin.Context, l i18n.Lang, code string) string {
	e, err := w.entities.Find(c.Request.Context(), code)
	if err != nil {
		return code
	}
	if l == i18n.EN {
		return e.NameEN
	}
	return e.NameAR
}
