package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tawasul/tawasul/dispatch"
)

// received is one message the fake server took.
type received struct {
	from, to string
	data     []byte
	tls      bool
}

// backend is an in-process SMTP server's mailbox: it takes every message,
// except that it answers DATA with a temporary failure while failData > 0,
// refuses nobody@example.com, and checks one user's password.
type backend struct {
	mu       sync.Mutex
	mail     []received
	failData int
	mechs    []string
	logins   int
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{b: b, tls: isTLS}, nil
}

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.mail...)
}

type session struct {
	b        *backend
	tls      bool
	authed   bool
	from, to string
}

func (s *session) AuthMechanisms() []string { return s.b.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != "tawasul" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.authed = true
		s.b.mu.Lock()
		s.b.logins++
		s.b.mu.Unlock()
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.b.mechs) > 0 && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "nobody@example.com" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such user"}
	}
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.failData > 0 {
		s.b.failData--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.b.mail = append(s.b.mail, received{from: s.from, to: s.to, data: data, tls: s.tls})
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// loginServer is the server side of LOGIN, which go-sasl does not ship.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(response))
}

// serverTLS is httptest's certificate (valid for 127.0.0.1), and a pool
// that trusts it.
func serverTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return &tls.Config{Certificates: ts.TLS.Certificates}, pool
}

// startServer runs an SMTP server on loopback; implicit wraps its listener in TLS.
func startServer(t *testing.T, b *backend, tlsCfg *tls.Config, implicit bool) int {
	t.Helper()
	s := smtp.NewServer(b)
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 5*time.Second, 5*time.Second
	s.AllowInsecureAuth = tlsCfg == nil
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	} else {
		s.TLSConfig = tlsCfg
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// Subject and body carry the directional isolates notify puts around values
// (U+2066 … U+2069): the message must deliver them as they are.
var msg = dispatch.Message{Key: "ticket-2026-000001/3/created/email", TicketNumber: "2026-000001", Channel: "email",
	Recipient: "sara@example.com", Template: "created", Subject: "استلام طلبكم رقم \u20662026-000001\u2069",
	Body: "استلمنا طلبكم رقم \u20662026-000001\u2069، وسنوافيكم بالرد في موعد أقصاه \u20662026-03-18 12:30\u2069.\nشكرًا لكم."}

// parse reads a received message and checks what every message must have.
func parse(t *testing.T, m *Mailer, r received) (*mail.Message, string) {
	t.Helper()
	pm, err := mail.ReadMessage(strings.NewReader(string(r.data)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(pm.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Fatalf("subject %q decodes to %q, %v", pm.Header.Get("Subject"), subject, err)
	}
	raw, _ := io.ReadAll(pm.Body)
	body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if err != nil || string(body) != strings.ReplaceAll(msg.Body, "\n", "\r\n") {
		t.Fatalf("body %q decodes to %q, %v", raw, body, err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 76 {
			t.Fatalf("body line of %d characters", len(line))
		}
	}
	for k, want := range map[string]string{
		"From": "\"Tawasul\" <noreply@moe.example>", "To": "<sara@example.com>", "MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "base64",
		"Message-Id": m.MessageID(msg.Key), "Date": "Sun, 15 Mar 2026 12:30:00 +0300",
	} {
		if got := pm.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if r.from != "noreply@moe.example" || r.to != msg.Recipient {
		t.Errorf("envelope %s -> %s", r.from, r.to)
	}
	return pm, subject
}

var riyadhNow = func() time.Time { return time.Date(2026, 3, 15, 12, 30, 0, 0, time.FixedZone("AST", 3*3600)) }

// Plaintext to this machine, PLAIN authentication: the message arrives
// once, with an Arabic subject that decodes, a base64 UTF-8 body and the
// Message-ID of its outbox key.
func TestDeliversOnceWithTheRightHeaders(t *testing.T) {
	b := &backend{mechs: []string{sasl.Plain}}
	port := startServer(t, b, nil, false)
	m, err := New(Config{Host: "127.0.0.1", Port: port, From: "Tawasul <noreply@moe.example>", TLS: Plaintext,
		Username: "tawasul", Password: "s3cret", Now: riyadhNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := b.messages()
	if len(got) != 1 || b.logins != 1 {
		t.Fatalf("%d messages, %d logins", len(got), b.logins)
	}
	parse(t, m, got[0])
	if id := m.MessageID(msg.Key); id != m.MessageID(msg.Key) || id == m.MessageID(msg.Key+"x") ||
		!strings.HasSuffix(id, "@moe.example>") {
		t.Fatalf("Message-ID %s is not a function of the key", id)
	}
}

// A temporary refusal is retried, a permanent one is not, and a wrong
// password (the configuration's fault) is retried.
func TestRefusals(t *testing.T) {
	b := &backend{mechs: []string{sasl.Plain}, failData: 1}
	port := startServer(t, b, nil, false)
	cfg := Config{Host: "localhost", Port: port, From: "Tawasul <noreply@moe.example>", TLS: Plaintext,
		Username: "tawasul", Password: "s3cret", Now: riyadhNow}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = m.Send(ctx, msg)
	if err == nil || errors.Is(err, dispatch.ErrPermanent) || !strings.Contains(err.Error(), "451") {
		t.Fatalf("busy server: %v, want a retryable 451", err)
	}
	if err := m.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if n := len(b.messages()); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
	nobody := msg
	nobody.Recipient = "nobody@example.com"
	if err := m.Send(ctx, nobody); !errors.Is(err, dispatch.ErrPermanent) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("unknown recipient: %v, want a permanent 550", err)
	}
	bad := msg
	bad.Recipient = "not an address"
	if err := m.Send(ctx, bad); !errors.Is(err, dispatch.ErrPermanent) {
		t.Fatalf("bad address: %v, want permanent", err)
	}
	cfg.Password = "wrong"
	wrong, _ := New(cfg)
	if err := wrong.Send(ctx, msg); err == nil || errors.Is(err, dispatch.ErrPermanent) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v, want retryable without the password", err)
	}
	if n := len(b.messages()); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
}

// STARTTLS with LOGIN (a server that offers nothing else), and implicit TLS.
func TestTLS(t *testing.T) {
	srvTLS, pool := serverTLS(t)
	client := &tls.Config{RootCAs: pool}
	for _, mode := range []string{StartTLS, ImplicitTLS} {
		t.Run(mode, func(t *testing.T) {
			b := &backend{mechs: []string{sasl.Login}}
			port := startServer(t, b, srvTLS, mode == ImplicitTLS)
			m, err := New(Config{Host: "127.0.0.1", Port: port, From: "Tawasul <noreply@moe.example>", TLS: mode,
				Username: "tawasul", Password: "s3cret", TLSConfig: client, Now: riyadhNow})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got := b.messages()
			if len(got) != 1 || !got[0].tls || b.logins != 1 {
				t.Fatalf("messages %d (tls %v), logins %d", len(got), len(got) == 1 && got[0].tls, b.logins)
			}
			parse(t, m, got[0])
		})
	}
	// A server without STARTTLS is refused rather than sent the password in clear.
	b := &backend{mechs: []string{sasl.Plain}}
	port := startServer(t, b, nil, false)
	m, _ := New(Config{Host: "127.0.0.1", Port: port, From: "noreply@moe.example", Username: "tawasul", Password: "s3cret",
		TLSConfig: client})
	if err := m.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") || b.logins != 0 {
		t.Fatalf("no STARTTLS: %v (logins %d)", err, b.logins)
	}
}

func TestConfigChecks(t *testing.T) {
	for _, c := range []Config{
		{From: "a@b.example"},
		{Host: "smtp.example", From: "a@b.example", TLS: Plaintext},
		{Host: "smtp.example", From: "a@b.example", TLS: "ssl"},
		{Host: "smtp.example", From: "not an address"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	m, err := New(Config{Host: "smtp.example", From: "a@b.example", TLS: ImplicitTLS})
	if err != nil || m.String() != "smtp.example:465 (implicit)" {
		t.Fatalf("%v, %v", m, err)
	}
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "127.8.0.1": true,
		"10.0.0.1": false, "smtp.example": false} {
		if Loopback(host) != want {
			t.Errorf("Loopback(%s) = %v", host, !want)
		}
	}
}
