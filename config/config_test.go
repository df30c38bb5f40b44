package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func load(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := Flags("test")
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	return Load(fs)
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tawasul.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	t.Chdir(t.TempDir()) // no stray ./tawasul.yaml
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Temporal.Namespace != "default" || c.Intake.PerMinute != 30 ||
		c.Worker.StickyTimeout != 30*time.Second || c.Worker.CacheSize != 3000 {
		t.Fatalf("defaults not applied: %+v", c)
	}

	file := writeFile(t, "addr: 0.0.0.0:9000\nintake:\n  per_minute: 5\ntemporal:\n  namespace: filens\n")
	c, err = load(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.Intake.PerMinute != 5 || c.Temporal.Namespace != "filens" {
		t.Fatalf("file did not override defaults: %+v", c)
	}

	t.Setenv("TAWASUL_ADDR", "127.0.0.1:9100")
	t.Setenv("TAWASUL_TEMPORAL_NAMESPACE", "envns")
	t.Setenv("TAWASUL_WORKER_AUTOSCALE_POLLERS", "true")
	c, err = load(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" || c.Temporal.Namespace != "envns" || c.Intake.PerMinute != 5 || !c.Worker.AutoscalePollers {
		t.Fatalf("env did not override file: %+v", c)
	}

	c, err = load(t, "--config", file, "--addr", "127.0.0.1:9200")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9200" || c.Temporal.Namespace != "envns" {
		t.Fatalf("flag did not override env: %+v", c)
	}
}

func TestDefaultFileInWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tawasul.yaml"), []byte("data_dir: /srv/tawasul\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/tawasul" || c.DevDSN() != "sqlite:///srv/tawasul/tawasul.db" {
		t.Fatalf("./tawasul.yaml not read: data_dir=%q dsn=%q", c.DataDir, c.DevDSN())
	}
}

func TestTokensAndValidation(t *testing.T) {
	t.Chdir(t.TempDir())
	good := strings.Repeat("ab", 32)
	file := writeFile(t, `auth:
  tokens:
    - {name: ksu-coordinator, hash: `+good+`, role: coordinator, entity: KSU}
`)
	c, err := load(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Auth.Tokens) != 1 || c.Auth.Tokens[0].Entity != "KSU" || c.Auth.Tokens[0].Role != "coordinator" {
		t.Fatalf("tokens: %+v", c.Auth.Tokens)
	}

	bad := writeFile(t, `log:
  level: loud
database:
  dsn: mysql://x
auth:
  tokens:
    - {name: a, hash: nothex, role: janitor}
`)
	_, err = load(t, "--config", bad)
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"log.level", "database.dsn", "auth.tokens[0].hash", "auth.tokens[0].role"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// A binary named "tawasul" in the working directory is not a config file.
func TestBinaryNamedTawasulIsNotConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tawasul"), []byte("\x7fELF\x00\x01binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if _, err := load(t); err != nil {
		t.Fatalf("the binary was read as configuration: %v", err)
	}
}

func TestMisspeltKeyIsAnError(t *testing.T) {
	t.Chdir(t.TempDir())
	file := writeFile(t, "log:\n  levle: debug\n")
	want := `unknown key "log.levle" in ` + file + ` (did you mean "log.level"?)`
	if _, err := load(t, "--config", file); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("misspelt key: %v; want %s", err, want)
	}
}

// A misspelt key, a value of the wrong type and a value out of range are
// reported together, in plain words, not in rounds; a value of the wrong
// type is not also reported as the zero it could not become.
func TestEveryProblemAtOnce(t *testing.T) {
	t.Chdir(t.TempDir())
	file := writeFile(t, `adr: 127.0.0.1:9000
level: debug
log:
  level: loud
intake:
  per_minute: lots
worker:
  sticky_timeout: soon
secrets:
  tracking: [not, a, string]
auth:
  tokens:
    - {name: a, hash: `+strings.Repeat("ab", 32)+`, role: admin, entiy: KSU}
`)
	_, err := load(t, "--config", file)
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`unknown key "adr" in ` + file + ` (did you mean "addr"?)`,
		`unknown key "level" in ` + file + ` (did you mean "log.level"?)`,
		`unknown key "auth.tokens[0].entiy" in ` + file + ` (did you mean "auth.tokens[0].entity"?)`,
		`log.level: "loud" is not debug, info, warn or error`,
		`intake.per_minute: "lots" is not a whole number`,
		`worker.sticky_timeout: "soon" is not a duration`,
		`secrets.tracking: the value is not a string`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, not := range []string{"invalid keys", "intake.per_minute: must be positive", "'", "not, a"} {
		if strings.Contains(msg, not) {
			t.Errorf("the report says %q", not)
		}
	}
	if t.Failed() {
		t.Logf("the report:\n%s", msg)
	}
}

func TestMissingExplicitFileIsAnError(t *testing.T) {
	if _, err := load(t, "--config", filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Fatal("a missing --config file must be an error")
	}
}

func TestMemoryDSN(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t, "--memory")
	if err != nil {
		t.Fatal(err)
	}
	if c.DevDSN() != "sqlite://:memory:" {
		t.Fatalf("memory DSN: %s", c.DevDSN())
	}
}

// The commented example in the repository root stays loadable as the code changes.
func TestExampleConfigLoads(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "tawasul.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	got, err := load(t, "--config", example)
	if err != nil {
		t.Fatalf("tawasul.example.yaml: %v", err)
	}
	// It says every value in it is the built-in default.
	defaults, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, defaults) {
		t.Errorf("tawasul.example.yaml differs from the defaults:\n%+v\n%+v", got, defaults)
	}
}

// The example lists every key the configuration knows, and nothing else,
// so it cannot drift from the code.
func TestExampleListsEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "tawasul.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	known := Keys()
	listed := map[string]bool{}
	var walk func(m map[string]any, prefix string)
	walk = func(m map[string]any, prefix string) {
		for k, v := range m {
			key := prefix + k
			if slices.Contains(known, key) {
				listed[key] = true
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				walk(sub, key+".")
				continue
			}
			t.Errorf("tawasul.example.yaml has %s, which the configuration does not know", key)
		}
	}
	walk(doc, "")
	for _, k := range known {
		if !listed[k] {
			t.Errorf("tawasul.example.yaml lacks %s", k)
		}
	}
	if len(known) < 60 || !slices.Contains(known, "temporal.tls.server_name") || !slices.Contains(known, "auth.oidc.roles") {
		t.Fatalf("Keys() misses keys: %v", known)
	}
}

// The production example's only problems are its placeholder token hashes, on
// purpose: every other key is spelt as the code expects.
func TestDeployConfigOnlyLacksRealHashes(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("..", "deploy", "tawasul.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	_, err = load(t, "--config", file)
	if err == nil {
		t.Fatal("placeholder hashes accepted")
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimPrefix(line, "invalid configuration: ")
		if !strings.HasPrefix(line, "auth.tokens[") || !strings.Contains(line, ".hash:") {
			t.Errorf("unexpected problem in deploy/tawasul.yaml: %s", line)
		}
	}
}

// The single sign-on is off by default, with the documented claim names;
// an issuer needs a client ID and roles must map to known roles.
func TestOIDCConfig(t *testing.T) {
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Auth.OIDC
	if o.Issuer != "" || o.UsernameClaim != "preferred_username" || o.RoleClaim != "tawasul_role" || o.EntityClaim != "tawasul_entity" {
		t.Fatalf("defaults: %+v", o)
	}
	t.Setenv("TAWASUL_AUTH_OIDC_ISSUER", "https://sso.example/realms/staff")
	if _, err := load(t); err == nil || !strings.Contains(err.Error(), "auth.oidc.client_id") {
		t.Fatalf("issuer without client id: %v", err)
	}
	t.Setenv("TAWASUL_AUTH_OIDC_CLIENT_ID", "tawasul")
	if c, err = load(t); err != nil || c.Auth.OIDC.ClientID != "tawasul" {
		t.Fatalf("issuer and client id: %+v, %v", c.Auth.OIDC, err)
	}
	c.Auth.OIDC.Roles = map[string]string{"ksu-care": "coordinator", "x": "root"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "auth.oidc.roles[x]") {
		t.Fatalf("unknown mapped role: %v", err)
	}
}

// Providers are off until configured; secrets come from the environment;
// a configured provider is checked, and no message repeats a secret.
func TestNotifyConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.SMS.URL != "" || n.Email.Host != "" || !n.Dispatch.Enabled || n.Dispatch.MaxAttempts != 8 ||
		n.Dispatch.Lease != 5*time.Minute || n.SMS.Timeout != 10*time.Second || n.Email.TLS != "starttls" || n.Email.Port != 587 {
		t.Fatalf("defaults: %+v", n)
	}
	file := writeFile(t, `notify:
  sms:
    url: https://sms.example/api/send
    auth: bearer
  email:
    host: smtp.example
    from: "Tawasul <noreply@moe.example>"
  dispatch:
    backoff_initial: 1m
`)
	t.Setenv("TAWASUL_NOTIFY_SMS_TOKEN", "tok-from-env")
	t.Setenv("TAWASUL_NOTIFY_EMAIL_PASSWORD", "pw-from-env")
	c, err = load(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Notify.SMS.Token != "tok-from-env" || c.Notify.Email.Password != "pw-from-env" || c.Notify.Dispatch.BackoffInitial != time.Minute {
		t.Fatalf("notify: %+v", c.Notify)
	}

	bad := writeFile(t, `notify:
  sms:
    url: ftp://sms.example
    auth: digest
    password: p4ss-secret
    body: '{"text":"{text}"}'
  email:
    host: smtp.example
    from: nobody
    tls: none
  dispatch:
    backoff_max: 1s
    lease: 5s
`)
	_, err = load(t, "--config", bad)
	if err == nil {
		t.Fatal("invalid notify configuration accepted")
	}
	for _, want := range []string{"notify.sms.url", "notify.sms.auth", "notify.sms.body", "notify.email.from",
		"notify.email.tls", "notify.dispatch.backoff_max", "notify.dispatch.lease"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "p4ss-secret") {
		t.Errorf("error repeats a secret: %v", err)
	}
	t.Setenv("TAWASUL_NOTIFY_EMAIL_HOST", "127.0.0.1")
	t.Setenv("TAWASUL_NOTIFY_EMAIL_TLS", "none")
	t.Setenv("TAWASUL_NOTIFY_EMAIL_FROM", "noreply@localhost")
	if _, err := load(t); err != nil {
		t.Fatalf("plaintext to this machine: %v", err)
	}
}

func TestAttachments(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Attachments.MaxBytes != 10<<20 || c.Attachments.MaxPerTicket != 10 {
		t.Fatalf("attachment defaults: %+v", c.Attachments)
	}
	if got := c.AttachmentsDir(); got != filepath.Join("data", "attachments") {
		t.Fatalf("default attachments dir %q: want it under the data dir", got)
	}
	if c, err = load(t, "--memory"); err != nil || c.AttachmentsDir() != "" {
		t.Fatalf("memory mode attachments dir %q (%v): want none (dev makes a temporary one)", c.AttachmentsDir(), err)
	}

	t.Setenv("TAWASUL_ATTACHMENTS_DIR", "/srv/tawasul/files")
	t.Setenv("TAWASUL_ATTACHMENTS_MAX_BYTES", "2097152")
	t.Setenv("TAWASUL_ATTACHMENTS_MAX_PER_TICKET", "3")
	if c, err = load(t, "--memory"); err != nil {
		t.Fatal(err)
	}
	if c.AttachmentsDir() != "/srv/tawasul/files" || c.Attachments.MaxBytes != 2<<20 || c.Attachments.MaxPerTicket != 3 {
		t.Fatalf("attachments from the environment: %+v", c.Attachments)
	}

	t.Setenv("TAWASUL_ATTACHMENTS_MAX_BYTES", "0")
	t.Setenv("TAWASUL_ATTACHMENTS_MAX_PER_TICKET", "1000")
	_, err = load(t)
	for _, want := range []string{"attachments.max_bytes", "attachments.max_per_ticket"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

func TestAuditSecret(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t)
	if err != nil || c.Secrets.Audit != "" {
		t.Fatalf("default secrets.audit %q (%v): want empty (dev writes an unkeyed chain)", c.Secrets.Audit, err)
	}
	key := strings.Repeat("k", MinAuditSecret)
	if c, err = load(t, "--config", writeFile(t, "secrets:\n  audit: "+key+"\n")); err != nil || c.Secrets.Audit != key {
		t.Fatalf("secrets.audit from the file: %q, %v", c.Secrets.Audit, err)
	}
	t.Setenv("TAWASUL_SECRETS_AUDIT", key+"-env")
	if c, err = load(t, "--config", writeFile(t, "secrets:\n  audit: "+key+"\n")); err != nil || c.Secrets.Audit != key+"-env" {
		t.Fatalf("the environment does not override the file: %q, %v", c.Secrets.Audit, err)
	}
	short := "short-" + strings.Repeat("s", MinAuditSecret-7)
	t.Setenv("TAWASUL_SECRETS_AUDIT", short)
	_, err = load(t)
	if err == nil || !strings.Contains(err.Error(), "secrets.audit") || strings.Contains(err.Error(), short) {
		t.Fatalf("a short key: %v; want refused, without the key in the message", err)
	}
}

// No text of the configuration holds a control character: a token's name
// or entity reaches the database (PostgreSQL refuses a NUL) and a workflow.
func TestControlCharactersRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	good := strings.Repeat("ab", 32)
	bad := writeFile(t, `auth:
  tokens:
    - {name: "ksu\0", hash: `+good+`, role: coordinator, entity: "KS\x1bU"}
  oidc:
    roles: {"staff\x7f": admin}
`)
	_, err := load(t, "--config", bad)
	if err == nil {
		t.Fatal("control characters accepted")
	}
	for _, want := range []string{"auth.tokens[0].name: must not", "auth.tokens[0].entity: must not", "auth.oidc.roles (a key): must not"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// Dev mode and the profiles listen on this machine only unless told
// otherwise: dev shows the outbox in full and has demo tokens, the
// profiles are unauthenticated.
func TestLoopbackUnlessAllowed(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		args []string
		env  string
		ok   bool
	}{
		{[]string{"--addr", "127.0.0.1:8080"}, "", true},
		{[]string{"--addr", "[::1]:0"}, "", true},
		{[]string{"--addr", "localhost:8080"}, "", true},
		{[]string{"--addr", "0.0.0.0:8080"}, "", false},
		{[]string{"--addr", ":8080"}, "", false},
		{[]string{"--addr", "10.1.2.3:8080"}, "", false},
		{[]string{"--addr", "0.0.0.0:8080", "--allow-remote"}, "", true},
		{[]string{"--addr", "0.0.0.0:8080"}, "true", true},
	} {
		t.Setenv("TAWASUL_DEV_ALLOW_REMOTE", c.env)
		cfg, err := load(t, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.DevExposure(); (err == nil) != c.ok {
			t.Errorf("%v (env %q): DevExposure() = %v, want ok=%v", c.args, c.env, err, c.ok)
		} else if err != nil && !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("the refusal does not say how to override: %v", err)
		}
	}

	for _, c := range []struct {
		file string
		ok   bool
	}{
		{"debug: {pprof_addr: 127.0.0.1:6060}", true},
		{"debug: {pprof_addr: \"localhost:0\"}", true},
		{"debug: {pprof_addr: \":6060\"}", false},
		{"debug: {pprof_addr: 0.0.0.0:6060}", false},
		{"debug: {pprof_addr: 0.0.0.0:6060, pprof_allow_remote: true}", true},
	} {
		_, err := load(t, "--config", writeFile(t, c.file))
		if (err == nil) != c.ok || (err != nil && !strings.Contains(err.Error(), "debug.pprof_addr")) {
			t.Errorf("%s: %v, want ok=%v", c.file, err, c.ok)
		}
	}
}
