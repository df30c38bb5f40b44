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
	staff.GET("/tickets/:number/presence", w.handle(w.presenceLine))
	staff.GET("/canned", w.handle(w.canned))
	// Survey agents work from their call list, not the tickets' pages.
	staff.GET("/search", w.requireRole(views.Casework...), w.handle(w.search))
	// Every signed-in official reads their own notifications.
	staff.GET("/notifications", w.handle(w.notificationsPage))
	staff.GET("/notifications/bell", w.handle(w.bellPoll))
	staff.POST("/notifications/read", w.handle(w.markRead))
	staff.GET("/workload", w.requireRole(views.Overseers...), w.handle(w.workload))
	staff.POST("/workload/assign", w.requireRole(views.Overseers...), w.handle(w.reassign))
	// The auditors' pages: a ticket's workflow history, the audit log.
	staff.GET("/tickets/:number/history", w.requireRole(views.Auditing...), w.handle(w.history))
	staff.GET("/audit", w.requireRole(views.Auditing...), w.handle(w.auditLog))
	// The escalation policy: administrators write it, supervisors and
	// auditors read it. Gin matches /policies/new and /policies/diff before
	// /policies/:version.
	readers, admin := w.requireRole(views.PolicyReaders...), w.requireRole(domain.RoleAdmin)
	staff.GET("/policies", readers, w.handle(w.policyVersions))
	staff.GET("/policies/new", admin, w.handle(w.policyNew))
	staff.POST("/policies", admin, w.handle(w.policySave))
	staff.GET("/policies/diff", readers, w.handle(w.policyDiff))
	staff.GET("/policies/:version", readers, w.handle(w.policyVersion))
	staff.GET("/policies/:version/preview", admin, w.handle(w.policyPreview))
	staff.POST("/policies/:version/rollout", admin, w.handle(w.rollout))
	staff.GET("/policies/:version/rollout", readers, w.handle(w.rolloutPanel))
	staff.GET("/meetings", w.requireRole(views.Diary...), w.handle(w.meetings))
	staff.GET("/survey-calls", w.requireRole(views.SurveyReaders...), w.handle(w.surveyCalls))
	staff.POST("/survey-calls/:id", w.requireRole(domain.RoleSurveyAgent), w.handle(w.recordCall))
	filers := w.requireRole(views.Filers...)
	staff.GET("/file", filers, w.handle(w.fileForm))
	staff.POST("/file", filers, w.handle(w.file))
	staff.GET("/file/history", filers, w.handle(w.fileHistory))
	// The administrators' pages: accounts, integration tokens, the FAQ bank.
	staff.GET("/admin", admin, w.handle(w.adminIndex))
	staff.GET("/admin/accounts", admin, w.handle(w.accountsPage))
	staff.POST("/admin/accounts", admin, w.handle(w.createAccount))
	staff.POST("/admin/accounts/:username/disable", admin, w.handle(w.disableAccount))
	staff.POST("/admin/accounts/:username/role", admin, w.handle(w.changeRole))
	staff.GET("/admin/tokens", admin, w.handle(w.tokensPage))
	staff.POST("/admin/tokens", admin, w.handle(w.createToken))
	staff.POST("/admin/tokens/:name/revoke", admin, w.handle(w.revokeToken))
	// Gin matches /admin/faq/new before /admin/faq/:id.
	staff.GET("/admin/faq", admin, w.handle(w.faqList))
	staff.GET("/admin/faq/new", admin, w.handle(w.faqNew))
	staff.POST("/admin/faq", admin, w.handle(w.faqCreate))
	staff.GET("/admin/faq/:id", admin, w.handle(w.faqEdit))
	staff.POST("/admin/faq/:id", admin, w.handle(w.faqUpdate))
	staff.POST("/admin/faq/:id/delete", admin, w.handle(w.faqDelete))
	// The administrators' pages: the organization (import, export) and the
	// outbox monitor, which the supervisor reads too (as the API allows).
	staff.GET("/admin/entities", admin, w.handle(w.orgChart))
	staff.GET("/admin/entities/export", admin, w.handle(w.exportEntities))
	staff.POST("/admin/entities/import", admin, w.handle(w.importEntities))
	outbox := w.requireRole(domain.RoleAdmin, domain.RoleSupervisor)
	staff.GET("/admin/outbox", outbox, w.handle(w.outboxPage))
	staff.GET("/admin/outbox/list", outbox, w.handle(w.outboxList))

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
