package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
)

// flakyOutbox writes each message and then, the first time a key comes,
// fails the Notify activity anyway, as a worker that dies right after the
// insert would: Temporal retries the activity, which must add nothing.
type flakyOutbox struct {
	notify.Outbox
	mu    sync.Mutex
	calls map[string]int
}

func (f *flakyOutbox) EnqueueOutbox(ctx context.Context, m store.OutboxMessage) (bool, error) {
	inserted, err := f.Outbox.EnqueueOutbox(ctx, m)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[m.Key]++
	if err == nil && f.calls[m.Key] == 1 {
		return inserted, errors.New("injected: the worker died after queueing")
	}
	return inserted, err
}

// smsGateway answers 503 to a message's first request and 200 after,
// counting what it accepted by idempotency key.
type smsGateway struct {
	mu       sync.Mutex
	tried    map[string]bool
	accepted map[string][]string // key -> bodies accepted
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Header.Get("Idempotency-Key")
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer gw-token" || key == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !g.tried[key] {
		g.tried[key] = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	g.accepted[key] = append(g.accepted[key], string(body))
	w.WriteHeader(http.StatusAccepted)
}

// mailbox is an in-process SMTP server's store: it answers a message's
// first DATA with 451 and takes it after, keyed by Message-ID.
type mailbox struct {
	mu       sync.Mutex
	tried    map[string]bool
	accepted map[string][]*mail.Message
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{b: b}, nil }

type mailSession struct{ b *mailbox }

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailSession) Reset()                               {}
func (s *mailSession) Logout() error                        { return nil }

func (s *mailSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	id := m.Header.Get("Message-Id")
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if !s.b.tried[id] {
		s.b.tried[id] = true
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.b.accepted[id] = append(s.b.accepted[id], m)
	return nil
}

// A ticket's life (filed in English with an e-mail address, answered,
// objected to, reviewed and closed) sends the beneficiary each stage by SMS
// and by e-mail exactly once, although every Notify activity fails once
// after queueing and every provider fails each message's first attempt.
func TestTicketLifeDeliversEachMessageOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { deliversEachMessageOnce(t, "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite") })
	t.Run("postgres", func(t *testing.T) { deliversEachMessageOnce(t, pgSchema(t), "postgres") })
}

func deliversEachMessageOnce(t *testing.T, dsn, dialect string) {
	gw := &smsGateway{tried: map[string]bool{}, accepted: map[string][]string{}}
	gwSrv := httptest.NewServer(gw)
	t.Cleanup(gwSrv.Close)
	box := &mailbox{tried: map[string]bool{}, accepted: map[string][]*mail.Message{}}
	smtpSrv := smtp.NewServer(box)
	smtpSrv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = smtpSrv.Serve(ln) }()
	t.Cleanup(func() { _ = smtpSrv.Close() })
	flaky := &flakyOutbox{calls: map[string]int{}}

	s := startWith(t, dsn, dialect, func(o *app.Options) {
		o.Config.Notify = config.NotifyConfig{
			SMS: config.SMSConfig{URL: gwSrv.URL + "/send", Auth: "bearer", Token: "gw-token", Timeout: 2 * time.Second},
			Email: config.EmailConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: "none",
				From: "Tawasul <noreply@tawasul.example>", Timeout: 5 * time.Second},
			Dispatch: config.DispatchConfig{Enabled: true, Interval: 50 * time.Millisecond, Batch: 20, Concurrency: 4,
				MaxAttempts: 5, BackoffInitial: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
				Lease: 30 * time.Second, MaxAge: time.Hour},
		}
		o.WrapOutbox = func(ob notify.Outbox) notify.Outbox { flaky.Outbox = ob; return flaky }
	})

	body := ticketBody("KSU", "شهادة التخرج")
	b := body["beneficiary"].(map[string]any)
	b["email"], b["language"] = "sara@example.com", "en"
	number, code := s.fileSignedIn(body) // proven: every stage reaches the mobile and the e-mail
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-ksu", map[string]any{"message": "تم إصدار الوثيقة"}))
	waitFor(t, 20*time.Second, "answered", func() bool { return s.status(number) == "answered" })
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/objections", "",
		map[string]any{"reason": "الرد لم يحل المشكلة"}, "X-Tracking-Code", code))
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-univ", map[string]any{"message": "تمت المراجعة"}))
	waitFor(t, 20*time.Second, "closed", func() bool { return s.status(number) == "closed" })

	// Every stage's SMS and e-mail is in the outbox, each delivered, and
	// every Notify activity has run its retry.
	want := map[string]bool{}
	for _, tpl := range []string{"created", "answered", "reopened", "closed", "survey_invitation"} {
		want["sms/"+tpl], want["email/"+tpl] = true, true
	}
	var rows []map[string]any
	waitFor(t, 30*time.Second, "every message sent", func() bool {
		r := s.must(http.StatusOK, s.do("GET", "/api/v1/outbox?ticket="+number, "t-admin", nil))
		items, _ := r.Body["items"].([]any)
		rows = rows[:0]
		seen := map[string]bool{}
		for _, it := range items {
			m := it.(map[string]any)
			rows = append(rows, m)
			if str(m["status"]) != "sent" {
				return false
			}
			// The message may go out before its activity's retry has run.
			flaky.mu.Lock()
			retried := flaky.calls[str(m["key"])] >= 2
			flaky.mu.Unlock()
			if !retried {
				return false
			}
			seen[str(m["channel"])+"/"+str(m["template"])] = true
		}
		for k := range want {
			if !seen[k] {
				return false
			}
		}
		return true
	})
	// Late duplicates would arrive within a few dispatch rounds.
	time.Sleep(500 * time.Millisecond)

	gw.mu.Lock()
	defer gw.mu.Unlock()
	box.mu.Lock()
	defer box.mu.Unlock()
	flaky.mu.Lock()
	defer flaky.mu.Unlock()
	var sms, mails int
	for _, m := range rows {
		key := str(m["key"])
		if n := flaky.calls[key]; n < 2 {
			t.Errorf("%s: the Notify activity ran %d times, want a retry", key, n)
		}
		if num(m["attempts"]) != 2 || str(m["last_error"]) != "" {
			t.Errorf("%s: attempts %v, last error %q; want the second attempt to succeed", key, m["attempts"], m["last_error"])
		}
		switch str(m["channel"]) {
		case "sms":
			sms++
			got := gw.accepted[key]
			if len(got) != 1 {
				t.Fatalf("%s: the gateway accepted %d messages, want 1", key, len(got))
			}
			if !strings.Contains(got[0], number) || strings.ContainsAny(got[0], "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") ||
				!strings.Contains(got[0], `"to":"+966512345678"`) {
				t.Errorf("%s: the SMS is not the English text to the mobile: %s", key, got[0])
			}
		case "email":
			mails++
		}
	}
	accepted := 0
	for key, bodies := range gw.accepted {
		if !strings.HasPrefix(key, "beneficiary-code/") { // the sign-in code, no ticket's
			accepted += len(bodies)
		}
	}
	if accepted != sms || sms < 5 {
		t.Fatalf("the gateway accepted %d messages for %d SMS rows", accepted, sms)
	}
	if len(box.accepted) != mails || mails < 5 {
		t.Fatalf("the SMTP server took %d distinct messages for %d e-mail rows", len(box.accepted), mails)
	}
	var dec mime.WordDecoder
	for id, ms := range box.accepted {
		if len(ms) != 1 {
			t.Fatalf("message %s arrived %d times", id, len(ms))
		}
		m := ms[0]
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || !strings.Contains(subject, number) || !strings.HasPrefix(m.Header.Get("To"), "<sara@example.com>") {
			t.Errorf("message %s: subject %q (%v), to %q", id, subject, err, m.Header.Get("To"))
		}
		raw, _ := io.ReadAll(m.Body)
		text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
		if err != nil || !strings.Contains(string(text), number) || strings.ContainsAny(string(text), "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
			t.Errorf("message %s: body %q (%v)", id, text, err)
		}
	}
}
