package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestEnqueueOutbox(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		msg := func(key, ticket, body string) OutboxMessage {
			return OutboxMessage{Key: key, TicketNumber: ticket, Channel: "sms", Recipient: "+966500000001",
				Template: "received", Body: body}
		}
		for _, m := range []OutboxMessage{
			msg("2026-000001/received/sms", "2026-000001", "first"),
			msg("2026-000002/received/sms", "2026-000002", "other ticket"),
			msg("2026-000001/answered/sms", "2026-000001", "second"),
		} {
			if ok, err := s.EnqueueOutbox(ctx, m); err != nil || !ok {
				t.Fatalf("EnqueueOutbox(%s) = %v, %v; want inserted", m.Key, ok, err)
			}
		}
		// A retried activity enqueues the same key again: nothing is added and
		// the first message is kept as it was.
		ok, err := s.EnqueueOutbox(ctx, msg("2026-000001/received/sms", "2026-000001", "retry"))
		if err != nil || ok {
			t.Fatalf("EnqueueOutbox(duplicate) = %v, %v; want not inserted", ok, err)
		}
		ms, err := s.Outbox(ctx, "2026-000001")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, fmt.Sprintf("%s|%s|%s", m.Key, m.Body, m.Status))
			if m.ID == 0 || m.CreatedAt.IsZero() {
				t.Fatalf("store-set fields missing: %+v", m)
			}
		}
		mustEqual(t, "outbox of 2026-000001", got, []string{
			"2026-000001/received/sms|first|pending",
			"2026-000001/answered/sms|second|pending",
		})
		if ms[0].ID >= ms[1].ID {
			t.Fatalf("outbox not ordered by ID: %d, %d", ms[0].ID, ms[1].ID)
		}
		if n := countRows(t, s, "outbox"); n != 3 {
			t.Fatalf("outbox rows = %d, want 3", n)
		}
	})
}

func TestClaimOutboxLeasesRetriesAndFinishes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		enqueue := func(key, channel string, created time.Time) {
			t.Helper()
			m := OutboxMessage{Key: key, TicketNumber: "2026-000001", Channel: channel, Recipient: "+966500000001",
				Template: "created", Body: key, CreatedAt: created}
			if ok, err := s.EnqueueOutbox(ctx, m); err != nil || !ok {
				t.Fatalf("EnqueueOutbox(%s) = %v, %v", key, ok, err)
			}
		}
		enqueue("sms-1", "sms", baseTime)
		enqueue("sms-2", "sms", baseTime.Add(time.Second))
		enqueue("mail-1", "email", baseTime.Add(2*time.Second))
		enqueue("sms-3", "sms", baseTime.Add(3*time.Second))
		enqueue("sms-later", "sms", baseTime.Add(time.Hour)) // not due yet at now
		now := baseTime.Add(time.Minute)
		const lease = 5 * time.Minute
		claim := func(at time.Time, limit int, channels ...string) []OutboxMessage {
			t.Helper()
			ms, err := s.ClaimOutbox(ctx, OutboxClaim{Channels: channels, Now: at, Limit: limit, Lease: lease})
			if err != nil {
				t.Fatal(err)
			}
			return ms
		}
		keys := func(ms []OutboxMessage) []string {
			var out []string
			for _, m := range ms {
				out = append(out, fmt.Sprintf("%s#%d", m.Key, m.Attempts))
			}
			return out
		}

		first := claim(now, 2, "sms")
		mustEqual(t, "first claim", keys(first), []string{"sms-1#1", "sms-2#1"})
		if !first[0].NextAttemptAt.Equal(now.Add(lease)) || first[0].Status != OutboxPending {
			t.Fatalf("claimed row %+v: want pending until the lease ends", first[0])
		}
		// Claimed rows belong to their claimer until the lease ends.
		mustEqual(t, "second claim", keys(claim(now, 10, "sms")), []string{"sms-3#1"})
		mustEqual(t, "nothing left", keys(claim(now, 10, "sms")), []string(nil))
		mustEqual(t, "other channel", keys(claim(now, 10, "email", "inbox")), []string{"mail-1#1"})

		// sms-1 failed: back in the queue after a backoff. A stale attempt
		// number (another claim since) changes nothing.
		if err := s.RetryOutbox(ctx, first[0].ID, 7, now, "stale"); err != nil {
			t.Fatal(err)
		}
		if err := s.RetryOutbox(ctx, first[0].ID, 1, now.Add(30*time.Second), "sms gateway: HTTP 503"); err != nil {
			t.Fatal(err)
		}
		// sms-2 was delivered.
		if err := s.MarkOutboxSent(ctx, first[1].ID, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "before the backoff", keys(claim(now.Add(29*time.Second), 10, "sms")), []string(nil))
		again := claim(now.Add(30*time.Second), 10, "sms")
		mustEqual(t, "after the backoff", keys(again), []string{"sms-1#2"})
		if again[0].LastError != "sms gateway: HTTP 503" {
			t.Fatalf("last error %q", again[0].LastError)
		}
		if err := s.FinishOutbox(ctx, again[0].ID, OutboxFailed, "gave up after 2 attempts"); err != nil {
			t.Fatal(err)
		}
		// A final message is never claimed again, nor changed by a late worker.
		if err := s.MarkOutboxSent(ctx, again[0].ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishOutbox(ctx, first[1].ID, OutboxSkipped, "late"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishOutbox(ctx, first[1].ID, OutboxSent, "x"); err == nil {
			t.Fatal("FinishOutbox accepted status sent")
		}
		// sms-3's worker died: its lease runs out and the next claim takes it,
		// with the attempt counted; sms-later has come due by then.
		mustEqual(t, "expired lease", keys(claim(now.Add(2*time.Hour), 10, "sms")), []string{"sms-3#2", "sms-later#1"})

		ms, err := s.Outbox(ctx, "2026-000001")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			sent := "-"
			if m.SentAt != nil {
				sent = m.SentAt.Sub(now).String()
			}
			got = append(got, fmt.Sprintf("%s|%s|%d|%s|%s", m.Key, m.Status, m.Attempts, m.LastError, sent))
		}
		mustEqual(t, "outbox", got, []string{
			"sms-1|failed|2|gave up after 2 attempts|-",
			"sms-2|sent|1||1s",
			"mail-1|pending|1||-",
			"sms-3|pending|2||-",
			"sms-later|pending|1||-",
		})
		if _, err := s.ClaimOutbox(ctx, OutboxClaim{Now: now, Limit: 1, Lease: lease}); err == nil {
			t.Fatal("a claim without channels was accepted")
		}
	})
}

// Workers in several processes claim at once: no message may reach two of
// them. Two stores on one database stand for two processes, each claiming
// from several goroutines (on PostgreSQL, each on its own connection).
func TestClaimOutboxConcurrentClaimersNeverShareARow(t *testing.T) {
	forEachDialectDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := openTestStore(t, dsn)
		if err := a.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		b := openTestStore(t, dsn)
		const total = 120
		for i := range total {
			m := OutboxMessage{Key: fmt.Sprintf("k-%03d", i), Channel: "sms", Recipient: "+966500000001",
				Template: "created", Body: "x", CreatedAt: baseTime.Add(time.Duration(i) * time.Millisecond)}
			if _, err := a.EnqueueOutbox(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		claimed := map[int64]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			s := a
			if w%2 == 1 {
				s = b
			}
			wg.Go(func() {
				for {
					ms, err := s.ClaimOutbox(ctx, OutboxClaim{Channels: []string{"sms"}, Now: baseTime.Add(time.Hour), Limit: 7, Lease: time.Hour})
					if err != nil {
						errs <- err
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						claimed[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(claimed) != total {
			t.Fatalf("%d messages claimed, want %d", len(claimed), total)
		}
		for id, n := range claimed {
			if n != 1 {
				t.Fatalf("message %d claimed %d times", id, n)
			}
		}
	})
}

func TestListOutbox(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i := range 5 {
			ticket := "2026-000001"
			if i%2 == 1 {
				ticket = "2026-000002"
			}
			m := OutboxMessage{Key: fmt.Sprintf("k%d", i), TicketNumber: ticket, Channel: "sms", Recipient: "+966500000001",
				Template: "created", Body: "x"}
			if _, err := s.EnqueueOutbox(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := s.ClaimOutbox(ctx, OutboxClaim{Channels: []string{"sms"}, Now: time.Now().Add(time.Minute), Limit: 1, Lease: time.Minute})
		if err != nil || len(ms) != 1 {
			t.Fatalf("claim = %v, %v", ms, err)
		}
		if err := s.MarkOutboxSent(ctx, ms[0].ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		list := func(f OutboxFilter) ([]string, string) {
			t.Helper()
			p, err := s.ListOutbox(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range p.Messages {
				got = append(got, m.Key+"|"+m.Status)
			}
			return got, p.NextCursor
		}
		page, next := list(OutboxFilter{Limit: 2})
		mustEqual(t, "first page", page, []string{"k4|pending", "k3|pending"})
		page, next = list(OutboxFilter{Limit: 2, Cursor: next})
		mustEqual(t, "second page", page, []string{"k2|pending", "k1|pending"})
		page, next = list(OutboxFilter{Limit: 2, Cursor: next})
		mustEqual(t, "last page", append(page, next), []string{"k0|sent", ""})
		page, _ = list(OutboxFilter{TicketNumber: "2026-000001", Status: OutboxPending})
		mustEqual(t, "filtered", page, []string{"k4|pending", "k2|pending"})
		for _, c := range []string{"x", "0", "-3"} {
			if _, err := s.ListOutbox(ctx, OutboxFilter{Cursor: c}); !errors.Is(err, ErrBadCursor) {
				t.Fatalf("cursor %q: %v, want ErrBadCursor", c, err)
			}
		}
	})
}
