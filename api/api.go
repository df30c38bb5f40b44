// Package api is Tawasul's HTTP interface (Gin): intake of tickets from the
// public and from staff, the staff inbox and ticket view, the beneficiary's
// tracking page, actions on tickets (as Temporal updates), the raw workflow
// history for auditors, and the SLA policy. Errors are RFC 9457 problem
// documents with Arabic (default) or English titles.
package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tawasul/tawasul/faqbank"

	"github.com/tawasul/tawasul/accounts"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/notifications"
	"github.com/tawasul/tawasul/orgchart"
	"github.com/tawasul/tawasul/payload"
	"github.com/tawasul/tawasul/policies"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/surveycalls"
	"github.com/tawasul/tawasul/tickets"
)

// Credential is one configured bearer token.
type Credential struct {
	Name      string
	TokenHash string // hex SHA-256 of the bearer token
	Role      domain.Role
	Entity    string // scope; "" for ministry-wide roles
}

// Options configure the API. Store and Tickets are required.
type Options struct {
	Store *store.Store
	// Tickets is the application core the API shares with every other front
	// end: ticket use cases and every call to Temporal.
	Tickets *tickets.Service
	// Entities is the hierarchy cache the front ends share; nil builds one
	// over Store.
	Entities    *entities.Cache
	Credentials []Credential
	Logger      *slog.Logger
	Now         func() time.Time // default time.Now
	// IntakePerMinute limits anonymous POST /tickets per client address, an
	// IPv6 client counted by its /64 (default 30).
	IntakePerMinute int
	// Ready is an extra readiness check (e.g. Temporal reachable); nil = store ping only.
	Ready func(ctx context.Context) error
	// TrustedProxies are the proxies whose X-Forwarded-For is believed when
	// finding the client IP for rate limiting; nil trusts none, so a client
	// cannot dodge the limit by forging the header.
	TrustedProxies []string

	// SignIn holds the staff's sign-in rules, shared with the web pages; nil
	// builds one over Store with Passwords.
	SignIn *signin.Service
	// Passwords hashes and verifies account passwords when SignIn is nil
	// (default argon2id with password.Default, at most password.DefaultSlots
	// computations at once); tests pass cheaper parameters.
	Passwords *password.Hasher
	// LoginPerMinute limits login and refresh attempts per client address
	// (default 10).
	LoginPerMinute int
	// OIDC enables login with an ID token of the ministry's single sign-on;
	// the zero value (no issuer) leaves POST /auth/oidc answering 404.
	OIDC OIDCOptions
	// BeneficiaryCodes: the daily cap per mobile and the failure alarm.
	BeneficiaryCodes BeneficiaryCodeOptions

	// Attachments keeps the files attached to tickets; nil leaves uploads
	// and downloads answering 503.
	Attachments attachments.Store
	// AttachmentMaxBytes bounds one file (default 10 MiB);
	// AttachmentsPerTicket the files on a ticket from each side (default 10).
	AttachmentMaxBytes   int64
	AttachmentsPerTicket int
	// OutboxInFull shows the outbox without masking recipients or hiding
	// sign-in codes (dev mode: no SMS gateway, the code is read there).
	OutboxInFull bool
	// FAQ is the search index of the FAQ bank, kept up to date by its owner
	// (the app polls it); nil builds one over Store that loads at first use
	// and follows only this API's own writes.
	FAQ *faq.Index
	// SurveyCalls sizes a day's survey call list built on request
	// (POST /survey-calls/sample), as the daily schedule sizes it; zero
	// values take the defaults.
	SurveyCalls store.SurveySampling
	// Codec opens sealed Temporal payloads for the codec endpoint
	// (POST /codec/decode); nil leaves the endpoint out.
	Codec *payload.Codec
	// CodecOrigins are the Web UI origins allowed to call it from a browser.
	CodecOrigins []string
}

// API serves Tawasul over HTTP.
type API struct {
	store    *store.Store
	tickets  *tickets.Service
	entities *entities.Cache
	// orgchart: the organization's CSV import and export.
	orgchart *orgchart.Service
	// keys: the tracking secret's, for beneficiaries' sign-in codes and
	// sessions and FAQ votes (tickets.Service.Keys).
	keys  trackcode.Keys
	log   *slog.Logger
	now   func() time.Time
	ready func(ctx context.Context) error
	// auditor writes the audit log (audit.go's helpers).
	auditor *auditlog.Writer
	// policies runs the policy's use cases (save, preview, roll-out).
	policies *policies.Service
	// signin: Options.SignIn, the staff's sign-in.
	signin *signin.Service

	auth   staffAuth
	limits limits
	files  fileLimits
	// faq is the FAQ bank's search index.
	faq *faq.Index
	// faqBank writes the bank (audited, then indexed in faq).
	faqBank *faqbank.Service
	// notifications: the officials' notification screen (notifications.go).
	notifications *notifications.Service
	// surveySampling: Options.SurveyCalls.
	surveySampling store.SurveySampling
	// accounts administers staff accounts and integration tokens.
	accounts *accounts.Service
	// surveyCalls records the survey agents' call attempts.
	surveyCalls *surveycalls.Service
	// outboxInFull: Options.OutboxInFull.
	outboxInFull bool
	// codeOpts and codeFailures: Options.BeneficiaryCodes.
	codeOpts     BeneficiaryCodeOptions
	codeFailures *codeFailures
	codec        *payload.Codec
	codecOrigins []string

	proxies []string
	handler http.Handler
	// engine is the router behind handler, kept so tests can enumerate its
	// routes (the authorization matrix) even if handler is ever wrapped.
	engine *gin.Engine
}

// staffAuth is how staff sign in besides accounts' passwords and sessions
// (API.signin): configured tokens, the ministry's single sign-on.
type staffAuth struct {
	creds []Credential
	oidc  *oidcLogin // nil: single sign-on not configured
}

// limits are the per-address budgets of the routes the public reaches.
type limits struct {
	// intake guards anonymous filings.
	intake *ipLimiter
	// login guards login and refresh; failed passwords are also counted per
	// (username, address) in the store (store.RecordLoginFailure), which
	// makes a guessing address wait longer and longer, and alerts on guesses
	// spread over many addresses.
	login *ipLimiter
	// track guards the beneficiary's routes (tracking code guesses and floods).
	track *ipLimiter
	// faq guards the public FAQ routes (staff are not limited: agents search
	// all day behind one address).
	faq *ipLimiter
	// code guards one-time code requests and sign-ins; the per-mobile
	// throttle and attempt count are in the store.
	code *ipLimiter
	// answerFloor is the least time a code request or sign-in takes
	// (defaultAnswerFloor; tests shorten it).
	answerFloor time.Duration
}

// fileLimits: where attachments go and how many and how large they may be.
type fileLimits struct {
	store     attachments.Store // nil: attachments off
	maxFile   int64
	perTicket int
}

// New validates opts and builds the router.
func New(opts Options) (*API, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("api: Options.Store is required")
	case opts.Tickets == nil:
		return nil, errors.New("api: Options.Tickets is required")
	}
	if err := checkCredentials(opts.Credentials); err != nil {
		return nil, err
	}
	if err := checkOIDC(opts.OIDC); err != nil {
		return nil, err
	}
	a := &API{
		store:          opts.Store,
		tickets:        opts.Tickets,
		entities:       opts.Entities,
		keys:           opts.Tickets.Keys(),
		log:            opts.Logger,
		now:            opts.Now,
		ready:          opts.Ready,
		proxies:        opts.TrustedProxies,
		signin:         opts.SignIn,
		auth:           staffAuth{creds: append([]Credential(nil), opts.Credentials...)},
		files:          fileLimits{store: opts.Attachments, maxFile: opts.AttachmentMaxBytes, perTicket: opts.AttachmentsPerTicket},
		outboxInFull:   opts.OutboxInFull,
		faq:            opts.FAQ,
		surveySampling: opts.SurveyCalls.OrDefault(),
		codeOpts:       opts.BeneficiaryCodes,
		codeFailures:   newCodeFailures(opts.BeneficiaryCodes),
		codec:          opts.Codec,
		codecOrigins:   opts.CodecOrigins,
	}
	if a.files.maxFile <= 0 {
		a.files.maxFile = attachments.DefaultMaxBytes
	}
	if a.files.perTicket <= 0 {
		a.files.perTicket = attachments.DefaultPerTicket
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.auditor = auditlog.New(a.store, a.now, a.log)
	ps, err := policies.New(policies.Options{Store: a.store, Audit: a.auditor, Tickets: a.tickets, Logger: a.log, Now: a.now})
	if err != nil {
		return nil, err
	}
	a.policies = ps
	a.surveyCalls = surveycalls.New(a.store, a.auditor, a.now)
	if a.signin == nil {
		s, err := signin.New(signin.Options{
			Store: a.store, Passwords: opts.Passwords, Audit: a.auditor, Logger: a.log, Now: a.now,
		})
		if err != nil {
			return nil, err
		}
		a.signin = s
	}
	if opts.OIDC.enabled() {
		a.auth.oidc = newOIDCLogin(opts.OIDC, a.now)
	}
	if a.entities == nil {
		a.entities = entities.NewCache(a.store.ListEntities, 0, a.now)
	}
	a.notifications = notifications.New(a.store, a.entities, a.now)
	a.accounts = accounts.New(a.store, a.auditor, a.signin, a.entities, a.now)
	a.orgchart = orgchart.New(a.store, a.auditor, a.entities, a.log)
	perMinute := opts.IntakePerMinute
	if perMinute <= 0 {
		perMinute = 30
	}
	loginPerMinute := opts.LoginPerMinute
	if loginPerMinute <= 0 {
		loginPerMinute = 10
	}
	a.limits = limits{
		intake:      newIPLimiter(perMinute),
		login:       newIPLimiter(loginPerMinute),
		code:        newIPLimiter(loginPerMinute),
		track:       newIPLimiter(4 * perMinute),
		faq:         newIPLimiter(4 * perMinute),
		answerFloor: defaultAnswerFloor,
	}
	if a.faq == nil {
		a.faq = faq.New(a.store, a.log)
	}
	a.faqBank = faqbank.New(a.store, a.auditor, a.faq, a.log, a.now)
	h, err := a.routes()
	if err != nil {
		return nil, err
	}
	a.handler = h
	return a, nil
}

// Handler returns the HTTP handler of the whole API.
func (a *API) Handler() http.Handler { return a.handler }

var ginModeOnce sync.Once

func (a *API) routes() (http.Handler, error) {
	// Gin's debug mode prints every route on stdout; keep the operator's choice
	// when GIN_MODE is set, otherwise stay quiet.
	ginModeOnce.Do(func() {
		if os.Getenv(gin.EnvGinMode) == "" {
			gin.SetMode(gin.ReleaseMode)
		}
	})
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(a.proxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	r.Use(a.recovery(), requestID(), a.accessLog(), securityHeaders())
	r.NoRoute(func(c *gin.Context) { a.fail(c, problem(http.StatusNotFound, codeNotFound)) })
	r.NoMethod(func(c *gin.Context) { a.fail(c, problem(http.StatusMethodNotAllowed, codeMethodNotAllowed)) })
	a.engine = r

	r.GET("/healthz", a.handle(a.healthz))
	r.GET("/readyz", a.handle(a.readyz))

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.yaml", a.handle(serveOpenAPI))
	v1.GET("/entities", a.handle(a.listEntities))

	v1.POST("/auth/login", a.handle(a.login))
	v1.POST("/auth/refresh", a.handle(a.refresh))
	v1.POST("/auth/oidc", a.handle(a.loginOIDC))

	v1.POST("/tickets", a.filerAuth(), a.handle(a.createTicket))
	if a.codec != nil {
		// CORS before authentication, so a refusal reaches the Web UI readably.
		v1.OPTIONS("/codec/decode", a.codecCORS)
		v1.POST("/codec/decode", a.codecCORS, a.requireAuthOrSession(), a.requireRole(domain.RoleAdmin, domain.RoleAuditor), a.handle(a.codecDecode))
	}
	staff := v1.Group("", a.requireAuth())
	staff.GET("/tickets", a.refuseRole(domain.RoleSurveyAgent), a.handle(a.listTickets))
	staff.GET("/tickets/counts", a.refuseRole(domain.RoleSurveyAgent), a.handle(a.countTickets))
	staff.GET("/tickets/search", a.refuseRole(domain.RoleSurveyAgent), a.handle(a.searchTickets))
	staff.GET("/tickets/:number", a.handle(a.getTicket))
	staff.POST("/tickets/:number/responses", a.handle(a.respond))
	staff.POST("/tickets/:number/notes", a.handle(a.addNote))
	staff.POST("/tickets/:number/info-requests", a.handle(a.requestInfo))
	staff.POST("/tickets/:number/transfer", a.handle(a.transfer))
	staff.POST("/tickets/:number/follow-up/close", a.handle(a.closeFollowUp))
	staff.POST("/tickets/:number/meeting/offer", a.handle(a.offerMeeting))
	staff.POST("/tickets/:number/meeting/decline", a.handle(a.declineMeeting))
	staff.POST("/tickets/:number/meeting/attendance", a.handle(a.recordAttendance))
	staff.POST("/tickets/:number/claim", a.handle(a.claim))
	staff.POST("/tickets/:number/assignment", a.handle(a.assign))
	staff.GET("/coordinators", a.handle(a.coordinatorLoads))
	staff.GET("/tickets/:number/history", a.handle(a.history))
	staff.POST("/tickets/:number/attachments", a.handle(a.uploadStaff))
	staff.GET("/tickets/:number/attachments/:id", a.handle(a.downloadStaff))
	// Gin matches /policies/current and /policies/diff before /policies/:version.
	staff.GET("/policies", a.handle(a.listPolicies))
	staff.GET("/policies/current", a.handle(a.currentPolicy))
	staff.GET("/policies/diff", a.handle(a.diffPolicies))
	staff.GET("/policies/:version", a.handle(a.getPolicy))
	staff.PUT("/policies", a.requireRole(domain.RoleAdmin), a.handle(a.savePolicy))
	staff.POST("/policies/preview", a.requireRole(domain.RoleAdmin), a.handle(a.previewPolicy))
	staff.POST("/policies/:version/rollout", a.requireRole(domain.RoleAdmin), a.handle(a.startRollout))
	staff.GET("/policies/:version/rollout", a.requireRole(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleAuditor), a.handle(a.rolloutProgress))
	staff.GET("/entities/export", a.requireRole(domain.RoleAdmin), a.handle(a.exportEntities))
	staff.POST("/entities/import", a.requireRole(domain.RoleAdmin), a.handle(a.importEntities))
	staff.POST("/auth/logout", a.handle(a.logout))
	staff.POST("/auth/password", a.handle(a.changePassword))
	staff.POST("/accounts", a.requireRole(domain.RoleAdmin), a.handle(a.createAccount))
	staff.POST("/accounts/:username/disable", a.requireRole(domain.RoleAdmin), a.handle(a.disableAccount))
	staff.PUT("/accounts/:username/role", a.requireRole(domain.RoleAdmin), a.handle(a.changeRole))
	staff.POST("/tokens", a.requireRole(domain.RoleAdmin), a.handle(a.createAPIToken))
	staff.GET("/tokens", a.requireRole(domain.RoleAdmin), a.handle(a.listAPITokens))
	staff.GET("/outbox", a.requireRole(domain.RoleAdmin, domain.RoleSupervisor), a.handle(a.listOutbox))
	staff.POST("/tokens/:name/revoke", a.requireRole(domain.RoleAdmin), a.handle(a.revokeAPIToken))
	// The caller's own in-app notifications (notifications.go).
	inbox := staff.Group("/notifications", a.requirePerson())
	inbox.GET("", a.handle(a.listNotifications))
	inbox.GET("/unread-count", a.handle(a.unreadNotifications))
	inbox.POST("/read", a.handle(a.markNotificationsRead))
	// Gin matches /survey-calls/summary and /survey-calls/sample before /survey-calls/:id.
	staff.GET("/survey-calls", a.requireRole(domain.RoleSurveyAgent, domain.RoleSupervisor, domain.RoleAdmin), a.handle(a.listSurveyCalls))
	staff.GET("/survey-calls/summary", a.requireRole(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleMinisterOffice), a.handle(a.surveySummary))
	staff.POST("/survey-calls/sample", a.requireRole(domain.RoleAdmin, domain.RoleSupervisor), a.handle(a.sampleSurveyCalls))
	staff.POST("/survey-calls/:id/outcome", a.requireRole(domain.RoleSurveyAgent), a.handle(a.recordSurveyOutcome))

	// The beneficiary's routes: a tracking code, or for the two actions also
	// a beneficiary session (tb_…) on their own tickets.
	beneficiary := v1.Group("", a.limitPerAddress(a.limits.track))
	beneficiary.POST("/tickets/:number/objections", a.handle(a.object))
	beneficiary.POST("/tickets/:number/withdrawal", a.handle(a.withdraw))
	beneficiary.POST("/tickets/:number/info", a.handle(a.provideInfo))
	beneficiary.POST("/tickets/:number/rating", a.handle(a.rate))
	beneficiary.POST("/tickets/:number/meeting/confirm", a.handle(a.confirmMeeting))
	beneficiary.GET("/track/:number", a.handle(a.track))
	beneficiary.POST("/tickets/:number/beneficiary-attachments", a.handle(a.uploadBeneficiary))
	beneficiary.GET("/track/:number/attachments/:id", a.handle(a.downloadTracked))

	// The FAQ bank: read by anyone (the portal before a ticket is filed,
	// agents on a call), written by admins.
	faqPublic := v1.Group("/faq", a.optionalAuth(), a.limitAnonymous(a.limits.faq))
	faqPublic.GET("/search", a.handle(a.searchFAQ))
	faqPublic.GET("/suggest", a.handle(a.suggestFAQ))
	faqPublic.GET("/:id", a.handle(a.getFAQ))
	faqPublic.POST("/:id/helpful", a.handle(a.markFAQHelpful))
	faqAdmin := staff.Group("/faq", a.requireRole(domain.RoleAdmin))
	faqAdmin.GET("", a.handle(a.listFAQ))
	faqAdmin.POST("", a.handle(a.createFAQ))
	faqAdmin.PUT("/:id", a.handle(a.updateFAQ))
	faqAdmin.DELETE("/:id", a.handle(a.deleteFAQ))

	signIn := v1.Group("/beneficiary", a.limitPerAddress(a.limits.code))
	signIn.POST("/code", a.handle(a.requestBeneficiaryCode))
	signIn.POST("/session", a.handle(a.openBeneficiarySession))
	signedIn := v1.Group("/beneficiary", a.limitPerAddress(a.limits.track), a.requireBeneficiary())
	signedIn.GET("/tickets", a.handle(a.listOwnTickets))
	signedIn.GET("/tickets/:number", a.handle(a.getOwnTicket))
	signedIn.GET("/tickets/:number/attachments/:id", a.handle(a.downloadOwn))
	signedIn.POST("/tickets/:number/verify", a.handle(a.verifyOwnTicket))
	signedIn.POST("/logout", a.handle(a.beneficiaryLogout))
	return r, nil
}

// checkCredentials refuses a configuration that would authenticate wrongly:
// names that are not valid token names (checkTokenName: as usernames are,
// and none of the actor ids Tawasul itself acts as, such as "beneficiary" or
// "system", which would let the token act as them), two credentials by one
// name (one actor for two tokens), malformed hashes, unknown roles, scoped
// roles without an entity, duplicate tokens.
func checkCredentials(cs []Credential) error {
	seen := map[string]string{}
	names := map[string]bool{}
	for i, c := range cs {
		if c.Name == "" {
			return fmt.Errorf("api: credential %d: empty name", i)
		}
		if fe := checkTokenName("name", c.Name); fe != nil {
			switch {
			case fe[0].code == fieldReservedName:
				return fmt.Errorf("api: credential %q: the name is reserved (Tawasul acts as %q itself)", c.Name, c.Name)
			case c.Name != store.NormalizeUsername(c.Name) && checkTokenName("name", store.NormalizeUsername(c.Name)) == nil:
				return fmt.Errorf("api: credential %q: write the name in lower case, %q", c.Name, store.NormalizeUsername(c.Name))
			default:
				return fmt.Errorf("api: credential %q: a name is 1 to %d letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
					c.Name, maxUsernameLength)
			}
		}
		if names[c.Name] {
			return fmt.Errorf("api: two credentials named %q", c.Name)
		}
		names[c.Name] = true
		if b, err := hex.DecodeString(c.TokenHash); err != nil || len(b) != 32 {
			return fmt.Errorf("api: credential %q: token hash must be 64 hex digits (SHA-256)", c.Name)
		}
		if !c.Role.ValidStaff() {
			return fmt.Errorf("api: credential %q: unknown role %q", c.Name, c.Role)
		}
		if authz.EntityScoped(c.Role) && c.Entity == "" {
			return fmt.Errorf("api: credential %q: role %s needs an entity", c.Name, c.Role)
		}
		if other, dup := seen[c.TokenHash]; dup {
			return fmt.Errorf("api: credentials %q and %q share a token", other, c.Name)
		}
		seen[c.TokenHash] = c.Name
	}
	return nil
}

// Engine is the router, for the web pages (package web) to add their routes
// beside the API's on the same engine and port.
func (a *API) Engine() *gin.Engine { return a.engine }

// LoginGuard is the API's per-address limit on sign-in attempts, for every
// other sign-in form to share: an address is counted once, whichever front
// end it tries.
func (a *API) LoginGuard() gin.HandlerFunc { return a.limitPerAddress(a.limits.login) }

// APINotFound answers a path no route serves under the API's own prefixes
// with the API's problem document, and lets any other path go on to the
// next handler (the web's not-found page).
func (a *API) APINotFound(c *gin.Context) {
	p := c.Request.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" {
		a.fail(c, problem(http.StatusNotFound, codeNotFound))
		c.Abort()
		return
	}
	c.Next()
}
