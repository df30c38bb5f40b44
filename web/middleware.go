package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tawasul/tawasul/signin"

	"github.com/tawasul/tawasul/refusal"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/workflows"
)

// The session cookie holds the account session's opaque token (signin keeps
// only its hash); its names are signin's, which other front ends read.
const (
	cookieName       = signin.CookieName
	secureCookieName = signin.SecureCookieName
	// langCookie keeps the reader's language: the account's choice, set at
	// each sign-in and by the switch, or a signed-out reader's.
	langCookie = "tawasul_lang"
)

// Context keys of what the middleware found.
const (
	actorKey   = "web.actor"
	sessionKey = "web.session"
	langKey    = "web.lang"
)

// pageHeaders are the headers of every page: a strict Content-Security-Policy
// (no inline script or style, nothing from another origin — fonts included),
// no caching of pages that carry personal data, and no framing.
func pageHeaders() gin.HandlerFunc {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		c.Next()
	}
}

// language finds the reader's language: the cookie, else the browser's.
func language() gin.HandlerFunc {
	return func(c *gin.Context) {
		l := i18n.FromAcceptLanguage(c.GetHeader("Accept-Language"))
		if v, err := c.Cookie(langCookie); err == nil {
			l = i18n.Parse(v)
		}
		c.Set(langKey, l)
		c.Next()
	}
}

func langOf(c *gin.Context) i18n.Lang {
	if l, ok := c.Get(langKey); ok {
		return l.(i18n.Lang)
	}
	return i18n.AR
}

// crossOrigin refuses a state-changing request another site's page sent
// (Go's CrossOriginProtection: Sec-Fetch-Site, else Origin against Host).
// With SameSite=Lax on the session cookie this is the CSRF defence: no
// token to forget in a form.
func (w *Web) crossOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := w.csrf.Check(c.Request); err != nil {
			w.problem(c, http.StatusForbidden, "problem.cross_origin")
			c.Abort()
			return
		}
		c.Next()
	}
}

// session finds the signed-in staff member, if any, from the cookie.
func (w *Web) session() gin.HandlerFunc {
	return func(c *gin.Context) {
		token := w.cookieToken(c)
		if token != "" {
			actor, sid, err := w.signin.Lookup(c.Request.Context(), token)
			switch {
			case err == nil:
				c.Set(actorKey, actor)
				c.Set(sessionKey, sid)
			case isUnauthenticated(err):
				w.clearSession(c) // expired or signed out elsewhere
			default:
				_ = c.Error(err)
				w.fail(c, err)
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

// requireStaff sends a reader who is not signed in to the sign-in page,
// and back here after it.
func (w *Web) requireStaff() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := actorOf(c); ok {
			c.Next()
			return
		}
		to := "/login?next=" + url.QueryEscape(c.Request.URL.RequestURI())
		if c.GetHeader("HX-Request") != "" {
			// htmx follows HX-Redirect with a full page load.
			c.Header("HX-Redirect", to)
			c.Status(http.StatusUnauthorized)
		} else {
			c.Redirect(http.StatusSeeOther, to)
		}
		c.Abort()
	}
}

// requireRole admits only the roles given; others get the forbidden page.
func (w *Web) requireRole(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, _ := actorOf(c)
		if !slices.Contains(roles, actor.Role) {
			w.problem(c, http.StatusForbidden, "problem.forbidden")
			c.Abort()
			return
		}
		c.Next()
	}
}

func actorOf(c *gin.Context) (workflows.Actor, bool) {
	v, ok := c.Get(actorKey)
	if !ok {
		return workflows.Actor{}, false
	}
	a, ok := v.(workflows.Actor)
	return a, ok
}

// actingActor is the signed-in actor with the credential it acts by, for
// the timeline: this browser session.
func actingActor(c *gin.Context) workflows.Actor {
	actor, _ := actorOf(c)
	if sid, ok := c.Get(sessionKey); ok {
		actor.Via = workflows.Credential{Kind: workflows.ViaSession, Caller: "session:" + strconv.FormatInt(sid.(int64), 10)}
	}
	return actor
}

// secure reports whether cookies go out Secure.
func (w *Web) secure(c *gin.Context) bool {
	return w.secureCookies || c.Request.TLS != nil
}

func (w *Web) cookieToken(c *gin.Context) string {
	name := cookieName
	if w.secure(c) {
		name = secureCookieName
	}
	v, err := c.Cookie(name)
	if err != nil {
		return ""
	}
	return v
}

// setCookie writes a cookie the way all of ours go: HttpOnly, SameSite=Lax,
// Path=/, Secure behind TLS; maxAge < 0 deletes it.
func (w *Web) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: w.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

func (w *Web) sessionCookieName(c *gin.Context) string {
	if w.secure(c) {
		return secureCookieName
	}
	return cookieName
}

func (w *Web) clearSession(c *gin.Context) {
	w.setCookie(c, w.sessionCookieName(c), "", -1)
}

// localPath keeps a "next" or "back" link on this site: a path, not a URL
// (no scheme, no host, no "//" or "/\" a browser reads as another host).
func localPath(s, fallback string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") ||
		strings.ContainsAny(s, "\r\n\\") {
		return fallback
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return s
}

// isUnauthenticated reports a session that no longer signs anyone in.
func isUnauthenticated(err error) bool {
	r, ok := refusal.As(err)
	return ok && r.Kind == refusal.Unauthenticated
}
