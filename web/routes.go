package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/web/static"
	"github.com/tawasul/tawasul/web/views"
)

// Guards are the API's own request guards the pages reuse, so a limit is
// counted once whichever front end is used.
type Guards struct {
	// Login limits sign-in attempts per client address (the API's login
	// limiter, shared by POST /api/v1/auth/login and POST /login).
	Login gin.HandlerFunc
	// APINotFound answers a path under the API's own prefixes (problem+json)
	// and aborts; other paths go on to the not-found page.
	APINotFound gin.HandlerFunc
}

// Mount adds the pages to the engine the API serves, beside /api/v1: every
// route of the web application is here.
func (w *Web) Mount(r *gin.Engine, g Guards) {
	files := gin.WrapH(static.Handler())
	r.GET(static.Prefix+"*file", files)
	r.HEAD(static.Prefix+"*file", files)

	pages := r.Group("", pageHeaders(), language(), w.crossOrigin(), w.session())
	pages.GET("/", w.home)
	pages.GET("/login", w.handle(w.loginPage))
	login := []gin.HandlerFunc{}
	if g.Login != nil {
		login = append(login, g.Login)
	}
	pages.POST("/login", append(login, w.handle(w.login))...)
	pages.POST("/lang", w.handle(w.setLanguage))

	staff := pages.Group("", w.requireStaff())
	staff.POST("/logout", w.handle(w.logout))
	// Survey agents have no inbox (as the API refuses them one).
	casework := w.requireRole(views.Casework...)
	staff.GET("/inbox", casework, w.handle(w.inbox))
	staff.GET("/inbox/list", casework, w.handle(w.inboxList))
	staff.GET("/tickets/:number", w.handle(w.ticket))
	staff.POST("/tickets/:number/:action", w.handle(w.act))
	staff.GET("/tickets/:number/attachments/:id", w.handle(w.download))
	staff.GET("/canned", w.handle(w.canned))
	// Survey agents work from their call list, not the tickets' pages.
	staff.GET("/search", casework, w.handle(w.search))
	staff.GET("/meetings", w.requireRole(views.Diary...), w.handle(w.meetings))
	staff.GET("/survey-calls", w.requireRole(views.SurveyReaders...), w.handle(w.surveyCalls))
	staff.POST("/survey-calls/:id", w.requireRole(domain.RoleSurveyAgent), w.handle(w.recordCall))
	filers := w.requireRole(views.Filers...)
	staff.GET("/file", filers, w.handle(w.fileForm))
	staff.POST("/file", filers, w.handle(w.file))
	staff.GET("/file/history", filers, w.handle(w.fileHistory))

	// Any other path: the API's problem under its prefixes, else the page.
	notFound := []gin.HandlerFunc{}
	if g.APINotFound != nil {
		notFound = append(notFound, g.APINotFound)
	}
	r.NoRoute(append(notFound, pageHeaders(), language(), w.session(), w.notFound)...)
}

// notFound is the page for a path no route serves.
func (w *Web) notFound(c *gin.Context) {
	w.problem(c, http.StatusNotFound, "problem.not_found")
}
