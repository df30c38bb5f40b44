package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/ui"
)

// webUI serves the Temporal Web UI.
//
// uiserver.NewServer(...).Start() from ui-server v2.55.0 is not used because
// Start binds the port itself and, when that fails, calls echo's
// Logger.Fatal, i.e. os.Exit: a taken UI port would kill `tawasul dev`
// (and any test binary). Instead the same routes and middleware are mounted
// on an echo instance served from a listener opened here, so a bind failure
// is an ordinary error and port 0 needs no probing.
type webUI struct {
	srv *http.Server
	url string
}

// startWebUI listens on ip:port (port 0: any free port). urlHost is the host
// put in the returned URL, which differs from ip when ip is a wildcard.
func startWebUI(ip, urlHost string, port int, frontend, namespace, codec string, logger *slog.Logger) (*webUI, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listening for the web UI: %w", err)
	}
	bound := ln.Addr().(*net.TCPAddr).Port
	handler, err := uiHandler(&uiconfig.Config{
		TemporalGRPCAddress: frontend,
		Host:                ip,
		Port:                bound,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Plain http on loopback: the CSRF cookie must not demand https.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// No call home to GitHub for release notes from a dev tool.
		DisableNewsFetch: true,
		// Payloads are sealed (package payload): the browser asks Tawasul's
		// codec endpoint, which opens them only for an admin or an auditor
		// (redacted): with their bearer token, or with the browser session
		// of Tawasul's web pages (the cookie goes along: includeCredentials).
		Codec: uiconfig.Codec{
			Endpoint:           codec,
			PassAccessToken:    true,
			IncludeCredentials: true,
			DefaultErrorMessage: "Payloads are sealed. Only an administrator or auditor signed in to Tawasul (in this browser) can read them; " +
				"or read the ticket's history at /api/v1/tickets/{number}/history.",
		},
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("web UI stopped", "error", err)
		}
	}()
	return &webUI{srv: srv, url: "http://" + net.JoinHostPort(urlHost, strconv.Itoa(bound))}, nil
}

// uiHandler assembles the ui-server's handler the way its NewServer does
// (same middleware order: the CSRF and CORS protection depend on it).
func uiHandler(cfg *uiconfig.Config) (h http.Handler, err error) {
	// ui-server reports several configuration problems by panicking.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building the web UI: %v", r)
		}
	}()
	provider, err := uiconfig.NewConfigProviderWithRefresh(cfg) // RefreshInterval 0: no goroutine
	if err != nil {
		return nil, fmt.Errorf("web UI config: %w", err)
	}
	assets, err := ui.Assets()
	if err != nil {
		return nil, fmt.Errorf("web UI assets: %w", err)
	}
	if assets, err = fs.Sub(assets, "local"); err != nil {
		return nil, fmt.Errorf("web UI assets: %w", err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   provider,
	}))
	e.Use(middleware.Secure())
	secureCookie := !cfg.CORS.CookieInsecure
	e.Use(csrf.EnsureTokenCookie(secureCookie))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(provider, secureCookie)))
	e.Pre(route.PublicPath(cfg.PublicPath))

	route.SetHealthRoute(e)
	forward := []api.Middleware{headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"})}
	if err := route.SetAPIRoutes(e, provider, forward); err != nil {
		return nil, fmt.Errorf("web UI API routes: %w", err)
	}
	route.SetAuthRoutes(e, provider)
	if err := route.SetUIRoutes(e, cfg.PublicPath, assets, provider); err != nil {
		return nil, fmt.Errorf("web UI routes: %w", err)
	}
	route.SetRenderRoute(e, "/")
	return e, nil
}

func (u *webUI) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := u.srv.Shutdown(ctx); err != nil {
		return errors.Join(err, u.srv.Close())
	}
	return nil
}
