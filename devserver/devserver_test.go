package devserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log/tag"
)

const taskQueue = "devserver-test"

func greetWorkflow(ctx workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

// sleepWorkflow waits on a durable workflow timer.
func sleepWorkflow(ctx workflow.Context, d time.Duration) (string, error) {
	if err := workflow.Sleep(ctx, d); err != nil {
		return "", err
	}
	return "woke", nil
}

// testLogger collects the server's WARN+ output so a failing test shows it.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &buf}, nil))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func dial(t testing.TB, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendHostPort(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.FrontendHostPort(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func runWorker(t testing.TB, c client.Client) worker.Worker {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(greetWorkflow)
	w.RegisterWorkflow(sleepWorkflow)
	w.RegisterWorkflow(sleepUntil)
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	return w
}

func runGreet(ctx context.Context, c client.Client, id, name string) (string, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, greetWorkflow, name)
	if err != nil {
		return "", err
	}
	var out string
	err = run.Get(ctx, &out)
	return out, err
}

func TestMemoryServerRunsWorkflow(t *testing.T) {
	s := start(t, Options{Memory: true, Namespace: "tawasul-test", UIPort: 0})
	if s.Namespace() != "tawasul-test" {
		t.Errorf("Namespace() = %q", s.Namespace())
	}
	if !strings.HasPrefix(s.FrontendHostPort(), "127.0.0.1:") {
		t.Errorf("FrontendHostPort() = %q, want 127.0.0.1:<port>", s.FrontendHostPort())
	}

	c := dial(t, s)
	w := runWorker(t, c)
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := runGreet(ctx, c, "greet-1", "ministry")
	if err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if out != "hello ministry" {
		t.Errorf("result = %q, want %q", out, "hello ministry")
	}

	// The UI answers on its own port and reaches the frontend through its API.
	if s.UIAddress() == "" {
		t.Fatal("UIAddress() is empty although UIPort was 0")
	}
	for _, path := range []string{"/healthz", "/api/v1/namespaces/tawasul-test", "/"} {
		resp, err := http.Get(s.UIAddress() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
		}
	}

	w.Stop()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := http.Get(s.UIAddress() + "/healthz"); err == nil {
		t.Error("UI still answers after Stop")
	}
}

// TestFileServerTimerSurvivesRestart is the reason the file mode exists: a
// ticket's deadline timer must fire even if `tawasul dev` was restarted
// while it was pending.
func TestFileServerTimerSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	const timer = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	first := start(t, Options{DataDir: dir, UIPort: -1})
	if first.UIAddress() != "" {
		t.Errorf("UIAddress() = %q with UIPort -1", first.UIAddress())
	}

	// A second server on the same directory would fight over the shards.
	if s, err := Start(ctx, Options{DataDir: dir, UIPort: -1}); err == nil {
		_ = s.Stop()
		t.Fatal("second Start on a data directory in use succeeded")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Start error = %v, want a data directory in use error", err)
	}

	c1 := dial(t, first)
	w1 := runWorker(t, c1)
	run, err := c1.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sleeper", TaskQueue: taskQueue}, sleepWorkflow, timer)
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	started := time.Now()
	waitForEvent(ctx, t, c1, run.GetID(), enumspb.EVENT_TYPE_TIMER_STARTED)
	w1.Stop()
	c1.Close()
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	finishSleeper(ctx, t, dir, run.GetID(), started, timer)
}

// finishSleeper starts a server on dir and checks that the sleeper workflow
// started before a restart completes through its original timer.
func finishSleeper(ctx context.Context, t *testing.T, dir, id string, started time.Time, timer time.Duration) {
	t.Helper()
	s := start(t, Options{DataDir: dir, UIPort: -1})
	c := dial(t, s)
	w := runWorker(t, c)
	defer w.Stop()

	var out string
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil {
		t.Fatalf("workflow after restart: %v", err)
	}
	if out != "woke" {
		t.Errorf("result = %q, want %q", out, "woke")
	}
	if elapsed := time.Since(started); elapsed < timer {
		t.Errorf("workflow finished after %v, before its %v timer", elapsed, timer)
	}
	// Exactly one timer: the one started before the restart fired, rather
	// than the workflow having been run again from scratch.
	counts := eventCounts(ctx, t, c, id)
	if counts[enumspb.EVENT_TYPE_TIMER_STARTED] != 1 || counts[enumspb.EVENT_TYPE_TIMER_FIRED] != 1 {
		t.Errorf("timer events = started %d, fired %d; want 1 and 1",
			counts[enumspb.EVENT_TYPE_TIMER_STARTED], counts[enumspb.EVENT_TYPE_TIMER_FIRED])
	}
}

// TestFileServerSurvivesKill runs the first server in a child process and
// kills it with SIGKILL while the timer is pending: no Stop, no checkpoint,
// a WAL file left behind and a lock held by a dead process.
func TestFileServerSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	const timer = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != childReady {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not get ready: line %q, err %v; stderr:\n%s", line, err, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, dbFileName+"-wal")); err != nil {
		t.Logf("no WAL file after the kill (%v); the test still checks the restart", err)
	}

	finishSleeper(ctx, t, dir, childWorkflowID, started, timer)
}

const (
	childDirEnv     = "DEVSERVER_TEST_KILL_CHILD_DIR"
	childReady      = "READY"
	childWorkflowID = "killed-sleeper"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(runKillChild(dir))
	}
	os.Exit(m.Run())
}

// runKillChild is the child side of TestFileServerSurvivesKill: it starts a
// sleeper whose timer is pending, says so, and waits to be killed.
func runKillChild(dir string) int {
	fail := func(what string, err error) int {
		fmt.Fprintf(os.Stderr, "child: %s: %v\n", what, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{DataDir: dir, UIPort: -1, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return fail("start", err)
	}
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendHostPort(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return fail("dial", err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(sleepWorkflow)
	if err := w.Start(); err != nil {
		return fail("worker", err)
	}
	opts := client.StartWorkflowOptions{ID: childWorkflowID, TaskQueue: taskQueue}
	if _, err := c.ExecuteWorkflow(ctx, opts, sleepWorkflow, 3*time.Second); err != nil {
		return fail("start workflow", err)
	}
	for {
		it := c.GetWorkflowHistory(ctx, childWorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return fail("history", err)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED {
				fmt.Println(childReady)
				<-ctx.Done() // killed long before this
				return 1
			}
		}
		select {
		case <-ctx.Done():
			return fail("waiting for the timer", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func waitForEvent(ctx context.Context, t *testing.T, c client.Client, id string, want enumspb.EventType) {
	t.Helper()
	for {
		if eventCounts(ctx, t, c, id)[want] > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %v event in %s: %v", want, id, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func eventCounts(ctx context.Context, t *testing.T, c client.Client, id string) map[enumspb.EventType]int {
	t.Helper()
	counts := map[enumspb.EventType]int{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		counts[ev.GetEventType()]++
	}
	return counts
}

func TestTwoServersInOneProcess(t *testing.T) {
	var (
		wg      sync.WaitGroup
		servers [2]*Server
		errs    [2]error
	)
	// Started concurrently, as parallel e2e tests would.
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			servers[i], errs[i] = Start(ctx, Options{Memory: true, UIPort: 0, Logger: testLogger(t)})
		}()
	}
	wg.Wait()
	for i, s := range servers {
		if s != nil {
			t.Cleanup(func() { _ = s.Stop() })
		}
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
	}
	if servers[0].FrontendHostPort() == servers[1].FrontendHostPort() {
		t.Fatalf("both servers on %s", servers[0].FrontendHostPort())
	}
	if servers[0].UIAddress() == servers[1].UIAddress() {
		t.Fatalf("both UIs on %s", servers[0].UIAddress())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clients := [2]client.Client{dial(t, servers[0]), dial(t, servers[1])}
	for i, c := range clients {
		w := runWorker(t, c)
		defer w.Stop()
		id := []string{"only-on-first", "only-on-second"}[i]
		out, err := runGreet(ctx, c, id, "server")
		if err != nil || out != "hello server" {
			t.Fatalf("server %d: result %q, error %v", i, out, err)
		}
	}
	// The in-memory databases are separate.
	_, err := clients[1].DescribeWorkflowExecution(ctx, "only-on-first", "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("second server sees the first server's workflow: err = %v", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	ctx := context.Background()
	for _, opts := range []Options{
		{}, // neither DataDir nor Memory
		{Memory: true, IP: "localhost"},
		{Memory: true, Port: -1},
		{Memory: true, UIPort: -2},
		{DataDir: filepath.Join(t.TempDir(), "what?")},
	} {
		if s, err := Start(ctx, opts); err == nil {
			_ = s.Stop()
			t.Errorf("Start(%+v) succeeded", opts)
		}
	}
}

func TestPrepareFileRefusesForeignDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "foreign.db")
	db, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	cfg := sqlConfig(path, "")
	if err := prepareFile(ctx, cfg); err == nil || !strings.Contains(err.Error(), "no schema stamp") {
		t.Errorf("unstamped database: err = %v, want a no schema stamp error", err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 42`); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if err := prepareFile(ctx, cfg); err == nil || !strings.Contains(err.Error(), "does not migrate") {
		t.Errorf("database with another stamp: err = %v, want a version error", err)
	}
}

func TestSchemaStamp(t *testing.T) {
	if got := mustSchemaStamp("0.11", "0.1"); got != 110001 {
		t.Errorf("stamp(0.11, 0.1) = %d, want 110001", got)
	}
	if mustSchemaStamp("0.12", "0.1") == mustSchemaStamp("0.11", "0.1") {
		t.Error("different execution schema versions share a stamp")
	}
}

func TestServerLoggerFiltersAndKeepsTags(t *testing.T) {
	var buf bytes.Buffer
	l := newServerLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	l.Info("chatty info")
	l.Debug("chatty debug")
	l.With(tag.ShardID(3)).Warn("shard warning", tag.NewStringTag("detail", "x"))
	out := buf.String()
	if strings.Contains(out, "chatty") {
		t.Errorf("INFO/DEBUG passed through: %s", out)
	}
	for _, want := range []string{"level=WARN", "shard warning", "shard-id=3", "detail=x"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}

	cause := errors.New("bind: address already in use")
	defer func() {
		fe, ok := recover().(*fatalError)
		if !ok {
			t.Fatal("Fatal did not panic with *fatalError")
		}
		if !errors.Is(fe, cause) {
			t.Errorf("fatalError %v does not wrap its error tag", fe)
		}
	}()
	l.Fatal("Failed to start gRPC listener", tag.Error(cause))
}

// While the server stops, the warnings its own shutdown causes are dropped
// (a screen of them after every Ctrl-C), in loggers derived before the stop
// too; errors still pass.
func TestServerLoggerQuietWhileStopping(t *testing.T) {
	var buf bytes.Buffer
	var stopping atomic.Bool
	l := newServerLogger(slog.New(slog.NewTextHandler(&buf, nil)), &stopping).With(tag.NewStringTag("service", "worker"))
	l.Warn("running warning")
	stopping.Store(true)
	l.Warn("Failed to poll for task.")
	l.(serverLogger).With(tag.ShardID(1)).Warn("network dial error")
	l.Error("stopping error")
	out := buf.String()
	for _, want := range []string{"running warning", "stopping error"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	for _, not := range []string{"Failed to poll", "network dial error"} {
		if strings.Contains(out, not) {
			t.Errorf("warning %q logged while stopping: %s", not, out)
		}
	}
}

func TestPickFreePortNeverRepeatsWhileHeld(t *testing.T) {
	seen := map[int]bool{}
	var ports []int
	defer func() { releasePorts(ports) }()
	for range 20 {
		p, err := pickFreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		ports = append(ports, p)
	}
}

// TestStartTemporalReportsPortInUse covers the error Start retries on: the
// server reports a listener that cannot bind through Fatal, which must come
// back as an error (not kill the process) and be recognisable.
func TestStartTemporalReportsPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opts := Options{Memory: true, UIPort: -1, Port: ln.Addr().(*net.TCPAddr).Port}
	if err := normalize(&opts); err != nil {
		t.Fatal(err)
	}
	s := &Server{namespace: opts.Namespace}
	defer s.release()
	store, err := s.openStore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	err = s.startTemporal(context.Background(), opts, store, "127.0.0.1", "127.0.0.1")
	if !isAddrInUse(err) {
		t.Errorf("startTemporal on a taken port: err = %v, want an address-in-use error", err)
	}

	// Through Start, an explicitly requested port that is taken is refused
	// up front with a clear message.
	if s, err := Start(context.Background(), opts); err == nil {
		_ = s.Stop()
		t.Error("Start on a taken frontend port succeeded")
	} else if !strings.Contains(err.Error(), "not available") {
		t.Errorf("Start on a taken frontend port: err = %v", err)
	}
}

// TestTakenUIPortLeavesServerRunning: the UI is a convenience, so a taken UI
// port costs a warning, not the server.
func TestTakenUIPortLeavesServerRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &sync.Mutex{}, w: &logs}, nil))
	s := start(t, Options{Memory: true, UIPort: ln.Addr().(*net.TCPAddr).Port, Logger: logger})
	if s.UIAddress() != "" {
		t.Errorf("UIAddress() = %q although the UI port was taken", s.UIAddress())
	}
	if !strings.Contains(logs.String(), "web UI not started") {
		t.Errorf("no warning about the UI in the log: %q", logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dial(t, s)
	w := runWorker(t, c)
	defer w.Stop()
	if out, err := runGreet(ctx, c, "without-ui", "x"); err != nil || out != "hello x" {
		t.Errorf("workflow without UI: %q, %v", out, err)
	}
}

// A data file whose backlog holds tasks of a queue's other partitions (a
// build that wrote to four) is read on every partition until they are gone;
// otherwise, and in memory, one partition.
func TestReadPartitionsFollowTheBacklog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, _, err := dataPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepareFile(ctx, sqlConfig(path, "")); err != nil {
		t.Fatal(err)
	}
	open := func() int {
		t.Helper()
		s := &Server{}
		if _, err := s.openStore(ctx, Options{DataDir: dir, Namespace: "default", Logger: testLogger(t)}); err != nil {
			t.Fatal(err)
		}
		s.release()
		return s.readPartitions
	}
	if got := open(); got != 1 {
		t.Fatalf("empty backlog: read partitions %d, want 1", got)
	}

	db, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns := make([]byte, 16)
	for i, name := range []string{"tawasul", "/_sys/tawasul/2"} {
		id := append(append(append([]byte{}, ns...), name...), 1)
		if _, err := db.ExecContext(ctx, `INSERT INTO tasks (range_hash, task_queue_id, task_id, data, data_encoding)
			VALUES (?, ?, ?, x'00', 'proto3')`, i, id, i+1); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := tasksInOtherPartitions(ctx, path); err != nil || n != 1 {
		t.Fatalf("tasks in other partitions = %d, %v; want 1", n, err)
	}
	if got := open(); got != 0 {
		t.Fatalf("a task in partition 2: read partitions %d, want 0 (the server's default)", got)
	}

	m := &Server{}
	if _, err := m.openStore(ctx, Options{Memory: true, Namespace: "default", Logger: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	m.release()
	if m.readPartitions != 1 {
		t.Fatalf("memory: read partitions %d, want 1", m.readPartitions)
	}
	if dc := dynamicConfig(1); dc[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()] != 1 ||
		dc[dynamicconfig.MatchingNumTaskqueueWritePartitions.Key()] != 1 {
		t.Fatalf("dynamic config for one partition: %v", dc)
	}
	if _, ok := dynamicConfig(0)[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()]; ok {
		t.Fatal("read partitions set while the backlog needs the default")
	}
}
