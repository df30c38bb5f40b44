// Package app assembles a running Tawasul from its parts: the read model, the
// Temporal client, the worker and the HTTP API. `tawasul dev`, `api` and
// `worker` and the end-to-end tests all build the system here, so there is one
// wiring, not one per entry point.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tawasul/tawasul/activities"
	"github.com/tawasul/tawasul/api"
	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/dispatch"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/payload"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web"
	"github.com/tawasul/tawasul/worker"
)

// Options says which parts to run and where the outside services are.
type Options struct {
	Config          config.Config
	DSN             string // read-model database
	TemporalAddress string // host:port of the Temporal frontend
	Worker          bool   // run the Temporal worker
	API             bool   // serve the HTTP API
	// Migrate applies pending migrations at start (dev mode and tests only; in
	// production `tawasul migrate` does it and a pending migration fails start).
	Migrate bool
	// Seed loads the bundled organization and the default policy when absent.
	Seed bool
	// DemoFAQ loads the bundled demo FAQ bank when the bank is empty (dev).
	DemoFAQ     bool
	Credentials []api.Credential
	Logger      *slog.Logger
	// Listener, when set, is used instead of listening on Config.Addr (tests).
	Listener net.Listener
	// Dev is `tawasul dev`: the API shows the outbox in full (recipients and
	// sign-in codes) and the dispatcher marks messages of a channel without
	// a provider skipped.
	Dev bool
	// DevAccounts are the demo accounts `tawasul dev` creates when missing
	// (with DevTokens' usernames and passwords).
	DevAccounts []DevToken
	// WebPollEvery is how often the web pages' lists ask whether they
	// changed (0: the web's default; tests shorten it).
	WebPollEvery time.Duration
	// TemporalUI is the Temporal Web UI's base URL when one is known (dev's
	// embedded UI): the auditors' history page links workflows to it.
	TemporalUI string
	// WrapOutbox, when set, wraps the outbox the Notify activity writes to
	// (tests inject failures there).
	WrapOutbox func(notify.Outbox) notify.Outbox
}

// App is a started system; Run serves until its context ends, Close releases.
type App struct {
	opts   Options
	log    *slog.Logger
	Store  *store.Store
	Client client.Client
	// Codec seals and opens every payload Client hands to Temporal.
	Codec  *payload.Codec
	worker sdkworker.Worker
	// dispatcher delivers the outbox; nil unless this process runs the worker.
	dispatcher *dispatch.Dispatcher
	// Tickets is the application core every front end shares (nil without API).
	Tickets *tickets.Service
	// SignIn is the staff's sign-in every front end shares (nil without API).
	SignIn *signin.Service
	// Web is the staff's web pages, on the API's engine (nil without API).
	Web *web.Web
	API *api.API
	// FAQ is the API's search index of the FAQ bank (nil without API).
	FAQ    *faq.Index
	server *http.Server
	ln     net.Listener
	// files keeps attachments (nil without a directory: uploads answer 503).
	files *attachments.Disk
}

// New connects everything and prepares it; nothing is served until Run.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{opts: opts, log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	if a.Store, err = store.Open(ctx, opts.DSN); err != nil {
		return nil, fmt.Errorf("opening the read model: %w", err)
	}
	a.Store.SetAuditKey([]byte(opts.Config.Secrets.Audit))
	if opts.Migrate {
		if err := a.Store.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("migrating the read model: %w", err)
		}
	} else if n, err := a.Store.PendingMigrations(ctx); err != nil {
		return nil, fmt.Errorf("checking migrations: %w", err)
	} else if n > 0 {
		return nil, fmt.Errorf("the read model has %d pending migrations: run `tawasul migrate` first", n)
	}
	if opts.Seed {
		if err := Seed(ctx, a.Store); err != nil {
			return nil, err
		}
	}
	if opts.DemoFAQ {
		n, err := SeedDemoFAQ(ctx, a.Store)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Info("loaded the demo FAQ bank", "entries", n)
		}
	}

	// Every payload this process hands to Temporal is sealed, and one that
	// is not sealed is refused: see package payload.
	if a.Codec, err = PayloadCodec(opts.Config); err != nil {
		return nil, err
	}
	codec := a.Codec
	if a.Client, err = Dial(ctx, opts.Config.Temporal, opts.TemporalAddress, codec, log); err != nil {
		return nil, err
	}
	if opts.Worker {
		var outbox notify.Outbox = a.Store
		if opts.WrapOutbox != nil {
			outbox = opts.WrapOutbox(outbox)
		}
		acts := &activities.Activities{Store: a.Store, Notifier: notify.New(outbox, log), SurveyCalls: surveySampling(opts.Config)}
		a.worker = worker.New(a.Client, acts, worker.Options{
			MaxConcurrentActivities: opts.Config.Worker.MaxConcurrentActivities,
			MaxConcurrentWorkflows:  opts.Config.Worker.MaxConcurrentWorkflows,
			MaxConcurrentLocal:      opts.Config.Worker.MaxConcurrentLocalActivities,
			WorkflowPollers:         opts.Config.Worker.WorkflowPollers,
			ActivityPollers:         opts.Config.Worker.ActivityPollers,
			CacheSize:               opts.Config.Worker.CacheSize,
			AutoscalePollers:        opts.Config.Worker.AutoscalePollers,
			StickyTimeout:           opts.Config.Worker.StickyTimeout,
		})
		if opts.Config.Notify.Dispatch.Enabled {
			if a.dispatcher, err = newDispatcher(opts.Config.Notify, a.Store, log, opts.Dev); err != nil {
				return nil, fmt.Errorf("building the outbox dispatcher: %w", err)
			}
		}
	}
	if opts.API {
		var files attachments.Store
		if dir := opts.Config.AttachmentsDir(); dir != "" {
			if a.files, err = attachments.NewDisk(dir); err != nil {
				return nil, fmt.Errorf("opening the attachment store: %w", err)
			}
			files = a.files
		}
		// Built now, so the first searcher does not wait for it and a bank
		// that cannot be read fails the start rather than every search.
		a.FAQ = faq.New(a.Store, log.With("component", "faq"))
		if err := a.FAQ.Refresh(ctx); err != nil {
			return nil, fmt.Errorf("building the FAQ index: %w", err)
		}
		// One hierarchy cache and one core for every front end.
		hierarchy := entities.NewCache(a.Store.ListEntities, 0, nil)
		a.Tickets, err = tickets.New(tickets.Options{
			Store:     a.Store,
			Temporal:  tickets.FromClient(a.Client),
			Entities:  hierarchy,
			Keys:      trackcode.NewKeys([]byte(opts.Config.Secrets.Tracking)),
			Logger:    log,
			Timeout:   opts.Config.Temporal.UpdateTimeout,
			Namespace: opts.Config.Temporal.Namespace,
			Codec:     codec,
		})
		if err != nil {
			return nil, fmt.Errorf("building the ticket service: %w", err)
		}
		audit := auditlog.New(a.Store, nil, log)
		a.SignIn, err = signin.New(signin.Options{Store: a.Store, Audit: audit, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("building the sign-in service: %w", err)
		}
		if len(opts.DevAccounts) > 0 {
			n, err := SeedDevAccounts(ctx, a.Store, a.SignIn, audit, opts.DevAccounts)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				log.Info("created the demo accounts", "accounts", n)
			}
		}
		a.API, err = api.New(api.Options{
			Store:           a.Store,
			Tickets:         a.Tickets,
			SignIn:          a.SignIn,
			Entities:        hierarchy,
			TrustedProxies:  opts.Config.HTTP.TrustedProxies,
			Credentials:     opts.Credentials,
			Logger:          log,
			IntakePerMinute: opts.Config.Intake.PerMinute,
			OIDC:            OIDC(opts.Config.Auth.OIDC),
			Attachments:     files,
			// Zero in a hand-built Config: the API's defaults apply.
			BeneficiaryCodes: api.BeneficiaryCodeOptions{PerDay: opts.Config.Beneficiary.CodesPerDay,
				FailureAlarm: opts.Config.Beneficiary.CodeFailureAlarm, FailureWindow: opts.Config.Beneficiary.CodeFailureWindow},
			AttachmentMaxBytes:   opts.Config.Attachments.MaxBytes,
			AttachmentsPerTicket: opts.Config.Attachments.MaxPerTicket,
			OutboxInFull:         opts.Dev,
			FAQ:                  a.FAQ,
			SurveyCalls:          surveySampling(opts.Config),
			Codec:                codec,
			CodecOrigins:         opts.Config.Temporal.CodecOrigins,
			Ready: func(ctx context.Context) error {
				_, err := a.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			},
		})
		if err != nil {
			return nil, fmt.Errorf("building the API: %w", err)
		}
		// The web pages: on the API's engine and port, the same core.
		a.Web, err = web.New(web.Options{
			Store: a.Store, Tickets: a.Tickets, Signin: a.SignIn, Audit: audit, Entities: hierarchy,
			FAQ: a.FAQ, Attachments: files, Logger: log.With("component", "web"), SecureCookies: opts.Config.HTTP.SecureCookies,
			PollEvery: opts.WebPollEvery, TemporalUI: temporalUI(opts.TemporalUI, opts.Config.Temporal.Namespace),
			OutboxInFull: opts.Dev,
		})
		if err != nil {
			return nil, fmt.Errorf("building the web pages: %w", err)
		}
		a.Web.Mount(a.API.Engine(), web.Guards{Login: a.API.LoginGuard(), APINotFound: a.API.APINotFound})
		a.ln = opts.Listener
		if a.ln == nil {
			if a.ln, err = net.Listen("tcp", opts.Config.Addr); err != nil {
				return nil, fmt.Errorf("listening on %s: %w", opts.Config.Addr, err)
			}
		}
		a.server = &http.Server{
			Handler:           a.API.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			// JSON bodies are at most 1 MiB; an attachment's transfer sets its own deadlines.
			ReadTimeout: 30 * time.Second,
			// An action may wait UpdateTimeout for a worker, and a start as long again.
			WriteTimeout: 2*opts.Config.Temporal.UpdateTimeout + 10*time.Second,
			IdleTimeout:  2 * time.Minute,
		}
	}
	return a, nil
}

// Addr is where the API listens ("" without API).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Run starts the worker and the API and blocks until ctx ends, then stops them
// gracefully: in-flight requests finish, the worker hands back its tasks.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	if a.worker != nil {
		if err := a.worker.Start(); err != nil {
			return fmt.Errorf("starting the worker: %w", err)
		}
		defer a.worker.Stop()
		if err := a.ensureSurveySchedule(ctx); err != nil {
			// Tickets do not depend on it: say so loudly and carry on; an
			// operator can build a day's list through the API meanwhile.
			a.log.Error("survey call schedule not in place", "error", err)
		}
	}
	if a.dispatcher != nil {
		dctx, stopDispatch := context.WithCancel(ctx)
		dispatched := make(chan struct{})
		go func() {
			defer close(dispatched)
			_ = a.dispatcher.Run(dctx)
		}()
		// Sends under way finish and are recorded before the store closes.
		defer func() { stopDispatch(); <-dispatched }()
	}
	if a.server != nil {
		go func() {
			if err := a.server.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serving HTTP: %w", err)
			}
		}()
		loopDone := make(chan struct{})
		loopCtx, stopLoop := context.WithCancel(ctx)
		go func() {
			defer close(loopDone)
			var wg sync.WaitGroup
			wg.Go(func() { a.purgeLoop(loopCtx) })
			wg.Go(func() { a.FAQ.Run(loopCtx, faq.PollEvery) })
			wg.Go(func() { anchorAuditLoop(loopCtx, a.Store, a.log, auditAnchorEvery) })
			a.startPendingLoop(loopCtx)
			wg.Wait()
		}()
		// Stop the loop before the connections it uses are closed.
		defer func() { stopLoop(); <-loopDone }()
		a.log.Info("api listening", "addr", a.Addr())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	if a.server != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.server.Shutdown(shutdown); err != nil {
			return fmt.Errorf("shutting down HTTP: %w", err)
		}
	}
	return nil
}

// purgeKeep is how long dead sessions and one-time codes stay for forensics.
const purgeKeep = 7 * 24 * time.Hour

// orphanAge is how old an attachment file without a row must be before the
// sweep removes it: far longer than any upload takes between storing the
// file and recording it.
const orphanAge = time.Hour

// purgeLoop deletes, hourly (and once at start), sessions and one-time codes
// dead for a week, attachment files a crash left without a row, the FAQ
// helpful marks of past days, and ticket actions' Idempotency-Keys past
// tickets.ActionKeyRetention. Several API replicas running it at once delete
// the same rows at worst; nothing else depends on them.
func (a *App) purgeLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Store.PurgeExpired(ctx, time.Now(), purgeKeep); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired credentials", "error", err)
		} else if n > 0 {
			a.log.Info("purged expired credentials", "rows", n)
		}
		if a.files != nil {
			if n, err := a.files.Sweep(ctx, time.Now().Add(-orphanAge), a.Store.AttachmentKeyInUse); err != nil && ctx.Err() == nil {
				a.log.Warn("sweeping attachment files", "error", err)
			} else if n > 0 {
				a.log.Info("removed orphaned attachment files", "files", n)
			}
		}
		// A helpful mark only stops a second count on its own day (Riyadh
		// time); two UTC days back is past every such day.
		cut := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
		if _, err := a.Store.PurgeFAQMarks(ctx, cut); err != nil && ctx.Err() == nil {
			a.log.Warn("purging FAQ helpful marks", "error", err)
		}
		if _, err := a.Store.PurgeActionKeys(ctx, time.Now().Add(-tickets.ActionKeyRetention)); err != nil && ctx.Err() == nil {
			a.log.Warn("purging action idempotency keys", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startPendingLoop finishes any ticket whose workflow start was interrupted
// (Temporal briefly down, process killed between intake and start).
func (a *App) startPendingLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.Tickets.StartPending(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("starting pending tickets", "error", err)
			} else if n > 0 {
				a.log.Info("started pending tickets", "count", n)
			}
		}
	}
}

// Close releases the connections (idempotent enough for deferred use).
func (a *App) Close() {
	if a.files != nil {
		_ = a.files.Close()
		a.files = nil
	}
	if a.FAQ != nil {
		_ = a.FAQ.Close()
		a.FAQ = nil
	}
	if a.Client != nil {
		a.Client.Close()
		a.Client = nil
	}
	if a.Store != nil {
		_ = a.Store.Close()
		a.Store = nil
	}
}

// Seed loads the bundled organization and, when the store has no policy yet,
// the default policy as version 1.
func Seed(ctx context.Context, s *store.Store) error {
	es, err := seed.Entities()
	if err != nil {
		return fmt.Errorf("bundled entities: %w", err)
	}
	if err := s.UpsertEntities(ctx, es); err != nil {
		return fmt.Errorf("loading entities: %w", err)
	}
	if _, err := s.EnsurePolicy(ctx, sla.Default()); err != nil {
		return fmt.Errorf("loading the default policy: %w", err)
	}
	return nil
}

// demoFAQAuthor is the author of the demo FAQ entries.
const demoFAQAuthor = "seed"

// SeedDemoFAQ loads the bundled demo FAQ bank (seed/faq.yaml) into an empty
// bank and reports how many entries it added: none when the bank has any
// entry, so an administrator's bank is never mixed with the demo's.
func SeedDemoFAQ(ctx context.Context, s *store.Store) (int, error) {
	bank, err := seed.FAQ()
	if err != nil {
		return 0, fmt.Errorf("bundled FAQ bank: %w", err)
	}
	n, err := s.SeedFAQ(ctx, bank, demoFAQAuthor, time.Now())
	if err != nil {
		return 0, fmt.Errorf("loading the demo FAQ bank: %w", err)
	}
	return n, nil
}

// Dial connects to Temporal, with TLS when configured, and waits until the
// frontend answers (bounded), so a misconfigured address fails fast. codec
// seals every payload and failure: PayloadCodec's for anything that
// starts, signals, updates or reads workflows; nil (the SDK's plain
// converters) only for a client that handles no payload (namespace
// registration).
func Dial(ctx context.Context, tc config.TemporalConfig, hostPort string, codec *payload.Codec, log *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  hostPort,
		Namespace: tc.Namespace,
		Logger:    tlog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	}
	if codec != nil {
		opts.DataConverter, opts.FailureConverter = codec.DataConverter(), codec.FailureConverter()
	}
	if tc.TLS.Enabled {
		cfg, err := tlsConfig(tc.TLS)
		if err != nil {
			return nil, err
		}
		opts.ConnectionOptions.TLS = cfg
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", hostPort, tc.Namespace, err)
	}
	return c, nil
}

func tlsConfig(t config.TLSConfig) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading Temporal client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading Temporal CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificates in %s", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Credentials turns configured token hashes into API credentials.
func Credentials(ts []config.Token) []api.Credential {
	out := make([]api.Credential, 0, len(ts))
	for _, t := range ts {
		out = append(out, api.Credential{Name: t.Name, TokenHash: t.Hash, Role: domain.Role(t.Role), Entity: t.Entity})
	}
	return out
}

// OIDC turns the single sign-on configuration into the API's options.
func OIDC(c config.OIDCConfig) api.OIDCOptions {
	o := api.OIDCOptions{Issuer: c.Issuer, ClientID: c.ClientID,
		UsernameClaim: c.UsernameClaim, RoleClaim: c.RoleClaim, EntityClaim: c.EntityClaim, MaxAge: c.MaxAge}
	if len(c.Roles) > 0 {
		o.Roles = make(map[string]domain.Role, len(c.Roles))
		for k, r := range c.Roles {
			o.Roles[k] = domain.Role(r)
		}
	}
	return o
}

// temporalUI is the namespace's base URL in the Temporal Web UI at base
// ("" when none is known).
func temporalUI(base, namespace string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/namespaces/" + url.PathEscape(namespace)
}
