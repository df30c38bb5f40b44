package store

import (
	"context"
	"fmt"
	"testing"
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
