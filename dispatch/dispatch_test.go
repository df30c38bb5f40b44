package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/store"
)

var t0 = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeSender answers each call with the next scripted error (nil once the
// script runs out) and records what it delivered.
type fakeSender struct {
	mu        sync.Mutex
	script    []error
	calls     []string // keys, one per call
	delivered []Message
	block     chan struct{} // when set, each call waits for it
}

func (f *fakeSender) Send(ctx context.Context, m Message) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, m.Key)
	if len(f.script) > 0 {
		err := f.script[0]
		f.script = f.script[1:]
		if err != nil {
			return err
		}
	}
	f.delivered = append(f.delivered, m)
	return nil
}

func (f *fakeSender) deliveredKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.delivered {
		out = append(out, m.Key)
	}
	return out
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "tawasul.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func enqueue(t *testing.T, s *store.Store, key, channel, recipient string, at time.Time) {
	t.Helper()
	ok, err := s.EnqueueOutbox(context.Background(), store.OutboxMessage{Key: key, TicketNumber: "2026-000001",
		Channel: channel, Recipient: recipient, Template: "created", Subject: "s", Body: "b " + key, CreatedAt: at})
	if err != nil || !ok {
		t.Fatalf("enqueue %s: %v, %v", key, ok, err)
	}
}

// rows renders the outbox as key|status|attempts|last_error.
func rows(t *testing.T, s *store.Store) []string {
	t.Helper()
	ms, err := s.Outbox(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s|%s|%d|%s", m.Key, m.Status, m.Attempts, m.LastError))
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func newDispatcher(t *testing.T, o Options) *Dispatcher {
	t.Helper()
	if o.Jitter == nil {
		o.Jitter = func(d time.Duration) time.Duration { return d }
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func tick(t *testing.T, d *Dispatcher, want int) {
	t.Helper()
	n, err := d.Tick(context.Background())
	if err != nil || n != want {
		t.Fatalf("Tick = %d, %v; want %d claimed", n, err, want)
	}
}

// The gateway fails the first attempt: the message waits out its backoff,
// goes out on the second attempt, and never again. Meanwhile e-mail and the
// officials' inbox are delivered, and the failure is visible on the row
// without the mobile number.
func TestDeliversOnceAfterAFailedAttempt(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: t0}
	var logs bytes.Buffer
	sms := &fakeSender{script: []error{errors.New("sms gateway: HTTP 503 for +966500000001")}}
	mail := &fakeSender{}
	d := newDispatcher(t, Options{Store: s, Senders: map[string]Sender{"sms": sms, "email": mail},
		Now: clk.Now, BackoffInitial: 30 * time.Second, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	enqueue(t, s, "k/sms", "sms", "+966500000001", t0)
	enqueue(t, s, "k/email", "email", "sara@example.com", t0)
	enqueue(t, s, "k/inbox", "inbox", "entity_head@KSU", t0)

	tick(t, d, 3)
	equal(t, "after the first round", rows(t, s), []string{
		"k/sms|pending|1|sms gateway: HTTP 503 for +9665******01",
		"k/email|sent|1|",
		"k/inbox|sent|1|",
	})
	tick(t, d, 0) // the SMS waits out its backoff
	clk.Add(29 * time.Second)
	tick(t, d, 0)
	clk.Add(time.Second)
	tick(t, d, 1)
	equal(t, "after the retry", rows(t, s), []string{
		"k/sms|sent|2|",
		"k/email|sent|1|",
		"k/inbox|sent|1|",
	})
	clk.Add(time.Hour)
	tick(t, d, 0)
	equal(t, "sms calls", sms.calls, []string{"k/sms", "k/sms"})
	equal(t, "sms delivered", sms.deliveredKeys(), []string{"k/sms"})
	equal(t, "email delivered", mail.deliveredKeys(), []string{"k/email"})
	if m := mail.delivered[0]; m.Recipient != "sara@example.com" || m.Subject != "s" || m.Body != "b k/email" {
		t.Fatalf("e-mail handed to the provider: %+v", m)
	}
	if strings.Contains(logs.String(), "+966500000001") || strings.Contains(logs.String(), "sara@example.com") {
		t.Fatalf("the logs name a recipient: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "will retry") || strings.Count(logs.String(), "outbox message sent") != 2 {
		t.Fatalf("logs: %s", logs.String())
	}
}

// A refusal fails the message at once; transient failures back off,
// doubling to the maximum, until the last attempt.
func TestPermanentFailureAndGivingUp(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: t0}
	busy := errors.New("HTTP 503")
	sms := &fakeSender{script: []error{Permanent(errors.New("HTTP 400: invalid number")), busy, busy, busy, busy}}
	d := newDispatcher(t, Options{Store: s, Senders: map[string]Sender{"sms": sms}, Now: clk.Now,
		MaxAttempts: 4, BackoffInitial: 10 * time.Second, BackoffMax: 25 * time.Second})
	enqueue(t, s, "k/refused", "sms", "+966500000001", t0)
	enqueue(t, s, "k/busy", "sms", "+966500000002", t0)

	var waits []time.Duration
	for range 4 {
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		ms, _ := s.Outbox(context.Background(), "2026-000001")
		busyRow := ms[1]
		if busyRow.Status != store.OutboxPending {
			break
		}
		w := busyRow.NextAttemptAt.Sub(clk.Now())
		waits = append(waits, w)
		clk.Add(w)
	}
	if fmt.Sprint(waits) != "[10s 20s 25s]" {
		t.Fatalf("backoffs %v, want 10s 20s 25s", waits)
	}
	equal(t, "outbox", rows(t, s), []string{
		"k/refused|failed|1|HTTP 400: invalid number",
		"k/busy|failed|4|gave up after 4 attempts: HTTP 503",
	})
	clk.Add(time.Hour)
	tick(t, d, 0)
}

// Without a provider a channel's messages wait for one; dev mode marks them
// skipped instead. The officials' inbox needs no provider.
func TestChannelsWithoutAProvider(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: t0}
	enqueue(t, s, "k/sms", "sms", "+966500000001", t0)
	enqueue(t, s, "k/email", "email", "sara@example.com", t0)
	enqueue(t, s, "k/inbox", "inbox", "entity_head@KSU", t0)

	prod := newDispatcher(t, Options{Store: s, Now: clk.Now})
	equal(t, "unconfigured", prod.Unconfigured(), []string{"sms", "email"})
	tick(t, prod, 1)
	equal(t, "production", rows(t, s), []string{
		"k/sms|pending|0|",
		"k/email|pending|0|",
		"k/inbox|sent|1|",
	})

	dev := newDispatcher(t, Options{Store: s, Now: clk.Now, SkipUnconfigured: true})
	tick(t, dev, 2)
	equal(t, "dev", rows(t, s), []string{
		"k/sms|skipped|1|no sms provider is configured",
		"k/email|skipped|1|no email provider is configured",
		"k/inbox|sent|1|",
	})
}

// Stale news is not sent; a message whose last attempt's worker died is
// failed rather than tried past the limit.
func TestMaxAgeAndUnknownOutcome(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: t0}
	sms := &fakeSender{}
	enqueue(t, s, "k/old", "sms", "+966500000001", t0.Add(-73*time.Hour))
	enqueue(t, s, "k/crashed", "sms", "+966500000002", t0)
	// Two claims whose workers died: the lease runs out each time.
	for range 2 {
		if _, err := s.ClaimOutbox(context.Background(), store.OutboxClaim{Channels: []string{"sms"},
			Now: clk.Now(), Limit: 2, Lease: time.Minute}); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Minute)
	}
	d := newDispatcher(t, Options{Store: s, Senders: map[string]Sender{"sms": sms}, Now: clk.Now, MaxAttempts: 2})
	tick(t, d, 2)
	got := rows(t, s)
	equal(t, "outbox", got, []string{
		"k/old|failed|3|not sent: queued 73h4m0s ago, past the maximum age of 72h0m0s",
		"k/crashed|failed|3|gave up after 2 attempts; the last one's outcome is unknown",
	})
	if len(sms.calls) != 0 {
		t.Fatalf("sent %v", sms.calls)
	}
}

// Stopping waits for the send under way and records it; Run returns.
func TestRunStopsAfterTheSendUnderWay(t *testing.T) {
	s := openStore(t)
	sms := &fakeSender{block: make(chan struct{})}
	enqueue(t, s, "k/1", "sms", "+966500000001", time.Now())
	d := newDispatcher(t, Options{Store: s, Senders: map[string]Sender{"sms": sms}, Interval: 10 * time.Millisecond, Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ms, _ := s.Outbox(context.Background(), "2026-000001")
		if ms[0].Attempts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the message was never claimed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned with a send under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(sms.block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ms, _ := s.Outbox(context.Background(), "2026-000001")
	if ms[0].Status != store.OutboxSent {
		t.Fatalf("after stopping: %+v", ms[0])
	}
}

func TestScrubAndPermanent(t *testing.T) {
	long := strings.Repeat("خطأ ", 200)
	if got := scrub(long, "", ""); len(got) > maxReason+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("not bounded: %d bytes", len(got))
	}
	if got := scrub("550 <sara@example.com> unknown", "sara@example.com", "s***@example.com"); got != "550 <s***@example.com> unknown" {
		t.Fatalf("scrub = %q", got)
	}
	base := errors.New("refused")
	p := Permanent(fmt.Errorf("sms: %w", base))
	if !errors.Is(p, ErrPermanent) || !errors.Is(p, base) || p.Error() != "sms: refused" {
		t.Fatalf("Permanent: %v", p)
	}
	if Permanent(nil) != nil || errors.Is(base, ErrPermanent) {
		t.Fatal("Permanent marks what it should not")
	}
	if _, err := New(Options{Store: openStore(t), BackoffInitial: time.Hour, BackoffMax: time.Minute}); err == nil {
		t.Fatal("a maximum backoff below the initial one was accepted")
	}
}
