// Package config loads Tawasul's configuration with viper, in the order
// defaults < file (tawasul.yaml) < environment (TAWASUL_*) < flags, and
// validates it before anything starts.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
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
	Intake   IntakeConfig   `mapstructure:"intake"`
	Worker   WorkerConfig   `mapstructure:"worker"`
}

type HTTPConfig struct {
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For is believed for the per-address intake limit; none by default.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
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
}

type SecretsConfig struct {
	// Tracking seals tracking codes kept for idempotent replays. Set it in
	// production (TAWASUL_SECRETS_TRACKING); never logged.
	Tracking string `mapstructure:"tracking"`
}

type LogConfig struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json, text
}

type IntakeConfig struct {
	// PerMinute limits anonymous ticket filing per client address.
	PerMinute int `mapstructure:"per_minute"`
}

type WorkerConfig struct {
	MaxConcurrentActivities int `mapstructure:"max_concurrent_activities"`
	MaxConcurrentWorkflows  int `mapstructure:"max_concurrent_workflows"`
}

func setDefaults(v *viper.Viper) {
	v.SetDefault("addr", "127.0.0.1:8080")
	v.SetDefault("data_dir", "./data")
	v.SetDefault("memory", false)
	v.SetDefault("http.trusted_proxies", []string{})
	v.SetDefault("database.dsn", "")
	v.SetDefault("temporal.address", "127.0.0.1:7233")
	v.SetDefault("temporal.namespace", "default")
	v.SetDefault("temporal.update_timeout", 10*time.Second)
	v.SetDefault("temporal.tls.enabled", false)
	v.SetDefault("temporal.tls.cert_file", "")
	v.SetDefault("temporal.tls.key_file", "")
	v.SetDefault("temporal.tls.ca_file", "")
	v.SetDefault("temporal.tls.server_name", "")
	v.SetDefault("dev.temporal_port", 7233)
	v.SetDefault("dev.ui_port", 8233)
	v.SetDefault("dev.demo", true)
	v.SetDefault("auth.tokens", []Token{})
	v.SetDefault("auth.oidc.issuer", "")
	v.SetDefault("auth.oidc.client_id", "")
	v.SetDefault("auth.oidc.username_claim", "preferred_username")
	v.SetDefault("auth.oidc.role_claim", "tawasul_role")
	v.SetDefault("auth.oidc.entity_claim", "tawasul_entity")
	v.SetDefault("auth.oidc.roles", map[string]string{})
	v.SetDefault("secrets.tracking", "")
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "json")
	v.SetDefault("intake.per_minute", 30)
	v.SetDefault("worker.max_concurrent_activities", 0)
	v.SetDefault("worker.max_concurrent_workflows", 0)
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
	"log-level":          "log.level",
}

// Flags declares the flags every subcommand understands, plus --config.
func Flags(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.String("config", "", "configuration file (default: ./tawasul.yaml if present)")
	fs.String("addr", "", "HTTP listen address (default 127.0.0.1:8080)")
	fs.String("data-dir", "", "dev mode data directory (default ./data)")
	fs.Bool("memory", false, "dev mode: keep everything in memory (throwaway)")
	fs.String("db", "", "read-model database: sqlite://path or postgres://...")
	fs.String("temporal-address", "", "Temporal frontend host:port")
	fs.String("temporal-namespace", "", "Temporal namespace")
	fs.Int("temporal-port", 0, "dev mode: embedded Temporal frontend port")
	fs.Int("ui-port", 0, "dev mode: Temporal Web UI port (-1 disables it)")
	fs.Bool("demo", true, "dev mode: print demo tokens and load the demo FAQ bank")
	fs.String("log-level", "", "debug, info, warn or error")
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

	var c Config
	// Exact: a misspelt key in the file is an error, not a silently ignored line.
	if err := v.UnmarshalExact(&c); err != nil {
		return Config{}, fmt.Errorf("decoding configuration: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

var validRoles = []string{"agent", "coordinator", "care_center_manager", "entity_head", "sector_official",
	"supervisor", "minister_office", "admin", "auditor", "reception"}

// Validate reports every problem at once, so an operator fixes the file in one go.
func (c Config) Validate() error {
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
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		errs = append(errs, fmt.Errorf("log.level: %q is not debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		errs = append(errs, fmt.Errorf("log.format: %q is not json or text", c.Log.Format))
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
		if o.UsernameClaim == "" || o.RoleClaim == "" {
			errs = append(errs, errors.New("auth.oidc: username_claim and role_claim must not be empty"))
		}
		for k, r := range o.Roles {
			if !slices.Contains(validRoles, r) {
				errs = append(errs, fmt.Errorf("auth.oidc.roles[%s]: %q is not a known role", k, r))
			}
		}
	}
	if c.Temporal.TLS.Enabled && (c.Temporal.TLS.CertFile == "") != (c.Temporal.TLS.KeyFile == "") {
		errs = append(errs, errors.New("temporal.tls: cert_file and key_file go together"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return nil
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
