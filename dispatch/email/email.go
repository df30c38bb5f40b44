// Package email sends messages over SMTP: STARTTLS or implicit TLS, PLAIN or
// LOGIN authentication, a UTF-8 subject and body, and a Message-ID derived
// from the outbox key so a resent message is recognisably the same one.
package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tawasul/tawasul/dispatch"
)

// Transport security of the connection.
const (
	// StartTLS upgrades a plain connection (port 587) and refuses a server
	// that cannot.
	StartTLS = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS = "implicit"
	// Plaintext is for a relay on the same machine (dev and tests): New
	// refuses it for any other host.
	Plaintext = "none"
)

// Config is one SMTP server.
type Config struct {
	Host string
	Port int
	// From is the sender, "Name <address>" or a bare address.
	From     string
	Username string // empty: no authentication
	Password string
	TLS      string        // StartTLS (default), ImplicitTLS or Plaintext
	Timeout  time.Duration // a whole message, default 30s
	// HelloName is what the client calls itself in EHLO (default localhost).
	HelloName string
	// TLSConfig verifies the server (default: the system roots for Host).
	TLSConfig *tls.Config
	Now       func() time.Time
}

// Mailer sends e-mail through one SMTP server.
type Mailer struct {
	c      Config
	from   *mail.Address
	domain string // of From, for Message-IDs
	addr   string
}

// New checks c and fills in the defaults.
func New(c Config) (*Mailer, error) {
	if c.Host == "" {
		return nil, errors.New("email: the SMTP host is required")
	}
	if c.TLS == "" {
		c.TLS = StartTLS
	}
	if c.Port == 0 {
		c.Port = 587
		if c.TLS == ImplicitTLS {
			c.Port = 465
		}
	}
	switch c.TLS {
	case StartTLS, ImplicitTLS:
	case Plaintext:
		if !Loopback(c.Host) {
			return nil, fmt.Errorf("email: plaintext SMTP is allowed only to this machine, not %s", c.Host)
		}
	default:
		return nil, fmt.Errorf("email: tls %q is not %s, %s or %s", c.TLS, StartTLS, ImplicitTLS, Plaintext)
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("email: from %q: %w", c.From, err)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.HelloName == "" {
		c.HelloName = "localhost"
	}
	if c.TLSConfig == nil {
		c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		c.TLSConfig = c.TLSConfig.Clone()
	}
	if c.TLSConfig.ServerName == "" {
		c.TLSConfig.ServerName = c.Host
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	return &Mailer{c: c, from: from, domain: domain, addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}, nil
}

// Loopback reports whether host is this machine, the one place plaintext
// SMTP (and credentials sent over it) cannot be overheard.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String names the server.
func (m *Mailer) String() string { return m.addr + " (" + m.c.TLS + ")" }

// MessageID is the Message-ID of the message with outbox key key: every
// attempt at one message carries the same one.
func (m *Mailer) MessageID(key string) string {
	sum := sha256.Sum256([]byte("tawasul outbox\n" + key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + m.domain + ">"
}

// Send delivers one message. The server's permanent refusal (5xx) of the
// sender, the recipient or the message fails it for good; anything else
// (connection, TLS, authentication, 4xx) is retried by the dispatcher.
func (m *Mailer) Send(ctx context.Context, msg dispatch.Message) error {
	to, err := mail.ParseAddress(msg.Recipient)
	if err != nil {
		return dispatch.Permanent(fmt.Errorf("email: bad recipient address: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, m.c.Timeout)
	defer cancel()
	conn, err := m.dial(ctx)
	if err != nil {
		return err
	}
	// Every read and write ends by the deadline; cancelling closes the connection.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, m.c.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("email %s: greeting: %w", m.addr, err)
	}
	defer c.Close()
	if err := c.Hello(m.c.HelloName); err != nil {
		return fmt.Errorf("email %s: EHLO: %w", m.addr, err)
	}
	if m.c.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("email %s: the server does not offer STARTTLS", m.addr)
		}
		if err := c.StartTLS(m.c.TLSConfig); err != nil {
			return fmt.Errorf("email %s: STARTTLS: %w", m.addr, err)
		}
	}
	if m.c.Username != "" {
		a, err := m.auth(c)
		if err != nil {
			return err
		}
		// A refused login is the configuration's fault, not the message's: retried.
		if err := c.Auth(a); err != nil {
			return fmt.Errorf("email %s: authentication: %w", m.addr, err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return refusal(m.addr, "MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return refusal(m.addr, "RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return refusal(m.addr, "DATA", err)
	}
	if _, err := w.Write(m.compose(to, msg)); err != nil {
		return fmt.Errorf("email %s: writing the message: %w", m.addr, err)
	}
	if err := w.Close(); err != nil {
		return refusal(m.addr, "end of DATA", err)
	}
	// The server has taken the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (m *Mailer) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	if m.c.TLS == ImplicitTLS {
		td := tls.Dialer{NetDialer: &d, Config: m.c.TLSConfig}
		conn, err := td.DialContext(ctx, "tcp", m.addr)
		if err != nil {
			return nil, fmt.Errorf("email %s: %w", m.addr, err)
		}
		return conn, nil
	}
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return nil, fmt.Errorf("email %s: %w", m.addr, err)
	}
	return conn, nil
}

// auth picks PLAIN, or LOGIN for servers that offer only that. Both refuse
// to send the password over a connection that is neither TLS nor local.
func (m *Mailer) auth(c *smtp.Client) (smtp.Auth, error) {
	ok, offered := c.Extension("AUTH")
	mechs := strings.Fields(strings.ToUpper(offered))
	switch {
	case ok && slices.Contains(mechs, "PLAIN"):
		return smtp.PlainAuth("", m.c.Username, m.c.Password, m.c.Host), nil
	case ok && slices.Contains(mechs, "LOGIN"):
		return loginAuth{user: m.c.Username, pass: m.c.Password}, nil
	}
	return nil, fmt.Errorf("email %s: the server offers neither PLAIN nor LOGIN authentication", m.addr)
}

// refusal classifies the server's answer to a command: 5xx is final.
func refusal(addr, command string, err error) error {
	err = fmt.Errorf("email %s: %s: %w", addr, command, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return dispatch.Permanent(err)
	}
	return err
}

// compose builds the message: UTF-8 throughout, the subject as RFC 2047
// encoded words (Arabic survives any relay), the body in base64 with CRLF
// line ends.
func (m *Mailer) compose(to *mail.Address, msg dispatch.Message) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	header("Date", m.c.Now().Format(time.RFC1123Z))
	header("Message-ID", m.MessageID(msg.Key))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// loginAuth is the LOGIN mechanism, which net/smtp lacks.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(s *smtp.ServerInfo) (string, []byte, error) {
	if !s.TLS && !Loopback(s.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	return "LOGIN", nil, nil
}

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(strings.TrimSuffix(string(challenge), ":"))) {
	case "username", "user name":
		return []byte(a.user), nil
	case "password":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", challenge)
}
