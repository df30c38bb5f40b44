package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// seedInbox queues one in-app row per recipient (in order, so IDs grow with
// the index) and an SMS, and returns the IDs by key.
func seedInbox(t *testing.T, s *Store, rows ...[2]string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	for i, r := range rows {
		key, recipient := r[0], r[1]
		channel := "inbox"
		if key == "sms" {
			channel = "sms"
		}
		m := OutboxMessage{Key: key, TicketNumber: "2026-000001", Channel: channel, Recipient: recipient,
			Template: "escalation_assigned", Body: "نص " + key, Params: `{"number":"2026-000001"}`,
			CreatedAt: baseTime.Add(time.Duration(i) * time.Minute)}
		if ok, err := s.EnqueueOutbox(ctx, m); err != nil || !ok {
			t.Fatalf("EnqueueOutbox(%s) = %v, %v", key, ok, err)
		}
	}
	var ms []OutboxMessage
	if err := s.db.Order("id").Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		ids[m.Key] = m.ID
	}
	return ids
}

func keysOf(ns []Notification, ids map[string]int64) []string {
	byID := map[int64]string{}
	for k, id := range ids {
		byID[id] = k
	}
	out := []string{}
	for _, n := range ns {
		out = append(out, byID[n.ID])
	}
	return out
}

var (
	alice = []string{"user:alice", "care_center_manager@KSU"}
	bob   = []string{"user:bob", "care_center_manager@KSU"}
)

func TestNotificationsOnlyTheReadersRecipients(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ids := seedInbox(t, s,
			[2]string{"ksu-1", "care_center_manager@KSU"},
			[2]string{"uqu", "care_center_manager@UQU"},
			[2]string{"coord", "coordinator@KSU"},
			[2]string{"sms", "care_center_manager@KSU"}, // another channel: never on the screen
			[2]string{"alice", "user:alice"},
			[2]string{"bob", "user:bob"},
			[2]string{"head", "entity_head@KSU"},
			[2]string{"ksu-2", "care_center_manager@KSU"},
			[2]string{"prefix", "care_center_manager@KSU-X"},
		)
		page, err := s.Notifications(ctx, NotificationFilter{Reader: "user:alice", Recipients: alice})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "alice's notifications, newest first", keysOf(page.Notifications, ids), []string{"ksu-2", "alice", "ksu-1"})
		if page.NextCursor != "" {
			t.Fatalf("one page only, got cursor %q", page.NextCursor)
		}
		n := page.Notifications[0]
		if n.TicketNumber != "2026-000001" || n.Template != "escalation_assigned" || n.Body != "نص ksu-2" ||
			n.Params != `{"number":"2026-000001"}` || !n.CreatedAt.Equal(baseTime.Add(7*time.Minute)) ||
			n.CreatedAt.Location() != time.UTC || n.ReadAt != nil {
			t.Fatalf("notification = %+v", n)
		}
		coord, err := s.Notifications(ctx, NotificationFilter{Reader: "user:carol", Recipients: []string{"user:carol", "coordinator@KSU"}})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "a coordinator's notifications", keysOf(coord.Notifications, ids), []string{"coord"})
		if n := mustUnread(t, s, "user:alice", alice); n != 3 {
			t.Fatalf("alice unread = %d, want 3", n)
		}
	})
}

func mustUnread(t *testing.T, s *Store, reader string, recipients []string) int64 {
	t.Helper()
	n, err := s.UnreadNotifications(context.Background(), reader, recipients)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotificationsPages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var rows [][2]string
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			r := "care_center_manager@KSU"
			if k == "b" || k == "d" {
				r = "user:alice"
			}
			rows = append(rows, [2]string{k, r})
		}
		ids := seedInbox(t, s, rows...)
		var got []string
		f := NotificationFilter{Reader: "user:alice", Recipients: alice, Limit: 2}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			p, err := s.Notifications(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Notifications) > 2 {
				t.Fatalf("page of %d, limit 2", len(p.Notifications))
			}
			got = append(got, keysOf(p.Notifications, ids)...)
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		mustEqual(t, "every page", got, []string{"e", "d", "c", "b", "a"})

		// Read ones drop out of the unread pages, and paging still ends.
		if _, err := s.MarkNotificationsRead(ctx, "user:alice", alice, []int64{ids["d"], ids["c"]}, baseTime); err != nil {
			t.Fatal(err)
		}
		p, err := s.Notifications(ctx, NotificationFilter{Reader: "user:alice", Recipients: alice, Unread: true, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "first unread page", keysOf(p.Notifications, ids), []string{"e", "b"})
		p, err = s.Notifications(ctx, NotificationFilter{Reader: "user:alice", Recipients: alice, Unread: true, Limit: 2, Cursor: p.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "second unread page", keysOf(p.Notifications, ids), []string{"a"})
		if p.NextCursor != "" {
			t.Fatalf("last page has cursor %q", p.NextCursor)
		}
		for _, bad := range []string{"x", "0", "-3"} {
			if _, err := s.Notifications(ctx, NotificationFilter{Reader: "user:alice", Recipients: alice, Cursor: bad}); !errors.Is(err, ErrBadCursor) {
				t.Fatalf("cursor %q: %v, want ErrBadCursor", bad, err)
			}
		}
		if _, err := s.Notifications(ctx, NotificationFilter{Reader: "user:alice"}); err == nil {
			t.Fatal("no recipients: want an error, not every row")
		}
	})
}

func TestNotificationReadStateIsPerReader(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ids := seedInbox(t, s,
			[2]string{"ksu-1", "care_center_manager@KSU"},
			[2]string{"bob", "user:bob"},
			[2]string{"uqu", "care_center_manager@UQU"},
			[2]string{"sms", "care_center_manager@KSU"},
			[2]string{"ksu-2", "care_center_manager@KSU"},
		)
		mark := func(reader string, recipients []string, ids []int64, at time.Time) int64 {
			t.Helper()
			n, err := s.MarkNotificationsRead(ctx, reader, recipients, ids, at)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := mark("user:alice", alice, []int64{ids["ksu-1"]}, baseTime); n != 1 {
			t.Fatalf("marked %d, want 1", n)
		}
		// Twice is fine: nothing more, and the first mark's time stays.
		if n := mark("user:alice", alice, []int64{ids["ksu-1"]}, baseTime.Add(time.Hour)); n != 0 {
			t.Fatalf("marked again %d, want 0", n)
		}
		// Not alice's: bob's own, another entity's, an SMS, a missing ID.
		if n := mark("user:alice", alice, []int64{ids["bob"], ids["uqu"], ids["sms"], 999999}, baseTime); n != 0 {
			t.Fatalf("marked others' %d, want 0", n)
		}
		if n := countRows(t, s, "notification_reads"); n != 1 {
			t.Fatalf("%d read marks, want 1", n)
		}
		if got := mustUnread(t, s, "user:alice", alice); got != 1 {
			t.Fatalf("alice unread = %d, want 1 (ksu-2)", got)
		}
		// Bob shares the role at KSU and keeps his own state.
		if got := mustUnread(t, s, "user:bob", bob); got != 3 {
			t.Fatalf("bob unread = %d, want 3", got)
		}
		p, err := s.Notifications(ctx, NotificationFilter{Reader: "user:alice", Recipients: alice})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "alice's list", keysOf(p.Notifications, ids), []string{"ksu-2", "ksu-1"})
		if p.Notifications[0].ReadAt != nil || p.Notifications[1].ReadAt == nil || !p.Notifications[1].ReadAt.Equal(baseTime) {
			t.Fatalf("read marks: %+v", p.Notifications)
		}
		bobs, err := s.Notifications(ctx, NotificationFilter{Reader: "user:bob", Recipients: bob})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range bobs.Notifications {
			if n.ReadAt != nil {
				t.Fatalf("alice's mark shows for bob: %+v", n)
			}
		}

		// All: alice's rest, not bob's; a row queued after is unread again.
		if n := mark("user:alice", alice, nil, baseTime); n != 1 {
			t.Fatalf("marked all %d, want 1", n)
		}
		if got := mustUnread(t, s, "user:alice", alice); got != 0 {
			t.Fatalf("alice unread after all = %d", got)
		}
		if got := mustUnread(t, s, "user:bob", bob); got != 3 {
			t.Fatalf("bob unread after alice's all = %d, want 3", got)
		}
		seedInbox(t, s, [2]string{"ksu-3", "care_center_manager@KSU"})
		if got := mustUnread(t, s, "user:alice", alice); got != 1 {
			t.Fatalf("alice unread after a new one = %d, want 1", got)
		}
		if n := mark("user:alice", alice, []int64{}, baseTime); n != 0 {
			t.Fatalf("an empty list marked %d", n)
		}
	})
}

// Two requests of one reader marking everything at once (two tabs) both
// succeed and mark each row once.
func TestMarkAllConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		var rows [][2]string
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			rows = append(rows, [2]string{k, "care_center_manager@KSU"})
		}
		seedInbox(t, s, rows...)
		var wg sync.WaitGroup
		marked := make([]int64, 4)
		errs := make([]error, 4)
		for i := range marked {
			wg.Go(func() {
				marked[i], errs[i] = s.MarkNotificationsRead(context.Background(), "user:alice", alice, nil, baseTime)
			})
		}
		wg.Wait()
		var total int64
		for i := range marked {
			if errs[i] != nil {
				t.Fatalf("mark all #%d: %v", i, errs[i])
			}
			total += marked[i]
		}
		if total != 8 || countRows(t, s, "notification_reads") != 8 {
			t.Fatalf("marked %d in all, %d rows; want 8", total, countRows(t, s, "notification_reads"))
		}
	})
}
