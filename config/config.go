// Package config loads Tawasul's configuration with viper, in the order
// defaults < file (tawasul.yaml) < environment (TAWASUL_*) < flags, and
// validates it before anything starts.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/tawasul/tawasul/attachments"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/payload"
)

// Config is everything a Tawasul process needs.
type Config struct {
	// Addr is where the HTTP API listens.
	Addr string `mapstructure:"addr"`
	// DataDir holds the dev mode's SQLite files (Temporal and read model).
	DataDir string `mapstructure:"data_dir"`
	// Memory makes dev mode throwaway: nothing is written to DataDir.
	Memory bool `mapstructure:"memory"`

	HTTP     HTTPConfig     `mapstructure:"http"`
	Database DatabaseConfig `mapstructure:"database"`
	Temporal TemporalConfig `mapstructure:"temporal"`
	Dev      DevConfig      `mapstructure:"dev"`
	Auth     AuthConfig     `mapstructure:"auth"`
	Secrets  SecretsConfig  `mapstructure:"secrets"`
	Log      LogConfig      `mapstructure:"log"`
	Debug    DebugConfig    `mapstructure:"debug"`
	Intake   IntakeConfig   `mapstructure:"intake"`
	Worker   WorkerConfig   `mapstructure:"worker"`

	Attachments AttachmentsConfig `mapstructure:"attachments"`
	Notify      NotifyConfig      `mapstructure:"notify"`
	SurveyCalls SurveyCallsConfig `mapstructure:"survey_calls"`

	Beneficiary BeneficiaryConfig `mapstructure:"beneficiary"`
}

// BeneficiaryConfig bounds the one-time sign-in codes of beneficiaries.
type BeneficiaryConfig struct {
	// CodesPerDay caps the code requests of one mobile in any 24 hours.
	CodesPerDay int `mapstructure:"codes_per_day"`
	// CodeFailureAlarm failed sign-ins across all mobiles within
	// CodeFailureWindow log an alarm and write an audit entry.
	CodeFailureAlarm  int           `mapstructure:"code_failure_alarm"`
	CodeFailureWindow time.Duration `mapstructure:"code_failure_window"`
}

// SurveyCallsConfig is the daily call list of the satisfaction survey: a
// share of the tickets closed the day before, at most MaxPerDay, drawn at At
// (local time of the policy's time zone) by a Temporal schedule.
type SurveyCallsConfig struct {
	// Enabled keeps the daily schedule running; off pauses it (an operator
	// may still build a day's list through the API).
	Enabled   bool    `mapstructure:"enabled"`
	Share     float64 `mapstructure:"share"`
	MaxPerDay int     `mapstructure:"max_per_day"`
	// At is the local time of day, HH:MM, the list is drawn.
	At string `mapstructure:"at"`
}

// maxSurveyCallsPerDay bounds max_per_day: far above what a survey team
// calls in a day, low enough that a typo cannot flood the list.
const maxSurveyCallsPerDay = 10000

type HTTPConfig struct {
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For is believed for the per-address intake limit; none by default.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// SecureCookies marks the web pages' cookies Secure (and the session's
	// with the __Host- prefix) though the request arrived over plain HTTP:
	// set it behind a proxy that ends TLS. A request over TLS always gets it.
	SecureCookies bool `mapstructure:"secure_cookies"`
}

type DatabaseConfig struct {
	// DSN is "sqlite://<path>", "sqlite://:memory:" or "postgres://...". Empty in
	// dev mode means a SQLite file under DataDir.
	DSN string `mapstructure:"dsn"`
}

type TemporalConfig struct {
	Address   string    `mapstructure:"address"`
	Namespace string    `mapstructure:"namespace"`
	TLS       TLSConfig `mapstructure:"tls"`
	// UpdateTimeout bounds how long the API waits for a worker to take an update.
	UpdateTimeout time.Duration `mapstructure:"update_timeout"`
	// AcceptPlainPayloads lets payloads that are not sealed (secrets.payload_keys)
	// decode: only while workflows started before the keys were set are still
	// open, since it also lets a signal forged at the Temporal frontend through.
	AcceptPlainPayloads bool `mapstructure:"accept_plain_payloads"`
	// CodecOrigins are the web origins (the Temporal Web UI's) allowed to
	// call the API's codec endpoint from a browser; dev adds its own UI.
	CodecOrigins []string `mapstructure:"codec_origins"`
}

type TLSConfig struct {
	Enabled    bool   `mapstructure:"enabled"`
	CertFile   string `mapstructure:"cert_file"`
	KeyFile    string `mapstructure:"key_file"`
	CAFile     string `mapstructure:"ca_file"`
	ServerName string `mapstructure:"server_name"`
}

type DevConfig struct {
	// TemporalPort is the embedded server's frontend port (0 = any free port).
	TemporalPort int `mapstructure:"temporal_port"`
	// UIPort is the embedded Temporal Web UI's port; -1 disables the UI.
	UIPort int `mapstructure:"ui_port"`
	// Demo prints one token per role and loads the demo FAQ bank into an
	// empty bank.
	Demo bool `mapstructure:"demo"`
	// AllowRemote lets dev listen on an address other machines reach. Off,
	// a non-loopback addr is refused: dev shows the outbox in full and
	// prints tokens that anyone who reaches it could use.
	AllowRemote bool `mapstructure:"allow_remote"`
}

// Token is one bearer token: only its SHA-256 is configured, never the token.
type Token struct {
	Name   string `mapstructure:"name"`
	Hash   string `mapstructure:"hash"` // hex SHA-256 of the token
	Role   string `mapstructure:"role"`
	Entity string `mapstructure:"entity"`
}

type AuthConfig struct {
	Tokens []Token    `mapstructure:"tokens"`
	OIDC   OIDCConfig `mapstructure:"oidc"`
}

// OIDCConfig enables login with the ministry's single sign-on; an empty
// Issuer leaves it off.
type OIDCConfig struct {
	Issuer        string `mapstructure:"issuer"`
	ClientID      string `mapstructure:"client_id"`
	UsernameClaim string `mapstructure:"username_claim"`
	RoleClaim     string `mapstructure:"role_claim"`
	EntityClaim   string `mapstructure:"entity_claim"`
	// Roles maps the provider's role values to Tawasul roles; empty means the
	// role claim carries Tawasul role names. Keys compare case-insensitively
	// (viper lower-cases them).
	Roles map[string]string `mapstructure:"roles"`
	// MaxAge is how long after it was issued (iat) an ID token is accepted.
	MaxAge time.Duration `mapstructure:"max_age"`
}

type SecretsConfig struct {
	// Tracking seals tracking codes kept for idempotent replays. Set it in
	// production (TAWASUL_SECRETS_TRACKING); never logged.
	Tracking string `mapstructure:"tracking"`
	// Audit keys the audit log's hash chain (HMAC-SHA256), so that whoever
	// can write the database cannot rewrite the log and re-chain it. Keep it
	// outside the database and its backups (TAWASUL_SECRETS_AUDIT); required
	// for the API and create-admin outside dev, at least MinAuditSecret
	// bytes; never logged.
	Audit string `mapstructure:"audit"`
	// PayloadKeys seal what Tawasul hands to Temporal (package payload):
	// "id:base64-of-32-bytes" entries, comma-separated, newest first; the
	// newest seals, every one listed opens. Kept outside the database
	// (TAWASUL_SECRETS_PAYLOAD_KEYS); never logged.
	PayloadKeys string `mapstructure:"payload_keys"`
	// PayloadKeyFile holds more keys, one entry a line, after PayloadKeys
	// (a mounted secret). `tawasul api` and `worker` need at least one key
	// between the two; dev keeps a generated one in its data directory.
	PayloadKeyFile string `mapstructure:"payload_key_file"`
}

// MinAuditSecret is the shortest secrets.audit accepted: an HMAC key must
// not be guessable.
const MinAuditSecret = 32

type LogConfig struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json, text
}

// DebugConfig holds what an operator turns on to look inside a process.
type DebugConfig struct {
	// PprofAddr, when set, serves Go's runtime profiles (net/http/pprof) on
	// this address: keep it on localhost, it is unauthenticated.
	PprofAddr string `mapstructure:"pprof_addr"`
	// PprofAllowRemote lets PprofAddr be an address other machines reach
	// (behind a firewall of your own); off, only loopback is accepted.
	PprofAllowRemote bool `mapstructure:"pprof_allow_remote"`
}

type IntakeConfig struct {
	// PerMinute limits anonymous ticket filing per client address.
	PerMinute int `mapstructure:"per_minute"`
}

type WorkerConfig struct {
	MaxConcurrentActivities int `mapstructure:"max_concurrent_activities"`
	MaxConcurrentWorkflows  int `mapstructure:"max_concurrent_workflows"`
	// MaxConcurrentLocalActivities bounds the ticket steps (projection,
	// outbox, lookups) the worker runs at once; the rest wait in order.
	MaxConcurrentLocalActivities int `mapstructure:"max_concurrent_local_activities"`
	// WorkflowPollers and ActivityPollers: long polls on the task queue
	// (0 = the SDK's 2); CacheSize: tickets kept in the worker's memory
	// between tasks. A cached ticket costs the worker about 90 KB (its
	// workflow state, three coroutines' stacks, the collector's headroom;
	// BENCHMARKS.md): the SDK's 10,000 took a worker past 1 GiB, 3,000 keeps
	// it under 512 MiB however many tickets are open. A ticket not cached
	// replays its history (tens of events) at its next task.
	WorkflowPollers int `mapstructure:"workflow_pollers"`
	ActivityPollers int `mapstructure:"activity_pollers"`
	CacheSize       int `mapstructure:"cache_size"`
	// AutoscalePollers lets the worker add long polls while the server
	// reports a backlog and drop them when it is idle; the two poller
	// counts are then the most it opens (0 = the SDK's 100).
	AutoscalePollers bool `mapstructure:"autoscale_pollers"`
	// StickyTimeout: how long a ticket's next task waits for the worker
	// that holds its state before any worker may take it (0 = the SDK's
	// 5 s). 30 s by default: in a burst of deadlines the SDK's 5 s sent most
	// tasks to the shared queue, where each costs a replay of its history
	// (BENCHMARKS.md). A worker gone for 10 s gets no new tasks there anyway
	// (the server sends them to the shared queue at once); only those
	// already queued for it wait the full timeout.
	StickyTimeout time.Duration `mapstructure:"sticky_timeout"`
}

// AttachmentsConfig bounds and places the documents attached to tickets.
type AttachmentsConfig struct {
	// Dir holds the files; empty means <data_dir>/attachments (a temporary
	// directory in memory mode). Several API replicas need a shared one.
	Dir string `mapstructure:"dir"`
	// MaxBytes bounds one file.
	MaxBytes int64 `mapstructure:"max_bytes"`
	// MaxPerTicket bounds the files on one ticket from each side (the
	// beneficiary's, and staff's).
	MaxPerTicket int `mapstructure:"max_per_ticket"`
}

// The highest attachment limits accepted.
const (
	maxAttachmentBytesConfigured  = 100 << 20
	maxAttachmentsPerTicketConfig = 100
)

// NotifyConfig is how the worker delivers the outbox.
type NotifyConfig struct {
	SMS      SMSConfig      `mapstructure:"sms"`
	Email    EmailConfig    `mapstructure:"email"`
	Dispatch DispatchConfig `mapstructure:"dispatch"`
}

// SMSConfig is the HTTP SMS gateway; an empty URL leaves SMS unconfigured.
// Password and Token are secrets: set them through the environment
// (TAWASUL_NOTIFY_SMS_PASSWORD, TAWASUL_NOTIFY_SMS_TOKEN); never logged.
type SMSConfig struct {
	URL      string `mapstructure:"url"`
	Method   string `mapstructure:"method"`
	Auth     string `mapstructure:"auth"` // "", basic, bearer
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	Token    string `mapstructure:"token"`
	// Body is the request body with {to}, {text} and {key} replaced by the
	// JSON-escaped values.
	Body              string        `mapstructure:"body"`
	ContentType       string        `mapstructure:"content_type"`
	IdempotencyHeader string        `mapstructure:"idempotency_header"`
	Timeout           time.Duration `mapstructure:"timeout"`
}

// EmailConfig is the SMTP server; an empty Host leaves e-mail unconfigured.
// Password is a secret (TAWASUL_NOTIFY_EMAIL_PASSWORD); never logged.
type EmailConfig struct {
	Host      string        `mapstructure:"host"`
	Port      int           `mapstructure:"port"`
	From      string        `mapstructure:"from"`
	Username  string        `mapstructure:"username"`
	Password  string        `mapstructure:"password"`
	TLS       string        `mapstructure:"tls"` // starttls, implicit, none (this machine only)
	Timeout   time.Duration `mapstructure:"timeout"`
	HelloName string        `mapstructure:"hello_name"`
}

// DispatchConfig tunes the dispatcher that runs in the worker process.
type DispatchConfig struct {
	Enabled        bool          `mapstructure:"enabled"`
	Interval       time.Duration `mapstructure:"interval"`
	Batch          int           `mapstructure:"batch"`
	Concurrency    int           `mapstructure:"concurrency"`
	MaxAttempts    int           `mapstructure:"max_attempts"`
	BackoffInitial time.Duration `mapstructure:"backoff_initial"`
	BackoffMax     time.Duration `mapstructure:"backoff_max"`
	Lease          time.Duration `mapstructure:"lease"`
	MaxAge         time.Duration `mapstructure:"max_age"`
}

func setDefaults(v *viper.Viper) {
	v.SetDefault("addr", "127.0.0.1:8080")
	v.SetDefault("data_dir", "./data")
	v.SetDefault("memory", false)
	v.SetDefault("http.trusted_proxies", []string{})
	v.SetDefault("http.secure_cookies", false)
	v.SetDefault("database.dsn", "")
	v.SetDefault("temporal.address", "127.0.0.1:7233")
	v.SetDefault("temporal.namespace", "default")
	v.SetDefault("temporal.update_timeout", 10*time.Second)
	v.SetDefault("temporal.accept_plain_payloads", false)
	v.SetDefault("temporal.codec_origins", []string{})
	v.SetDefault("temporal.tls.enabled", false)
	v.SetDefault("temporal.tls.cert_file", "")
	v.SetDefault("temporal.tls.key_file", "")
	v.SetDefault("temporal.tls.ca_file", "")
	v.SetDefault("temporal.tls.server_name", "")
	v.SetDefault("dev.temporal_port", 7233)
	v.SetDefault("dev.ui_port", 8233)
	v.SetDefault("dev.demo", true)
	v.SetDefault("dev.allow_remote", false)
	v.SetDefault("auth.tokens", []Token{})
	v.SetDefault("auth.oidc.issuer", "")
	v.SetDefault("auth.oidc.client_id", "")
	v.SetDefault("auth.oidc.username_claim", "preferred_username")
	v.SetDefault("auth.oidc.role_claim", "tawasul_role")
	v.SetDefault("auth.oidc.entity_claim", "tawasul_entity")
	v.SetDefault("auth.oidc.roles", map[string]string{})
	v.SetDefault("auth.oidc.max_age", 5*time.Minute)
	v.SetDefault("secrets.tracking", "")
	v.SetDefault("secrets.audit", "")
	v.SetDefault("secrets.payload_keys", "")
	v.SetDefault("secrets.payload_key_file", "")
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "json")
	v.SetDefault("debug.pprof_addr", "")
	v.SetDefault("debug.pprof_allow_remote", false)
	v.SetDefault("intake.per_minute", 30)
	v.SetDefault("beneficiary.codes_per_day", 10)
	v.SetDefault("beneficiary.code_failure_alarm", 100)
	v.SetDefault("beneficiary.code_failure_window", 10*time.Minute)
	v.SetDefault("worker.max_concurrent_activities", 0)
	v.SetDefault("worker.max_concurrent_workflows", 0)
	v.SetDefault("worker.max_concurrent_local_activities", 0)
	v.SetDefault("worker.workflow_pollers", 0)
	v.SetDefault("worker.activity_pollers", 0)
	v.SetDefault("worker.cache_size", 3000)
	v.SetDefault("worker.autoscale_pollers", false)
	v.SetDefault("worker.sticky_timeout", 30*time.Second)
	v.SetDefault("attachments.dir", "")
	v.SetDefault("attachments.max_bytes", attachments.DefaultMaxBytes)
	v.SetDefault("attachments.max_per_ticket", attachments.DefaultPerTicket)
	v.SetDefault("notify.sms.url", "")
	v.SetDefault("notify.sms.method", "POST")
	v.SetDefault("notify.sms.auth", "")
	v.SetDefault("notify.sms.username", "")
	v.SetDefault("notify.sms.password", "")
	v.SetDefault("notify.sms.token", "")
	v.SetDefault("notify.sms.body", `{"to":"{to}","text":"{text}","reference":"{key}"}`)
	v.SetDefault("notify.sms.content_type", "application/json")
	v.SetDefault("notify.sms.idempotency_header", "Idempotency-Key")
	v.SetDefault("notify.sms.timeout", 10*time.Second)
	v.SetDefault("notify.email.host", "")
	v.SetDefault("notify.email.port", 587)
	v.SetDefault("notify.email.from", "")
	v.SetDefault("notify.email.username", "")
	v.SetDefault("notify.email.password", "")
	v.SetDefault("notify.email.tls", "starttls")
	v.SetDefault("notify.email.timeout", 30*time.Second)
	v.SetDefault("notify.email.hello_name", "")
	v.SetDefault("notify.dispatch.enabled", true)
	v.SetDefault("notify.dispatch.interval", 2*time.Second)
	v.SetDefault("notify.dispatch.batch", 20)
	v.SetDefault("notify.dispatch.concurrency", 4)
	v.SetDefault("notify.dispatch.max_attempts", 8)
	v.SetDefault("notify.dispatch.backoff_initial", 30*time.Second)
	v.SetDefault("notify.dispatch.backoff_max", time.Hour)
	v.SetDefault("notify.dispatch.lease", 5*time.Minute)
	v.SetDefault("notify.dispatch.max_age", 72*time.Hour)
	v.SetDefault("survey_calls.enabled", true)
	v.SetDefault("survey_calls.share", domain.SurveyDefaultShare)
	v.SetDefault("survey_calls.max_per_day", domain.SurveyDefaultMaxPerDay)
	v.SetDefault("survey_calls.at", "05:00")
}

// flagKeys maps command-line flags to configuration keys.
var flagKeys = map[string]string{
	"addr":               "addr",
	"data-dir":           "data_dir",
	"memory":             "memory",
	"db":                 "database.dsn",
	"temporal-address":   "temporal.address",
	"temporal-namespace": "temporal.namespace",
	"temporal-port":      "dev.temporal_port",
	"ui-port":            "dev.ui_port",
	"demo":               "dev.demo",
	"allow-remote":       "dev.allow_remote",
	"log-level":          "log.level",
}

// Flags declares the flags every subcommand understands, plus --config.
// They show the built-in defaults in --help; only a flag given on the
// command line overrides tawasul.yaml and TAWASUL_* (Load binds changed
// flags only), so these defaults never hide a value set in a lower layer.
func Flags(name string) *pflag.FlagSet {
	d := viper.New()
	setDefaults(d)
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.String("config", "", "configuration `FILE` (default: ./tawasul.yaml or ./tawasul.yml if present)")
	fs.String("addr", d.GetString("addr"), "HTTP listen `host:port` (port 0 = any free port)")
	fs.String("data-dir", d.GetString("data_dir"), "dev mode data `DIR`")
	fs.Bool("memory", d.GetBool("memory"), "dev mode: keep everything in memory (throwaway)")
	fs.String("db", "", "read-model database `DSN`: sqlite://path or postgres://... (dev default: sqlite://<data-dir>/tawasul.db)")
	fs.String("temporal-address", d.GetString("temporal.address"), "Temporal frontend `host:port`")
	fs.String("temporal-namespace", d.GetString("temporal.namespace"), "Temporal `namespace`")
	fs.Int("temporal-port", d.GetInt("dev.temporal_port"), "dev mode: embedded Temporal frontend `port` (0 = any free port)")
	fs.Int("ui-port", d.GetInt("dev.ui_port"), "dev mode: Temporal Web UI `port` (0 = any free port, -1 = no UI)")
	fs.Bool("demo", d.GetBool("dev.demo"), "dev mode: print demo tokens and load the demo FAQ bank")
	fs.Bool("allow-remote", d.GetBool("dev.allow_remote"), "dev mode: allow an --addr other machines can reach (demo tokens, full outbox)")
	fs.String("log-level", d.GetString("log.level"), "`level`: debug, info, warn or error")
	return fs
}

// Load reads the configuration; fs must have been parsed (Flags). Only flags the
// user set override the layers below them.
func Load(fs *pflag.FlagSet) (Config, error) {
	v := viper.New()
	setDefaults(v)

	file, _ := fs.GetString("config")
	switch {
	case file != "":
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("reading config file %s: %w", file, err)
		}
	default:
		// Only ./tawasul.yaml or ./tawasul.yml: viper's own search would also
		// pick up a file named plain "tawasul" — the binary itself.
		for _, name := range []string{"tawasul.yaml", "tawasul.yml"} {
			if _, err := os.Stat(name); err != nil {
				continue
			}
			v.SetConfigFile(name)
			if err := v.ReadInConfig(); err != nil {
				return Config{}, fmt.Errorf("reading %s: %w", name, err)
			}
			break
		}
	}

	v.SetEnvPrefix("TAWASUL")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	for flag, key := range flagKeys {
		if f := fs.Lookup(flag); f != nil && f.Changed {
			if err := v.BindPFlag(key, f); err != nil {
				return Config{}, fmt.Errorf("binding flag --%s: %w", flag, err)
			}
		}
	}

	// A misspelt key in the file is an error, not a silently ignored line;
	// it is reported together with every bad value.
	c, problems := decode(v)
	if len(problems) > 0 {
		return Config{}, invalid(problems)
	}
	return c, nil
}

func invalid(problems []error) error {
	return fmt.Errorf("invalid configuration: %w", errors.Join(problems...))
}

var validRoles = []string{"agent", "coordinator", "care_center_manager", "entity_head", "sector_official",
	"supervisor", "minister_office", "admin", "auditor", "reception", "survey_agent"}

// Validate reports every problem at once, so an operator fixes the file in one go.
func (c Config) Validate() error {
	if errs := c.problems(); len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

// problems lists what is wrong with the values, each error naming its key.
func (c Config) problems() []error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: required"))
	}
	if d := c.Database.DSN; d != "" && !strings.HasPrefix(d, "sqlite://") &&
		!strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
		errs = append(errs, errors.New("database.dsn: must start with sqlite:// or postgres://"))
	}
	if c.Temporal.Namespace == "" {
		errs = append(errs, errors.New("temporal.namespace: required"))
	}
	if c.Temporal.UpdateTimeout <= 0 {
		errs = append(errs, errors.New("temporal.update_timeout: must be positive"))
	}
	if c.Intake.PerMinute <= 0 {
		errs = append(errs, errors.New("intake.per_minute: must be positive"))
	}
	if b := c.Beneficiary; b.CodesPerDay <= 0 || b.CodeFailureAlarm <= 0 || b.CodeFailureWindow <= 0 {
		errs = append(errs, errors.New("beneficiary: codes_per_day, code_failure_alarm and code_failure_window must be positive"))
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		errs = append(errs, fmt.Errorf("log.level: %q is not debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		errs = append(errs, fmt.Errorf("log.format: %q is not json or text", c.Log.Format))
	}
	// The profiles are unauthenticated and show the process's memory.
	if a := c.Debug.PprofAddr; a != "" && !c.Debug.PprofAllowRemote && !LoopbackAddr(a) {
		errs = append(errs, fmt.Errorf("debug.pprof_addr: %q is not a loopback address (profiles are unauthenticated; set debug.pprof_allow_remote to serve them there anyway)", a))
	}
	seen := map[string]bool{}
	for i, t := range c.Auth.Tokens {
		if t.Name == "" {
			errs = append(errs, fmt.Errorf("auth.tokens[%d].name: required", i))
		}
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("auth.tokens[%d].name: %q appears twice", i, t.Name))
		}
		seen[t.Name] = true
		if b, err := hex.DecodeString(t.Hash); err != nil || len(b) != 32 {
			errs = append(errs, fmt.Errorf("auth.tokens[%d].hash: must be the hex SHA-256 of the token (64 hex digits)", i))
		}
		if !slices.Contains(validRoles, t.Role) {
			errs = append(errs, fmt.Errorf("auth.tokens[%d].role: %q is not a known role", i, t.Role))
		}
	}
	if o := c.Auth.OIDC; o.Issuer != "" {
		if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("auth.oidc.issuer: %q is not an http(s) URL", o.Issuer))
		}
		if o.ClientID == "" {
			errs = append(errs, errors.New("auth.oidc.client_id: required with an issuer"))
		}
		if o.MaxAge <= 0 {
			errs = append(errs, errors.New("auth.oidc.max_age: must be positive"))
		}
		if o.UsernameClaim == "" || o.RoleClaim == "" {
			errs = append(errs, errors.New("auth.oidc: username_claim and role_claim must not be empty"))
		}
		for k, r := range o.Roles {
			if !slices.Contains(validRoles, r) {
				errs = append(errs, fmt.Errorf("auth.oidc.roles[%s]: %q is not a known role", k, r))
			}
		}
	}
	// The upper bounds keep a typo (a size in bits, an extra zero) from
	// letting one upload fill the disk.
	if b := c.Attachments.MaxBytes; b <= 0 || b > maxAttachmentBytesConfigured {
		errs = append(errs, fmt.Errorf("attachments.max_bytes: %d is not between 1 and %d", b, maxAttachmentBytesConfigured))
	}
	if n := c.Attachments.MaxPerTicket; n <= 0 || n > maxAttachmentsPerTicketConfig {
		errs = append(errs, fmt.Errorf("attachments.max_per_ticket: %d is not between 1 and %d", n, maxAttachmentsPerTicketConfig))
	}
	if c.Temporal.TLS.Enabled && (c.Temporal.TLS.CertFile == "") != (c.Temporal.TLS.KeyFile == "") {
		errs = append(errs, errors.New("temporal.tls: cert_file and key_file go together"))
	}
	if a := c.Secrets.Audit; a != "" && len(a) < MinAuditSecret {
		errs = append(errs, fmt.Errorf("secrets.audit: must be at least %d bytes", MinAuditSecret))
	}
	if _, err := payload.ParseKeys(c.Secrets.PayloadKeys); err != nil {
		errs = append(errs, fmt.Errorf("secrets.payload_keys: %w", err))
	}
	for i, o := range c.Temporal.CodecOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" {
			errs = append(errs, fmt.Errorf("temporal.codec_origins[%d]: %q is not an origin (scheme://host[:port])", i, o))
		}
	}
	errs = append(errs, c.Notify.validate()...)
	errs = append(errs, c.SurveyCalls.validate()...)
	errs = append(errs, controlErrors(reflect.ValueOf(c), "")...)
	return errs
}

// controlErrors refuses a control character (normalize.Control) in any
// text of the configuration, named by its key: a name, an entity or a
// sender set here reaches the database, a workflow or a message header,
// and PostgreSQL refuses a NUL in text. Messages name keys, never values.
func controlErrors(v reflect.Value, key string) []error {
	var errs []error
	switch v.Kind() {
	case reflect.String:
		if strings.IndexFunc(v.String(), normalize.Control) >= 0 {
			errs = append(errs, fmt.Errorf("%s: must not hold a control character", key))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if key != "" {
				name = key + "." + name
			}
			errs = append(errs, controlErrors(v.Field(i), name)...)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			errs = append(errs, controlErrors(v.Index(i), fmt.Sprintf("%s[%d]", key, i))...)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			errs = append(errs, controlErrors(k, fmt.Sprintf("%s (a key)", key))...)
			errs = append(errs, controlErrors(v.MapIndex(k), fmt.Sprintf("%s[%q]", key, k.String()))...)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			errs = append(errs, controlErrors(v.Elem(), key)...)
		}
	}
	return errs
}

// validate checks the providers that are configured and the dispatcher.
// Messages name keys, never values: some are secrets.
func (n NotifyConfig) validate() []error {
	var errs []error
	if s := n.SMS; s.URL != "" {
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("notify.sms.url: must be an http(s) URL"))
		}
		switch s.Auth {
		case "":
		case "basic":
			if s.Username == "" {
				errs = append(errs, errors.New("notify.sms.username: required with auth basic"))
			}
		case "bearer":
			if s.Token == "" {
				errs = append(errs, errors.New("notify.sms.token: required with auth bearer"))
			}
		default:
			errs = append(errs, fmt.Errorf("notify.sms.auth: %q is not basic or bearer (or empty for none)", s.Auth))
		}
		if !strings.Contains(s.Body, "{to}") || !strings.Contains(s.Body, "{text}") {
			errs = append(errs, errors.New("notify.sms.body: must contain {to} and {text}"))
		}
		if s.Timeout <= 0 {
			errs = append(errs, errors.New("notify.sms.timeout: must be positive"))
		}
	}
	if e := n.Email; e.Host != "" {
		if _, err := mail.ParseAddress(e.From); err != nil {
			errs = append(errs, fmt.Errorf("notify.email.from: %q is not an e-mail address", e.From))
		}
		if e.Port < 1 || e.Port > 65535 {
			errs = append(errs, errors.New("notify.email.port: must be 1..65535"))
		}
		switch e.TLS {
		case "starttls", "implicit":
		case "none":
			if !loopback(e.Host) {
				errs = append(errs, errors.New("notify.email.tls: none (plaintext) is allowed only with a host on this machine"))
			}
		default:
			errs = append(errs, fmt.Errorf("notify.email.tls: %q is not starttls, implicit or none", e.TLS))
		}
		if e.Timeout <= 0 {
			errs = append(errs, errors.New("notify.email.timeout: must be positive"))
		}
	}
	d := n.Dispatch
	if d.Interval <= 0 || d.Batch <= 0 || d.Concurrency <= 0 || d.MaxAttempts <= 0 || d.BackoffInitial <= 0 || d.Lease <= 0 {
		errs = append(errs, errors.New("notify.dispatch: interval, batch, concurrency, max_attempts, backoff_initial and lease must be positive"))
	}
	if d.BackoffMax < d.BackoffInitial {
		errs = append(errs, errors.New("notify.dispatch.backoff_max: must not be below backoff_initial"))
	}
	// A send that outlives its lease can be claimed again and sent twice.
	if slowest := max(n.SMS.Timeout, n.Email.Timeout); d.Lease > 0 && d.Lease <= slowest {
		errs = append(errs, fmt.Errorf("notify.dispatch.lease: must be longer than the slowest provider timeout (%s)", slowest))
	}
	return errs
}

func (s SurveyCallsConfig) validate() []error {
	var errs []error
	if s.Share <= 0 || s.Share > 1 {
		errs = append(errs, fmt.Errorf("survey_calls.share: %v is not in (0, 1]", s.Share))
	}
	if s.MaxPerDay < 1 || s.MaxPerDay > maxSurveyCallsPerDay {
		errs = append(errs, fmt.Errorf("survey_calls.max_per_day: %d is not between 1 and %d", s.MaxPerDay, maxSurveyCallsPerDay))
	}
	if _, _, err := s.Clock(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// Clock is At as hour and minute.
func (s SurveyCallsConfig) Clock() (hour, minute int, err error) {
	t, perr := time.Parse("15:04", s.At)
	if perr != nil || len(s.At) != len("15:04") {
		return 0, 0, fmt.Errorf("survey_calls.at: %q is not a time of day HH:MM", s.At)
	}
	return t.Hour(), t.Minute(), nil
}

// DevExposure refuses dev mode on an addr other machines can reach unless
// dev.allow_remote says so: dev answers with the outbox in full (every SMS
// and e-mail, codes included) and prints a token per role.
func (c Config) DevExposure() error {
	if c.Dev.AllowRemote || LoopbackAddr(c.Addr) {
		return nil
	}
	return fmt.Errorf("addr: %q is reachable from other machines, and dev mode shows the outbox in full and has demo tokens; "+
		"listen on 127.0.0.1, or pass --allow-remote (dev.allow_remote) to expose it anyway", c.Addr)
}

// LoopbackAddr reports whether the listen address host:port is on this
// machine only. An empty host (":8080") listens on every interface.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && loopback(host)
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DevDSN is the read-model DSN of dev mode when none is configured.
func (c Config) DevDSN() string {
	if c.Database.DSN != "" {
		return c.Database.DSN
	}
	if c.Memory {
		return "sqlite://:memory:"
	}
	return "sqlite://" + strings.TrimRight(c.DataDir, string(os.PathSeparator)) + "/tawasul.db"
}

// AttachmentsDir is where attachment files go: attachments.dir, else
// <data_dir>/attachments; "" in memory mode (dev makes a temporary one) or
// without a data dir (attachments are then off).
func (c Config) AttachmentsDir() string {
	switch {
	case c.Attachments.Dir != "":
		return c.Attachments.Dir
	case c.Memory, c.DataDir == "":
		return ""
	}
	return filepath.Join(c.DataDir, "attachments")
}
