// Package devserver runs a complete Temporal server inside the current
// process, on SQLite, for `tawasul dev` and for end-to-end tests.
//
// It is the only non-test package that imports go.temporal.io/server: the
// server adds a lot to build time and binary size, so nothing else should
// pull it in.
//
// Data directories are tied to the server version: the server does not
// migrate SQLite files, so a database is stamped with its schema version and
// refused by a build with another one (see schemaStamp).
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

// Options configures Start.
type Options struct {
	DataDir   string       // directory for the SQLite files; ignored when Memory
	Memory    bool         // in-memory SQLite: throwaway
	Namespace string       // default "default"; pre-registered before Start
	IP        string       // default "127.0.0.1"
	Port      int          // frontend gRPC port; 0 = pick a free port
	UIPort    int          // Web UI port; 0 = pick free; -1 = no UI
	Logger    *slog.Logger // server logs go here at WARN+ (the server is chatty); nil = discard
	// CodecEndpoint is the codec server the Web UI asks to open sealed
	// payloads (Tawasul's POST <endpoint>/decode), passing its user's
	// access token; "" shows payloads as Temporal holds them.
	CodecEndpoint string
}

// Server is a running embedded Temporal server.
type Server struct {
	namespace string
	frontend  string

	temporal  temporal.Server
	ui        *webUI
	keepAlive *memoryKeepAlive // memory mode only
	unlock    func() error     // file mode only
	ports     []int            // handed out by pickFreePort
	// readPartitions of every task queue: 1, or 0 (the server's default)
	// while a data file still holds tasks written to other partitions.
	readPartitions int

	stopOnce sync.Once
	stopErr  error
	// stopping quiets the server's warnings while it shuts down (serverLogger).
	stopping atomic.Bool
}

const (
	// clusterName is persisted with every namespace; changing it would
	// orphan the namespaces in existing data directories.
	clusterName = "active"

	// numHistoryShards is fixed when a database is created (the persisted
	// value wins afterwards). One shard suits a single-process server on a
	// single SQLite connection; more shards would only add contention.
	numHistoryShards = 1

	// readyTimeout bounds the wait for the frontend when ctx has no deadline.
	readyTimeout = 60 * time.Second

	// startAttempts covers the rare case of a free port being taken between
	// picking and binding.
	startAttempts = 3
)

// Start starts the server and returns once the frontend answers for the
// namespace. Cancelling ctx aborts the start; it has no effect afterwards.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := normalize(&opts); err != nil {
		return nil, err
	}
	s := &Server{namespace: opts.Namespace}
	started := false
	defer func() {
		if !started {
			s.release()
		}
	}()

	// The frontend is dialled at its bind address unless that is a wildcard.
	// The other services talk only to each other, so they stay on loopback.
	dialIP, internalIP := opts.IP, "127.0.0.1"
	if ip := net.ParseIP(opts.IP); ip.IsUnspecified() {
		dialIP = "127.0.0.1"
	}
	if ip := net.ParseIP(opts.IP); ip.To4() == nil {
		internalIP = "::1"
		if ip.IsUnspecified() {
			dialIP = "::1"
		}
	}
	if opts.Port != 0 {
		if err := checkPortFree(opts.IP, opts.Port); err != nil {
			return nil, err
		}
	}

	store, err := s.openStore(ctx, opts)
	if err != nil {
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		err = s.startTemporal(ctx, opts, store, dialIP, internalIP)
		if err == nil {
			break
		}
		if attempt == startAttempts || !isAddrInUse(err) || ctx.Err() != nil {
			return nil, err
		}
		opts.Logger.Warn("devserver: a picked port was taken, retrying with new ports", "error", err)
	}

	if err := waitReady(ctx, s.frontend, s.namespace); err != nil {
		return nil, err
	}

	if opts.UIPort >= 0 {
		ui, err := startWebUI(opts.IP, dialIP, opts.UIPort, s.frontend, s.namespace, opts.CodecEndpoint, opts.Logger)
		if err != nil {
			opts.Logger.Warn("devserver: web UI not started; continuing without it", "error", err)
		} else {
			s.ui = ui
		}
	}
	started = true
	return s, nil
}

func normalize(opts *Options) error {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if net.ParseIP(opts.IP) == nil {
		return fmt.Errorf("devserver: IP %q is not an IP address", opts.IP)
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return fmt.Errorf("devserver: Port %d out of range", opts.Port)
	}
	if opts.UIPort < -1 || opts.UIPort > 65535 {
		return fmt.Errorf("devserver: UIPort %d out of range (-1 disables the UI)", opts.UIPort)
	}
	if !opts.Memory && opts.DataDir == "" {
		return errors.New("devserver: DataDir is required unless Memory is set")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// openStore prepares the SQLite database and registers the namespace.
func (s *Server) openStore(ctx context.Context, opts Options) (*config.SQL, error) {
	if opts.Memory {
		name, err := newMemoryName()
		if err != nil {
			return nil, err
		}
		if s.keepAlive, err = openMemoryKeepAlive(ctx, name); err != nil {
			return nil, err
		}
		store := sqlConfig("", name)
		s.readPartitions = 1
		// In memory mode the plugin creates the schema when it first connects,
		// which CreateNamespaces does here.
		return store, registerNamespace(store, clusterName, opts.Namespace)
	}

	dbPath, lockPath, err := dataPaths(opts.DataDir)
	if err != nil {
		return nil, err
	}
	if s.unlock, err = lockDataDir(lockPath); err != nil {
		return nil, err
	}
	store := sqlConfig(dbPath, "")
	if err := prepareFile(ctx, store); err != nil {
		return nil, err
	}
	left, err := tasksInOtherPartitions(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	s.readPartitions = 1
	if left > 0 {
		// Written by a build that spread tasks over four partitions: read
		// all four until they are gone (new tasks go to the first only).
		s.readPartitions = 0
		opts.Logger.Info("devserver: tasks left in other task-queue partitions are read first; "+
			"one partition from a later start", "tasks", left)
	}
	return store, registerNamespace(store, clusterName, opts.Namespace)
}

// startTemporal picks ports, builds the server and starts it. A panic from
// the server's logger (Fatal, e.g. a gRPC listener that cannot bind) is
// turned into an error.
func (s *Server) startTemporal(ctx context.Context, opts Options, store *config.SQL, dialIP, internalIP string) (err error) {
	releasePorts(s.ports)
	s.ports = nil
	pick := func(ip string) (int, error) {
		p, err := pickFreePort(ip)
		if err == nil {
			s.ports = append(s.ports, p)
		}
		return p, err
	}

	frontendPort := opts.Port
	if frontendPort == 0 {
		if frontendPort, err = pick(opts.IP); err != nil {
			return err
		}
	}
	services := map[primitives.ServiceName]config.Service{
		primitives.FrontendService: {RPC: config.RPC{GRPCPort: frontendPort, BindOnIP: opts.IP}},
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(net.JoinHostPort(dialIP, strconv.Itoa(frontendPort))),
	}
	for _, name := range []primitives.ServiceName{primitives.HistoryService, primitives.MatchingService, primitives.WorkerService} {
		port, err := pick(internalIP)
		if err != nil {
			return err
		}
		services[name] = config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: internalIP}}
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(internalIP, strconv.Itoa(port)))
	}
	frontend := net.JoinHostPort(dialIP, strconv.Itoa(frontendPort))

	cfg := serverConfig(store, services, frontend, internalIP)
	defer func() {
		if r := recover(); r != nil {
			fe, ok := r.(*fatalError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("devserver: starting Temporal: %w", fe)
		}
	}()
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(newServerLogger(opts.Logger, &s.stopping)),
		temporal.WithDynamicConfigClient(dynamicConfig(s.readPartitions)),
	)
	if err != nil {
		return fmt.Errorf("devserver: building Temporal: %w", err)
	}

	// The server's Start takes no context; run it aside so ctx can abort the
	// wait, and stop it once it is up if nobody is waiting any more.
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				if fe, ok := r.(*fatalError); ok {
					done <- fmt.Errorf("devserver: starting Temporal: %w", fe)
					return
				}
				panic(r)
			}
		}()
		done <- srv.Start()
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("devserver: starting Temporal: %w", err)
		}
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				_ = srv.Stop()
			}
		}()
		return fmt.Errorf("devserver: starting Temporal: %w", ctx.Err())
	}
	s.temporal = srv
	s.frontend = frontend
	return nil
}

func serverConfig(store *config.SQL, services map[primitives.ServiceName]config.Service, frontend, internalIP string) *config.Config {
	cfg := &config.Config{}
	cfg.Global.Membership.MaxJoinDuration = 30 * time.Second
	cfg.Global.Membership.BroadcastAddress = internalIP
	cfg.Persistence.DefaultStore = "sqlite"
	cfg.Persistence.VisibilityStore = "sqlite"
	cfg.Persistence.NumHistoryShards = numHistoryShards
	cfg.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: store}}
	cfg.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				// ClusterID left empty: the server generates one on first start
				// and keeps the persisted one after that.
			},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	cfg.Services = make(map[string]config.Service, len(services))
	for name, svc := range services {
		cfg.Services[string(name)] = svc
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service (schedules, batch, deletes) reaches the frontend
	// through this address.
	cfg.PublicClient.HostPort = frontend
	return cfg
}

// dynamicConfig tunes the server for one developer or one test binary on one
// machine; readPartitions > 0 sets every task queue's read partitions.
func dynamicConfig(readPartitions int) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// Search attributes added through the operator API are usable at once
		// instead of after the cache refresh (e2e tests add them and query).
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// The defaults (2400/s) already exceed what SQLite sustains (~150
		// starts/s here); they are set explicitly so a bursty test or
		// load generator is never throttled by the frontend instead of
		// measuring the store.
		dynamicconfig.FrontendRPS.Key():                        10000,
		dynamicconfig.FrontendMaxNamespaceRPSPerInstance.Key(): 10000,
		// Default 10/s: the Web UI alone issues several list and count
		// calls per page.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 200,
		// Default 128k cached workflows per host is sized for production
		// memory; a developer machine needs far less.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8192,
		// One partition per task queue instead of four: partitions spread a
		// queue over matching hosts, and this server has one. With four, a
		// task waits in a partition that none of the worker's few pollers
		// (the SDK's 2) is polling at the moment, and partitions hand tasks
		// to one another at 10 a second: 10,000 timers falling due together
		// took twice as long to reach the worker (BENCHMARKS.md).
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
	}
	if readPartitions > 0 {
		dc[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()] = readPartitions
	}
	return dc
}

// waitReady polls the frontend with an SDK client until the namespace can be
// described, which implies the frontend serves and its namespace cache is
// loaded.
func waitReady(ctx context.Context, hostPort, namespace string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	var last error
	for {
		last = probe(ctx, hostPort, namespace, quiet)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: frontend %s not ready: %w (last error: %v)", hostPort, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func probe(ctx context.Context, hostPort, namespace string, logger sdklog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := sdkclient.DialContext(ctx, sdkclient.Options{HostPort: hostPort, Namespace: namespace, Logger: logger})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &sdkclient.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	return err
}

// FrontendHostPort is the address SDK clients dial, e.g. "127.0.0.1:7233".
func (s *Server) FrontendHostPort() string { return s.frontend }

// UIAddress is the Web UI's base URL, or "" when it is disabled or failed
// to start.
func (s *Server) UIAddress() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Namespace is the pre-registered namespace.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the UI and the server and releases the data directory. It is
// safe to call more than once; later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.release() })
	return s.stopErr
}

// release undoes whatever part of Start has happened.
func (s *Server) release() error {
	var errs []error
	s.stopping.Store(true)
	if s.ui != nil {
		if err := s.ui.stop(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: stopping web UI: %w", err))
		}
		s.ui = nil
	}
	if s.temporal != nil {
		if err := s.temporal.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: stopping Temporal: %w", err))
		}
		s.temporal = nil
	}
	if s.keepAlive != nil {
		errs = append(errs, s.keepAlive.Close())
		s.keepAlive = nil
	}
	if s.unlock != nil {
		errs = append(errs, s.unlock())
		s.unlock = nil
	}
	releasePorts(s.ports)
	s.ports = nil
	return errors.Join(errs...)
}
