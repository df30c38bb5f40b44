package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/loadgen"
	"github.com/tawasul/tawasul/logging"
	"github.com/tawasul/tawasul/store"
)

// errLoadgenFailed: the run's check failed or it had too many errors (the
// report says which, on stdout).
var errLoadgenFailed = errors.New("load run failed")

// loadgenModes says what each mode does, in the order --help lists them.
var loadgenModes = []struct{ name, what string }{
	{loadgen.ModeIntake, "file N tickets at concurrency C"},
	{loadgen.ModeLifecycle, "file, answer and close N tickets (a share objected, a share withdrawn)"},
	{loadgen.ModeBurst, "file N tickets whose deadlines fall in the same minute; measure escalation lateness"},
	{loadgen.ModeSoak, "file at --rate per second for --duration"},
	{loadgen.ModeCeiling, "measure the Temporal server alone (no-op starts, minimal lifecycles)"},
}

// loadgenCommand is the usage of `tawasul loadgen` or, with a mode, of that
// mode alone.
func loadgenCommand(mode string) command {
	c, _ := lookupCommand("loadgen")
	for _, m := range loadgenModes {
		if m.name == mode {
			return command{name: "loadgen " + m.name, args: "--target URL [-n N] [-c C] [flags]", what: m.what}
		}
	}
	var b strings.Builder
	b.WriteString(c.what + "\n\nmodes:\n")
	for _, m := range loadgenModes {
		fmt.Fprintf(&b, "  %-10s %s\n", m.name, m.what)
	}
	b.WriteString("\n'tawasul loadgen MODE --help' lists the flags of one mode.")
	c.what = b.String()
	return c
}

// hideOtherModes hides the flags whose help starts with another mode's
// name ("soak: ..."), so a mode's --help lists what applies to it.
func hideOtherModes(fs *pflag.FlagSet, mode string) {
	fs.VisitAll(func(f *pflag.Flag) {
		for _, m := range loadgenModes {
			if m.name != mode && strings.HasPrefix(f.Usage, m.name+":") {
				_ = fs.MarkHidden(f.Name)
			}
		}
	})
}

// loadgenFlags adds the load generator's flags to the configuration flags,
// so the Temporal address, namespace and database come from the same
// tawasul.yaml / TAWASUL_* / flags as every other command.
func loadgenFlags() *pflag.FlagSet {
	fs := config.Flags("loadgen")
	// The dev server's own flags mean nothing to a load run: hidden from
	// its --help (still accepted, as before).
	for _, name := range []string{"addr", "memory", "demo", "temporal-port", "ui-port"} {
		_ = fs.MarkHidden(name)
	}
	fs.Lookup("log-level").DefValue = "warn" // see runLoadgen: info lines would break the progress bar
	fs.String("target", "http://127.0.0.1:8080", "base URL of the running system's HTTP API (several, comma-separated: taken in turn, a retry goes to the next)")
	fs.IntP("count", "n", 100, "tickets (or lifecycles) to run")
	fs.IntP("concurrency", "c", 8, "requests in flight at once")
	fs.Float64("rate", 0, "soak: filings per second")
	fs.Duration("duration", 0, "soak: how long to keep the rate")
	fs.Uint64("seed", 1, "seed of the generated requests (same seed, same tickets)")
	fs.String("run-id", "", "names this run's markers and keys (default: random)")
	fs.String("token", "", "staff token that files tickets (or TAWASUL_LOADGEN_TOKEN)")
	fs.String("admin-token", "", "admin token: policies, answers, checks (or TAWASUL_LOADGEN_ADMIN_TOKEN)")
	fs.String("tokens-file", "", "the dev-tokens.json `FILE` written by tawasul dev (data/dev-tokens.json): its agent files, its admin and coordinators answer")
	fs.Float64("objections", 0.15, "lifecycle: share of tickets objected to after the answer")
	fs.Float64("withdrawals", 0.10, "lifecycle: share of tickets withdrawn before any answer")
	fs.Duration("objection-window", 0, "lifecycle: save a policy with this objection window so answered tickets close in the run")
	fs.Duration("burst-allowance", 2*time.Minute, "burst: the deadlines fall this long after the start, rounded up to the minute (aligned), or this long after each filing")
	fs.Bool("burst-aligned", true, "burst: every deadline on the same instant (the test policy's office opens then; tickets filed before are due together); false: each due the allowance after its filing (24x7)")
	fs.Duration("timeout", 30*time.Second, "per HTTP attempt")
	fs.Int("retries", 5, "retries of a call that may pass (transport error, 429, 5xx), with the same Idempotency-Key")
	fs.Int("max-errors", 0, "failed calls tolerated before the run fails")
	fs.Bool("check", true, "end check: accepted == read-model rows == Temporal workflows")
	fs.Duration("settle", 30*time.Second, "how long the end check waits for late rows, starts and visibility")
	fs.String("read-model", "auto", "end check reads rows from: db, api, or auto (db when the configured database is reachable)")
	fs.Bool("with-ceiling", false, "also measure the Temporal ceiling (first, on a quiet server)")
	fs.Int("ceiling-n", 0, "ceiling: workflows per measurement (default -n)")
	fs.Int("ceiling-pollers", 0, "ceiling: the ceiling worker's workflow and activity task pollers (default: the SDK's, as Tawasul's worker)")
	fs.Bool("json", false, "print the report as one JSON document")
	return fs
}

func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := loadgenFlags()
	// The mode is known before the flags are parsed so that
	// `loadgen burst --help` describes burst.
	mode := ""
	for _, a := range args {
		if slices.Contains(loadgen.Modes, a) {
			mode = a
			hideOtherModes(fs, mode)
			break
		}
	}
	if err := parseFlags(fs, loadgenCommand(mode), args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(loadgen.Modes, fs.Arg(0)) {
		return usageError("loadgen: want one mode of %s (run 'tawasul loadgen --help')", strings.Join(loadgen.Modes, ", "))
	}
	cfg, err := config.Load(fs)
	if err != nil {
		return err
	}
	level := "warn" // the SDK's info lines would break the progress bar
	if fs.Changed("log-level") {
		level = cfg.Log.Level
	}
	log := logging.New(stderr, level, cfg.Log.Format)

	o, err := loadgenOptions(fs)
	if err != nil {
		return err
	}
	o.Progress = loadgen.NewProgress(stderr, stderr == os.Stderr && loadgen.IsTerminal(os.Stderr))

	if o.Check || o.WithCeiling || o.Mode == loadgen.ModeCeiling {
		// The system's keys, when given, so the ceiling's workflows carry
		// sealed payloads as Tawasul's do (the same cost) and anything read
		// back opens; without keys the ceiling's own workflows stay plain.
		codec, err := app.PayloadCodec(cfg)
		if errors.Is(err, app.ErrNoPayloadKey) {
			codec = nil
		} else if err != nil {
			return err
		}
		tc, err := app.Dial(ctx, cfg.Temporal, cfg.Temporal.Address, codec, log)
		if err != nil {
			return err
		}
		defer tc.Close()
		o.Temporal = tc
	}
	if o.Check {
		rm, closeRM, err := readModel(ctx, fs, cfg)
		if err != nil {
			return err
		}
		defer closeRM()
		o.ReadModel = rm
	}

	rep, err := loadgen.Run(ctx, o)
	if rep != nil {
		asJSON, _ := fs.GetBool("json")
		if asJSON {
			if err := rep.WriteJSON(stdout); err != nil {
				return err
			}
		} else {
			rep.WritePlain(stdout)
		}
	}
	if err != nil {
		return err
	}
	if !rep.Passed {
		return errLoadgenFailed
	}
	return nil
}

func loadgenOptions(fs *pflag.FlagSet) (loadgen.Options, error) {
	get := func(name string) string { v, _ := fs.GetString(name); return v }
	o := loadgen.Options{Mode: fs.Arg(0), Target: get("target"), Coordinators: map[string]string{}}
	o.N, _ = fs.GetInt("count")
	o.Concurrency, _ = fs.GetInt("concurrency")
	o.Rate, _ = fs.GetFloat64("rate")
	o.Duration, _ = fs.GetDuration("duration")
	o.Seed, _ = fs.GetUint64("seed")
	o.ObjectionShare, _ = fs.GetFloat64("objections")
	o.WithdrawalShare, _ = fs.GetFloat64("withdrawals")
	o.ObjectionWindow, _ = fs.GetDuration("objection-window")
	o.BurstAllowance, _ = fs.GetDuration("burst-allowance")
	o.BurstAligned, _ = fs.GetBool("burst-aligned")
	o.Timeout, _ = fs.GetDuration("timeout")
	o.Retries, _ = fs.GetInt("retries")
	o.MaxErrors, _ = fs.GetInt("max-errors")
	o.Check, _ = fs.GetBool("check")
	o.Settle, _ = fs.GetDuration("settle")
	o.WithCeiling, _ = fs.GetBool("with-ceiling")
	o.CeilingN, _ = fs.GetInt("ceiling-n")
	o.CeilingPollers, _ = fs.GetInt("ceiling-pollers")

	o.RunID = get("run-id")
	if o.RunID == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.RunID = hex.EncodeToString(b)
	}
	if path := get("tokens-file"); path != "" {
		ts, err := readDevTokens(path)
		if err != nil {
			return o, err
		}
		for _, t := range ts {
			switch t.Role {
			case domain.RoleAgent:
				o.FileToken = t.Token
			case domain.RoleAdmin:
				o.AdminToken = t.Token
			case domain.RoleCoordinator:
				if t.Entity != "" {
					o.Coordinators[t.Entity] = t.Token
				}
			}
		}
	}
	// Flags, then the environment, override the file: a token is a secret,
	// so the environment is the way to keep it out of shell history.
	for _, s := range []struct {
		flag, env string
		dst       *string
	}{{"token", "TAWASUL_LOADGEN_TOKEN", &o.FileToken}, {"admin-token", "TAWASUL_LOADGEN_ADMIN_TOKEN", &o.AdminToken}} {
		if v := get(s.flag); v != "" {
			*s.dst = v
		} else if v := os.Getenv(s.env); v != "" {
			*s.dst = v
		}
	}
	return o, nil
}

func readDevTokens(path string) ([]app.DevToken, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the tokens file: %w", err)
	}
	var ts []app.DevToken
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("reading the tokens file %s: %w", path, err)
	}
	return ts, nil
}

// readModel picks where the end check counts rows: the configured database
// when it can be reached (the dev data directory's SQLite file, or
// PostgreSQL), else the API. An in-memory dev system's database lives in its
// own process, so only the API reaches it.
func readModel(ctx context.Context, fs *pflag.FlagSet, cfg config.Config) (loadgen.ReadModel, func(), error) {
	mode, _ := fs.GetString("read-model")
	none := func() {}
	dsn := cfg.DevDSN()
	usable := !strings.Contains(dsn, ":memory:")
	if path, ok := strings.CutPrefix(dsn, "sqlite://"); ok && usable {
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); err != nil {
			usable = false // opening it would create an empty database
		}
	}
	switch mode {
	case "api":
		return nil, none, nil
	case "auto":
		if !usable {
			return nil, none, nil
		}
	case "db":
		if !usable {
			return nil, none, fmt.Errorf("--read-model db: no reachable database (%s); give --db or --data-dir", redactDSN(dsn))
		}
	default:
		return nil, none, fmt.Errorf("--read-model: %q is not db, api or auto", mode)
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, none, fmt.Errorf("opening the read model for the end check: %w", err)
	}
	return loadgen.DBReadModel{Store: s}, func() { _ = s.Close() }, nil
}

// redactDSN hides a password in a postgres:// DSN before it is shown.
func redactDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			return scheme + "://" + user + ":***" + rest[at:]
		}
	}
	return dsn
}
