// Package dispatch delivers the outbox: it claims due messages, hands each
// to the provider of its channel (an SMS gateway, an SMTP server) and records
// the outcome: sent, due again after a backoff, or failed for good.
//
// A message is sent once per outbox key. Claims are leases: several workers
// share the queue without sending a message twice, and a worker that dies
// mid-send leaves its messages due again once the lease runs out. The one
// duplicate left is a worker dying after the provider took a message and
// before it was marked sent; providers get the outbox key as an idempotency
// key (an HTTP header, the e-mail's Message-ID) to drop that resend.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
)

// Message is what a provider delivers.
type Message struct {
	// Key is the outbox key: the same for every attempt at one message, so
	// the provider can drop a resend.
	Key          string
	TicketNumber string
	Channel      string
	Recipient    string // E.164 mobile or e-mail address
	Template     string
	Subject      string // e-mail only
	Body         string
}

// Sender delivers messages of one channel. An error wrapped by Permanent
// fails the message for good; any other is retried after a backoff.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks a delivery that no retry can fix (the provider refused
// the message itself).
var ErrPermanent = errors.New("permanent failure")

// Permanent marks err as a failure no retry can fix.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// Store is the part of the read model the dispatcher uses.
type Store interface {
	ClaimOutbox(ctx context.Context, c store.OutboxClaim) ([]store.OutboxMessage, error)
	MarkOutboxSent(ctx context.Context, id int64, at time.Time) error
	RetryOutbox(ctx context.Context, id int64, attempt int, next time.Time, lastErr string) error
	FinishOutbox(ctx context.Context, id int64, status, reason string) error
}

// Options configure a Dispatcher; zero values take the defaults below.
type Options struct {
	Store Store
	// Senders deliver by channel ("sms", "email"). Messages of a channel
	// without a sender stay pending (a provider configured later sends
	// them) unless SkipUnconfigured.
	Senders map[string]Sender
	// SkipUnconfigured marks messages of a channel without a sender
	// skipped (dev mode: nothing would ever send them).
	SkipUnconfigured bool
	// Interval is the pause between polls of an empty queue (default 2s).
	Interval time.Duration
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Concurrency is how many sends of a batch run at once (default 4).
	Concurrency int
	// MaxAttempts is how many deliveries a message gets before it fails
	// (default 8).
	MaxAttempts int
	// BackoffInitial and BackoffMax bound the wait before a retry: it
	// doubles from the initial value up to the maximum, with jitter
	// (defaults 30s and 1h).
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	// Lease is how long a claimed message is its worker's; it must outlast
	// the slowest send (default 5m).
	Lease time.Duration
	// MaxAge fails a message still unsent that long after it was queued,
	// news too stale to send (default 72h; negative: never).
	MaxAge time.Duration
	Logger *slog.Logger
	Now    func() time.Time
	// Jitter picks the wait in [d/2, d) (tests fix it).
	Jitter func(d time.Duration) time.Duration
}

// Dispatcher delivers the outbox; Run it in the worker process.
type Dispatcher struct {
	o        Options
	channels []string
	log      *slog.Logger
}

// InboxChannel is the officials' in-app notifications: the outbox row is
// the notification, so it is delivered once the dispatcher sees it.
const InboxChannel = "inbox"

// unconfigurable are the channels that need a provider.
var unconfigurable = []string{"sms", "email"}

// New checks opts and fills in the defaults.
func New(opts Options) (*Dispatcher, error) {
	if opts.Store == nil {
		return nil, errors.New("dispatch: Options.Store is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&opts.Interval, 2*time.Second)
	def(&opts.BackoffInitial, 30*time.Second)
	def(&opts.BackoffMax, time.Hour)
	def(&opts.Lease, 5*time.Minute)
	def(&opts.MaxAge, 72*time.Hour)
	if opts.Batch <= 0 {
		opts.Batch = 20
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.BackoffMax < opts.BackoffInitial {
		return nil, fmt.Errorf("dispatch: maximum backoff %s is below the initial %s", opts.BackoffMax, opts.BackoffInitial)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = func(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{o: opts, log: log.With("component", "dispatch"), channels: []string{InboxChannel}}
	for ch, s := range opts.Senders {
		if s == nil {
			return nil, fmt.Errorf("dispatch: channel %s has a nil sender", ch)
		}
		d.channels = append(d.channels, ch)
	}
	if opts.SkipUnconfigured {
		for _, ch := range unconfigurable {
			if !slices.Contains(d.channels, ch) {
				d.channels = append(d.channels, ch)
			}
		}
	}
	slices.Sort(d.channels)
	return d, nil
}

// Unconfigured lists the channels whose messages nobody will send.
func (d *Dispatcher) Unconfigured() []string {
	var out []string
	for _, ch := range unconfigurable {
		if d.o.Senders[ch] == nil {
			out = append(out, ch)
		}
	}
	return out
}

// Run delivers until ctx ends. Sends under way when it ends finish (each is
// bounded by its provider's timeout) and are recorded; claimed messages not
// yet started are handed back.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.log.Info("dispatcher started", "channels", d.channels, "skipping_unconfigured", d.o.SkipUnconfigured)
	for {
		n, err := d.Tick(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.Warn("dispatching the outbox", "error", err)
		}
		if n == d.o.Batch && err == nil {
			continue // more may be due
		}
		t := time.NewTimer(d.o.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Tick claims one batch of due messages and delivers it; n is how many it claimed.
func (d *Dispatcher) Tick(ctx context.Context) (n int, err error) {
	ms, err := d.o.Store.ClaimOutbox(ctx, store.OutboxClaim{
		Channels: d.channels, Now: d.o.Now(), Limit: d.o.Batch, Lease: d.o.Lease,
	})
	if err != nil {
		return 0, err
	}
	work := make(chan store.OutboxMessage)
	var wg sync.WaitGroup
	for range min(d.o.Concurrency, len(ms)) {
		wg.Go(func() {
			for m := range work {
				d.deliver(ctx, m)
			}
		})
	}
	for i, m := range ms {
		if ctx.Err() != nil {
			d.release(ms[i:])
			break
		}
		work <- m
	}
	close(work)
	wg.Wait()
	return len(ms), nil
}

// record runs a bookkeeping write that must happen even while the
// dispatcher stops: the send it records has happened.
func (d *Dispatcher) record(what string, m store.OutboxMessage, write func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := write(ctx); err != nil {
		// The lease runs out and the message is claimed again: sent twice at
		// worst, which the provider's idempotency key is there for.
		d.log.Error("recording an outbox delivery", "what", what, "key", m.Key, "error", err)
	}
}

// release hands back claimed messages not started, due at once.
func (d *Dispatcher) release(ms []store.OutboxMessage) {
	now := d.o.Now()
	for _, m := range ms {
		d.record("release", m, func(ctx context.Context) error {
			return d.o.Store.RetryOutbox(ctx, m.ID, m.Attempts, now, m.LastError)
		})
	}
}

func (d *Dispatcher) deliver(ctx context.Context, m store.OutboxMessage) {
	attrs := []any{"key", m.Key, "ticket", m.TicketNumber, "channel", m.Channel, "template", m.Template,
		"recipient", notify.MaskRecipient(m.Channel, m.Recipient), "attempt", m.Attempts}
	now := d.o.Now()
	if m.Channel == InboxChannel {
		d.record("sent", m, func(ctx context.Context) error { return d.o.Store.MarkOutboxSent(ctx, m.ID, now) })
		return
	}
	if d.o.MaxAge > 0 && now.Sub(m.CreatedAt) > d.o.MaxAge {
		d.fail(m, fmt.Sprintf("not sent: queued %s ago, past the maximum age of %s", now.Sub(m.CreatedAt).Round(time.Minute), d.o.MaxAge), attrs)
		return
	}
	if m.Attempts > d.o.MaxAttempts {
		// The last attempt's worker stopped mid-send: whether it went out is unknown.
		d.fail(m, fmt.Sprintf("gave up after %d attempts; the last one's outcome is unknown", d.o.MaxAttempts), attrs)
		return
	}
	sender := d.o.Senders[m.Channel]
	if sender == nil {
		reason := "no " + m.Channel + " provider is configured"
		d.record("skipped", m, func(ctx context.Context) error {
			if d.o.SkipUnconfigured {
				return d.o.Store.FinishOutbox(ctx, m.ID, store.OutboxSkipped, reason)
			}
			// Claimed under another configuration: back in the queue.
			return d.o.Store.RetryOutbox(ctx, m.ID, m.Attempts, now.Add(d.o.BackoffMax), reason)
		})
		d.log.Info("outbox message not sent", append(attrs, "reason", reason)...)
		return
	}

	// A send under way when the dispatcher stops finishes: cut short, its
	// outcome would be unknown.
	err := sender.Send(context.WithoutCancel(ctx), Message{
		Key: m.Key, TicketNumber: m.TicketNumber, Channel: m.Channel, Recipient: m.Recipient,
		Template: m.Template, Subject: m.Subject, Body: m.Body,
	})
	done := d.o.Now()
	if err == nil {
		d.record("sent", m, func(ctx context.Context) error { return d.o.Store.MarkOutboxSent(ctx, m.ID, done) })
		d.log.Info("outbox message sent", attrs...)
		return
	}
	reason := scrub(err.Error(), m.Recipient, notify.MaskRecipient(m.Channel, m.Recipient))
	switch {
	case errors.Is(err, ErrPermanent):
		d.fail(m, reason, attrs)
	case m.Attempts >= d.o.MaxAttempts:
		d.fail(m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, reason), attrs)
	default:
		next := done.Add(d.backoff(m.Attempts))
		d.record("retry", m, func(ctx context.Context) error {
			return d.o.Store.RetryOutbox(ctx, m.ID, m.Attempts, next, reason)
		})
		d.log.Warn("outbox message not sent; will retry", append(attrs, "error", reason, "next_attempt_at", next)...)
	}
}

func (d *Dispatcher) fail(m store.OutboxMessage, reason string, attrs []any) {
	d.record("failed", m, func(ctx context.Context) error {
		return d.o.Store.FinishOutbox(ctx, m.ID, store.OutboxFailed, reason)
	})
	d.log.Error("outbox message failed", append(attrs, "error", reason)...)
}

// backoff is the wait after the attempt-th failure: BackoffInitial doubled
// per earlier failure, at most BackoffMax, with jitter so messages that
// failed together (a gateway outage) do not all come back at once.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	w := d.o.BackoffInitial
	for i := 1; i < attempt && w < d.o.BackoffMax; i++ {
		w *= 2
	}
	return d.o.Jitter(min(w, d.o.BackoffMax))
}

// maxReason bounds a stored error: enough to tell what went wrong.
const maxReason = 500

// scrub keeps a provider's error fit for logs and the API: the recipient,
// which a server may echo, is masked, and the text is bounded.
func scrub(reason, recipient, masked string) string {
	if recipient != "" {
		reason = strings.ReplaceAll(reason, recipient, masked)
	}
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	return reason
}
