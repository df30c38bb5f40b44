// Command tawasul runs the Tawasul beneficiary-care service.
//
//	tawasul dev       everything in one process: embedded Temporal (SQLite), read model, worker, API, Web UI
//	tawasul api       the HTTP API, against an external Temporal and PostgreSQL
//	tawasul worker    the Temporal worker, against an external Temporal and PostgreSQL
//	tawasul migrate   apply the read model's pending migrations
//	tawasul seed      load the bundled organization and the default policy (--demo-faq: and the demo FAQ bank)
//	tawasul namespace   register the Temporal namespace on a fresh cluster (idempotent)
//	tawasul audit verify [--anchor FILE]   check the audit log's keyed hash chain (and against anchors); exit 1 if broken
//	tawasul hash-token TOKEN   print the SHA-256 to put in auth.tokens[].hash
//	tawasul create-admin --username U --name N   the first administrator account (password on stdin)
//	tawasul loadgen MODE       drive a running system's API with realistic load; check nothing was lost
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/devserver"
	"github.com/tawasul/tawasul/loadgen"
	"github.com/tawasul/tawasul/logging"
	"github.com/tawasul/tawasul/store"
)

// command is one of tawasul's commands: its name, what follows the name in
// its usage line, and one line on what it does. The table is the one place
// the command list lives, so the overview and each command's --help agree.
type command struct {
	name, args, what string
}

var commands = []command{
	{"dev", "[flags]", "run everything in one process (embedded Temporal on SQLite, worker, API, Web UI)"},
	{"api", "--db DSN [flags]", "run the HTTP API against an external Temporal and database"},
	{"worker", "--db DSN [flags]", "run the Temporal worker against an external Temporal and database"},
	{"migrate", "--db DSN [flags]", "apply pending read-model migrations"},
	{"seed", "--db DSN [--demo-faq] [flags]", "load the bundled organization and the default SLA policy (--demo-faq: the demo FAQ bank too)"},
	{"namespace", "[--temporal-address HOST:PORT] [flags]", "register the configured Temporal namespace if it does not exist"},
	{"audit verify", "--db DSN [--anchor FILE] [flags]", "check the audit log's keyed chain and print its head (exits 1 and names the first broken entry)"},
	{"hash-token", "TOKEN", "print the SHA-256 of a token for auth.tokens[].hash (a token starting with '-' goes after --)"},
	{"create-admin", "--db DSN --username U --name N < password-file", "create an administrator account (the first one); the password is the first line of stdin"},
	{"loadgen", "MODE --target URL [-n N] [-c C] [flags]", "drive a running system with realistic load and check nothing was lost"},
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage is the overview printed by `tawasul help`.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: tawasul <command> [flags]\n\ncommands:\n")
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\t%s\n", c.name, c.what)
	}
	w.Flush()
	b.WriteString("\nRun 'tawasul help <command>' (or 'tawasul <command> --help') for its flags and defaults.\n")
	return b.String()
}

// usageErr: the command line itself is wrong (an unknown command, a missing
// argument); exit 2 with a short hint, as shells and make expect.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

// usageError is a wrong command line, with the way to the right one.
func usageError(format string, a ...any) error {
	return usageErr{fmt.Sprintf(format, a...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs one command line and returns the process's exit code: 0 for a
// command that did its work (a dev system stopped by Ctrl-C included) or
// help that was asked for, 1 for a failure, 2 for a wrong command line.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "--help", "-h":
		if len(rest) == 0 {
			fmt.Fprint(stdout, usage())
			return 0
		}
		// `tawasul help audit verify` is `tawasul audit verify --help`.
		cmd, rest = rest[0], append(slices.Clone(rest[1:]), "--help")
	}
	err := run(ctx, cmd, rest, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, errAuditBroken), errors.Is(err, errLoadgenFailed):
		return 1 // already reported on stdout
	case errors.As(err, new(usageErr)):
		fmt.Fprintln(stderr, "tawasul:", err)
		return 2
	}
	fmt.Fprintln(stderr, "tawasul:", err)
	return 1
}

// parseFlags parses a command's flags. --help and -h print the command's
// usage, flags and built-in defaults on stdout (they were asked for) and
// return pflag.ErrHelp; a wrong flag is a usage error naming the way to the
// help, not a screen of flags on stderr.
func parseFlags(fs *pflag.FlagSet, c command, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		writeCommandHelp(stdout, fs, c)
		return err
	}
	if err != nil {
		return usageError("%s: %v (run 'tawasul %s --help')", c.name, err, c.name)
	}
	return nil
}

func writeCommandHelp(out io.Writer, fs *pflag.FlagSet, c command) {
	fmt.Fprintf(out, "usage: tawasul %s %s\n\n%s\n", c.name, c.args, c.what)
	if flags := fs.FlagUsages(); flags != "" {
		fmt.Fprintf(out, "\nflags (defaults are the built-in ones; tawasul.yaml and TAWASUL_* change them):\n%s", flags)
	}
}

func run(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	switch cmd {
	case "hash-token":
		c, _ := lookupCommand(cmd)
		fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
		if err := parseFlags(fs, c, args, stdout); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError("usage: tawasul %s %s", c.name, c.args)
		}
		fmt.Fprintln(stdout, app.HashToken(fs.Arg(0)))
		return nil
	case "loadgen":
		return runLoadgen(ctx, args, stdout, stderr)
	case "audit":
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprint(stdout, "usage: tawasul audit verify --db DSN [--anchor FILE] [flags]\n\nsubcommands:\n  verify  check the audit log's keyed hash chain and print its head\n")
			return pflag.ErrHelp
		}
		if len(args) == 0 || args[0] != "verify" {
			return usageError("usage: tawasul audit verify --db DSN (run 'tawasul audit verify --help')")
		}
		cmd, args = "audit verify", args[1:]
	}
	c, ok := lookupCommand(cmd)
	if !ok {
		return usageError("unknown command %q (run 'tawasul help' for the commands)", cmd)
	}
	fs := config.Flags(cmd)
	if cmd == "create-admin" {
		fs.String("username", "", "the administrator's username")
		fs.String("name", "", "the administrator's full name")
	}
	if cmd == "audit verify" {
		fs.String("anchor", "", "append-only file of anchors (\"<id> <hash>\" lines): check the log against them, then append its head")
	}
	if cmd == "seed" {
		fs.Bool("demo-faq", false, "also load the demo FAQ bank (seed/faq.yaml) if the bank is empty")
	}
	if cmd == "namespace" {
		fs.Duration("retention", defaultRetention, "how long closed workflows stay in Temporal (new namespace only)")
		fs.Duration("wait", 30*time.Second, "how long to wait for a new namespace to take requests")
	}
	if err := parseFlags(fs, c, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("%s: unexpected argument %q (run 'tawasul %s --help')", cmd, fs.Arg(0), cmd)
	}
	cfg, err := config.Load(fs)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	slog.SetDefault(log)
	if cfg.Debug.PprofAddr != "" {
		_, stop, err := servePprof(cfg.Debug.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	switch cmd {
	case "dev":
		return runDev(ctx, cfg, log, stdout)
	case "api", "worker":
		if cfg.Database.DSN == "" {
			return errors.New("--db (or database.dsn / TAWASUL_DATABASE_DSN) is required")
		}
		if cmd == "api" && cfg.Secrets.Tracking == "" {
			// Tracking codes are kept as HMACs under this secret; starting without
			// it and setting it later would void every code already given out.
			return errors.New("secrets.tracking (TAWASUL_SECRETS_TRACKING) is required for the API outside dev")
		}
		if cmd == "api" && cfg.Secrets.Audit == "" {
			// The API writes the audit log: unkeyed, its chain could be
			// rewritten by whoever can write the database.
			return errors.New("secrets.audit (TAWASUL_SECRETS_AUDIT) is required for the API outside dev")
		}
		// Both hand payloads to Temporal: without a key they would write the
		// beneficiary's data in clear, or fail to read what the other sealed.
		if _, err := app.PayloadCodec(cfg); err != nil {
			return err
		}
		a, err := app.New(ctx, app.Options{
			Config: cfg, DSN: cfg.Database.DSN, TemporalAddress: cfg.Temporal.Address,
			API: cmd == "api", Worker: cmd == "worker",
			Credentials: app.Credentials(cfg.Auth.Tokens), Logger: log,
		})
		if err != nil {
			return err
		}
		defer a.Close()
		log.Info("tawasul started", "mode", cmd, "temporal", cfg.Temporal.Address, "namespace", cfg.Temporal.Namespace)
		return a.Run(ctx)
	case "migrate", "seed":
		if cfg.Database.DSN == "" {
			return errors.New("--db (or database.dsn / TAWASUL_DATABASE_DSN) is required")
		}
		s, err := store.Open(ctx, cfg.Database.DSN)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.Migrate(ctx); err != nil {
			return err
		}
		if cmd == "seed" {
			if err := app.Seed(ctx, s); err != nil {
				return err
			}
			if demo, _ := fs.GetBool("demo-faq"); demo {
				n, err := app.SeedDemoFAQ(ctx, s)
				if err != nil {
					return err
				}
				log.Info("demo FAQ bank", "entries_added", n)
			}
		}
		log.Info(cmd + " done")
		return nil
	case "namespace":
		retention, _ := fs.GetDuration("retention")
		wait, _ := fs.GetDuration("wait")
		// Registering a namespace carries no payload: no keys needed.
		tc, err := app.Dial(ctx, cfg.Temporal, cfg.Temporal.Address, nil, log)
		if err != nil {
			return err
		}
		defer tc.Close()
		return ensureNamespace(ctx, tc, cfg.Temporal.Namespace, retention, wait, stdout)
	case "create-admin":
		if cfg.Database.DSN == "" {
			return errors.New("--db (or database.dsn / TAWASUL_DATABASE_DSN) is required")
		}
		username, _ := fs.GetString("username")
		name, _ := fs.GetString("name")
		if cfg.Secrets.Audit == "" {
			// The first entry of a production log is this one: keyed like every other.
			return errors.New("secrets.audit (TAWASUL_SECRETS_AUDIT) is required: the account's audit entry is keyed with it")
		}
		return createAdmin(ctx, cfg.Database.DSN, []byte(cfg.Secrets.Audit), username, name, os.Stdin, stdout)
	case "audit verify":
		if cfg.Database.DSN == "" {
			return errors.New("--db (or database.dsn / TAWASUL_DATABASE_DSN) is required")
		}
		anchor, _ := fs.GetString("anchor")
		return auditVerify(ctx, cfg.Database.DSN, []byte(cfg.Secrets.Audit), anchor, log, stdout)
	}
	return usageError("unknown command %q (run 'tawasul help' for the commands)", cmd)
}

// openMigrated opens the read model without migrating it, refusing one with
// migrations pending: admin commands never change the schema behind the
// operator's back.
func openMigrated(ctx context.Context, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if n, err := s.PendingMigrations(ctx); err != nil {
		_ = s.Close()
		return nil, err
	} else if n > 0 {
		_ = s.Close()
		return nil, fmt.Errorf("%s pending: run 'tawasul migrate' first", loadgen.Plural(n, "read-model migration", "read-model migrations"))
	}
	return s, nil
}

// errAuditBroken: the audit chain does not verify (reported on stdout).
var errAuditBroken = errors.New("audit chain broken")

// auditVerify checks the audit log's hash chain under key (secrets.audit),
// read-only: it applies no migration, so it can run against a copy or a
// replica. It prints the head, the last entry found intact, and writes it to
// the log as an anchor. With anchorFile it also checks the log against the
// anchors in that file and, when intact, appends the head to it: kept where
// the database's owner cannot rewrite it, the file reveals a rewritten or cut
// log even to someone who holds no key. With a key, entries made unkeyed (a
// log from before secrets.audit, or rows downgraded to the plain hash) fail
// the check: anyone who could write the database could have rewritten them.
func auditVerify(ctx context.Context, dsn string, key []byte, anchorFile string, log *slog.Logger, out io.Writer) error {
	var anchors []store.AuditAnchor
	if anchorFile != "" {
		f, err := os.Open(anchorFile)
		if err == nil {
			anchors, err = store.ParseAuditAnchors(f)
			_ = f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", anchorFile, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reading the anchors: %w", err)
		}
	}
	s, err := openMigrated(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetAuditKey(key)
	rep, err := s.VerifyAudit(ctx, anchors)
	if err != nil {
		return err
	}
	log.Info("audit head", "id", rep.Head.ID, "hash", rep.Head.Hash, "checked", rep.Checked, "broken", rep.Broken)
	if rep.Broken != 0 {
		fmt.Fprintf(out, "audit chain broken at entry %d: %s\n", rep.Broken, rep.Problem)
		fmt.Fprintf(out, "last intact entry: %s\n", rep.Head)
		return errAuditBroken
	}
	if rep.Unkeyed > 0 {
		fmt.Fprintf(out, "entries %d to %d (%d) were made unkeyed: whoever can write the database could have rewritten them\n",
			rep.FirstUnkeyed, rep.LastUnkeyed, rep.Unkeyed)
		if len(key) > 0 {
			fmt.Fprintf(out, "audit chain not proven: %s, head %s\n", loadgen.Plural(rep.Checked, "entry", "entries"), rep.Head)
			return errAuditBroken
		}
	}
	fmt.Fprintf(out, "audit chain intact: %s", loadgen.Plural(rep.Checked, "entry", "entries"))
	if rep.Head.ID != 0 {
		fmt.Fprintf(out, ", head %s", rep.Head)
	}
	fmt.Fprintln(out)
	if anchorFile != "" && rep.Head.ID != 0 && (len(anchors) == 0 || anchors[len(anchors)-1] != rep.Head) {
		if err := appendAnchor(anchorFile, rep.Head); err != nil {
			return err
		}
		fmt.Fprintf(out, "head appended to %s\n", anchorFile)
	}
	return nil
}

// appendAnchor adds head to the anchor file, creating it; opened for
// appending only, so the file may be append-only (chattr +a) or on a WORM
// share.
func appendAnchor(path string, head store.AuditAnchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening the anchor file: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s %s\n", head, time.Now().UTC().Format(time.RFC3339)); err != nil {
		_ = f.Close()
		return fmt.Errorf("appending to the anchor file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("appending to the anchor file: %w", err)
	}
	return nil
}

func runDev(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	if err := cfg.DevExposure(); err != nil {
		return err
	}
	if !cfg.Memory {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("creating data dir: %w", err)
		}
	}
	if cfg.AttachmentsDir() == "" {
		// Memory mode keeps nothing, but files need a disk while it runs.
		dir, err := os.MkdirTemp("", "tawasul-attachments-")
		if err != nil {
			return fmt.Errorf("creating a temporary attachments dir: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.Attachments.Dir = dir
	}
	// The API's address is needed before the Web UI starts (its codec
	// endpoint), and --addr may ask for any free port: listen now.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir: filepath.Join(cfg.DataDir, "temporal"), Memory: cfg.Memory,
		Namespace: cfg.Temporal.Namespace, Port: cfg.Dev.TemporalPort, UIPort: cfg.Dev.UIPort,
		Logger:        log.With("component", "temporal-server"),
		CodecEndpoint: "http://" + ln.Addr().String() + "/api/v1/codec",
	})
	if err != nil {
		return fmt.Errorf("starting the embedded Temporal server: %w", err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			log.Warn("stopping Temporal", "error", err)
		}
	}()
	if ui := srv.UIAddress(); ui != "" {
		cfg.Temporal.CodecOrigins = append(cfg.Temporal.CodecOrigins, ui)
	}
	// Dev seals Temporal's payloads like production, under a key of its own
	// unless one is configured (taken after Start, which locks the data dir).
	if keys, err := app.PayloadKeys(cfg.Secrets); err != nil {
		return err
	} else if len(keys) == 0 {
		if cfg.Secrets.PayloadKeys, err = app.DevPayloadKeys(cfg.DataDir, cfg.Memory); err != nil {
			return err
		}
	}

	creds := app.Credentials(cfg.Auth.Tokens)
	var demo []app.DevToken
	if cfg.Dev.Demo {
		if demo, err = app.DevTokens(cfg.DataDir, cfg.Memory); err != nil {
			return err
		}
		creds = append(creds, app.DevCredentials(demo)...)
	}
	a, err := app.New(ctx, app.Options{
		Config: cfg, DSN: cfg.DevDSN(), TemporalAddress: srv.FrontendHostPort(),
		API: true, Worker: true, Migrate: true, Seed: true, DemoFAQ: cfg.Dev.Demo, Credentials: creds, Logger: log, Dev: true,
		Listener: ln, DevAccounts: demo, TemporalUI: srv.UIAddress(),
	})
	if err != nil {
		return err
	}
	defer a.Close()

	printBanner(stdout, cfg, srv, a.Addr(), demo)
	return a.Run(ctx)
}

func printBanner(out io.Writer, cfg config.Config, srv *devserver.Server, addr string, demo []app.DevToken) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "\nTawasul dev — تواصل\n")
	fmt.Fprintf(w, "  Web\thttp://%s/  (sign in with a demo account below)\n", addr)
	fmt.Fprintf(w, "  API\thttp://%s/api/v1  (health: /healthz, /readyz)\n", addr)
	fmt.Fprintf(w, "  Temporal\t%s  namespace %s\n", srv.FrontendHostPort(), srv.Namespace())
	if ui := srv.UIAddress(); ui != "" {
		fmt.Fprintf(w, "  Temporal Web UI\t%s\n", ui)
	}
	fmt.Fprintf(w, "  Outbox\thttp://%s/api/v1/outbox  (admin or supervisor token; SMS and e-mail as they would be sent)\n", addr)
	if cfg.Memory {
		fmt.Fprintf(w, "  Data\tin memory (lost on exit)\n")
	} else {
		fmt.Fprintf(w, "  Data\t%s\n", cfg.DataDir)
	}
	fmt.Fprintf(w, "  Attachments\t%s\n", cfg.AttachmentsDir())
	if len(demo) > 0 {
		fmt.Fprintf(w, "\nDemo tokens (Authorization: Bearer <token>):\n")
		for _, t := range demo {
			scope := t.Entity
			if scope == "" {
				scope = "all"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", t.Role, scope, t.Token)
		}
		fmt.Fprintf(w, "\nDemo accounts (username / password, for the web pages and POST /api/v1/auth/login):\n")
		for _, t := range demo {
			scope := t.Entity
			if scope == "" {
				scope = "all"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", t.Role, scope, t.Username, t.Password)
		}
	}
	fmt.Fprintln(w)
	w.Flush()
}
