// Package web is Tawasul's staff workspace: server-rendered pages (templ
// components in package views, htmx for the parts that refresh in place)
// served by the API's own Gin engine on the same port, under / beside
// /api/v1. The pages call the same use cases as the JSON API — the ticket
// core (tickets), sign-in (signin), the audit log (auditlog) — and ask the
// same authorization policy (authz); no rule is written twice, and the pages
// never call the JSON API over HTTP.
//
// One small file per page or action, the routes in routes.go, form reading in
// form.go, the session and the request guards in middleware.go (after
// miniflux's internal/ui).
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tawasul/tawasul/faqbank"

	"github.com/tawasul/tawasul/accounts"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/policies"
	"github.com/tawasul/tawasul/surveycalls"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/notifications"
	"github.com/tawasul/tawasul/orgchart"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
)

// Options configure the pages. Store, Tickets, Signin, Audit and Entities
// are required.
type Options struct {
	Store    *store.Store
	Tickets  *tickets.Service
	Signin   *signin.Service
	Audit    *auditlog.Writer
	Entities *entities.Cache
	// Attachments keeps the tickets' documents (nil: downloads unavailable).
	Attachments attachments.Store
	// FAQ is the bank the answer box offers canned answers from (nil: none).
	FAQ    *faq.Index
	Logger *slog.Logger
	Now    func() time.Time
	// SecureCookies marks the session cookie Secure (and names it with the
	// __Host- prefix) even when the request did not arrive over TLS itself:
	// set it behind a proxy that ends TLS. A request over TLS always gets it.
	SecureCookies bool
	// PollEvery is how often a list asks whether it changed (default 20 s;
	// tests shorten it).
	PollEvery time.Duration
	// SessionTTL is how long a browser session lasts from sign-in (default
	// 8 h, a working day); signing in again starts a new one.
	SessionTTL time.Duration
	// TemporalUI is the base URL of the namespace in the Temporal Web UI
	// ("http://127.0.0.1:8233/namespaces/tawasul"); the history page links
	// a workflow to its page there. Empty: no link.
	TemporalUI string
	// OutboxInFull shows the outbox monitor without masking (dev mode, as
	// the API's Options.OutboxInFull; notify.AsStaffSee).
	OutboxInFull bool
}

// Web serves the pages.
type Web struct {
	store    *store.Store
	tickets  *tickets.Service
	policies *policies.Service
	signin   *signin.Service
	audit    *auditlog.Writer
	entities *entities.Cache
	faq      *faq.Index
	// notifications: the officials' notification screen, the API's core.
	notifications *notifications.Service
	survey        *surveycalls.Service
	// accounts: the administrators' accounts and tokens, the API's core.
	accounts *accounts.Service
	// faqBank writes the FAQ bank, the API's core (then indexed in faq).
	faqBank *faqbank.Service
	// orgchart: the organization's CSV import and export, the API's core.
	orgchart     *orgchart.Service
	outboxInFull bool
	files        attachments.Store
	log          *slog.Logger
	now          func() time.Time
	csrf         *http.CrossOriginProtection
	// calendars: each policy version's working calendar, for deadlines.
	calendars *calendars

	secureCookies bool
	pollEvery     time.Duration
	sessionTTL    time.Duration
	temporalUI    string
}

// New checks opts and builds the pages.
func New(opts Options) (*Web, error) {
	switch {
	case opts.Store == nil, opts.Tickets == nil, opts.Signin == nil, opts.Audit == nil, opts.Entities == nil:
		return nil, errors.New("web: Options.Store, Tickets, Signin, Audit and Entities are required")
	}
	w := &Web{
		store: opts.Store, tickets: opts.Tickets, signin: opts.Signin, audit: opts.Audit,
		entities: opts.Entities, faq: opts.FAQ, files: opts.Attachments, log: opts.Logger, now: opts.Now,
		csrf:          http.NewCrossOriginProtection(),
		calendars:     &calendars{load: opts.Store.GetPolicy},
		secureCookies: opts.SecureCookies, pollEvery: opts.PollEvery, sessionTTL: opts.SessionTTL,
		temporalUI: strings.TrimSuffix(opts.TemporalUI, "/"),
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.now == nil {
		w.now = time.Now
	}
	// The policy's use cases hold no state of their own: the pages run
	// them over the same store, audit log and ticket core as the API.
	ps, err := policies.New(policies.Options{Store: opts.Store, Audit: opts.Audit, Tickets: opts.Tickets, Logger: w.log, Now: w.now})
	if err != nil {
		return nil, err
	}
	w.policies = ps
	w.survey = surveycalls.New(opts.Store, opts.Audit, w.now)
	if w.pollEvery <= 0 {
		w.pollEvery = 20 * time.Second
	}
	if w.sessionTTL <= 0 {
		w.sessionTTL = 8 * time.Hour
	}
	w.notifications = notifications.New(opts.Store, opts.Entities, w.now)
	w.accounts = accounts.New(opts.Store, opts.Audit, opts.Signin, opts.Entities, w.now)
	w.faqBank = faqbank.New(opts.Store, opts.Audit, opts.FAQ, w.log, w.now)
	w.orgchart = orgchart.New(opts.Store, opts.Audit, opts.Entities, w.log)
	w.outboxInFull = opts.OutboxInFull
	return w, nil
}

// pollSpec is how often a polling part asks, as htmx writes it ("20s").
func (w *Web) pollSpec() string { return strconv.Itoa(int(w.pollEvery.Seconds())) + "s" }
