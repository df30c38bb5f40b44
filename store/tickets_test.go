package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

var numberFormat = regexp.MustCompile(`^\d{4}-\d{6,}$`)

func TestCreateTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustCreate(t, s, sampleTicket(baseTime))
		b := mustCreate(t, s, sampleTicket(baseTime))
		if a.Number != "2026-000001" || b.Number != "2026-000002" {
			t.Fatalf("numbers = %s, %s; want 2026-000001, 2026-000002", a.Number, b.Number)
		}
		if a.Version != 0 || a.WorkflowStarted || !a.UpdatedAt.Equal(a.CreatedAt) {
			t.Fatalf("store-owned fields: %+v", a)
		}

		// Each year counts on its own.
		old := sampleTicket(baseTime)
		old.CreatedAt = time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC)
		if got := mustCreate(t, s, old); got.Number != "2025-000001" {
			t.Fatalf("2025 ticket number = %s", got.Number)
		}
		// The year is CreatedAt's own: 22:30 UTC on 31 December is already
		// 2027 in Riyadh.
		ny := sampleTicket(baseTime)
		ny.CreatedAt = time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC).In(riyadh)
		got := mustCreate(t, s, ny)
		if got.Number != "2027-000001" {
			t.Fatalf("Riyadh new-year ticket number = %s", got.Number)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt not stored as UTC: %v", got.CreatedAt)
		}

		// Zero CreatedAt means now.
		z := sampleTicket(baseTime)
		z.CreatedAt = time.Time{}
		before := time.Now()
		got = mustCreate(t, s, z)
		if got.CreatedAt.Before(before.Add(-time.Second)) || got.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("CreatedAt for zero input = %v", got.CreatedAt)
		}
		if want := fmt.Sprintf("%d-", got.CreatedAt.Year()); got.Number[:5] != want {
			t.Fatalf("number %s for CreatedAt %v", got.Number, got.CreatedAt)
		}

		// Past 999999 the number simply grows.
		if err := s.db.Exec(`UPDATE ticket_counters SET "last" = 999999 WHERE year = 2026`).Error; err != nil {
			t.Fatal(err)
		}
		if got := mustCreate(t, s, sampleTicket(baseTime)); got.Number != "2026-1000000" || !numberFormat.MatchString(got.Number) {
			t.Fatalf("number past 999999 = %s", got.Number)
		}

		if _, err := s.GetTicket(ctx, "2026-424242"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetTicket(missing) = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateTicketConcurrentNumbers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		const n = 20
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tk, _, _, err := s.CreateTicket(context.Background(), sampleTicket(baseTime), nil)
				numbers[i], errs[i] = tk.Number, err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("CreateTicket #%d: %v", i, err)
			}
		}
		slices.Sort(numbers)
		want := make([]string, n)
		for i := range want {
			want[i] = fmt.Sprintf("2026-%06d", i+1)
		}
		// Distinct, well formed, and without gaps.
		mustEqual(t, "numbers", numbers, want)
	})
}

func TestCreateTicketIdempotency(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		idem := IdempotencyRecord{KeyHash: "key-1", RequestHash: "body-1", SealedCode: []byte("sealed")}
		first, rec, created, err := s.CreateTicket(ctx, sampleTicket(baseTime), &idem)
		if err != nil || !created || rec == nil || rec.TicketNumber != first.Number {
			t.Fatalf("first create: created=%v rec=%+v err=%v", created, rec, err)
		}

		again, rec2, created, err := s.CreateTicket(ctx, sampleTicket(baseTime), &idem)
		if err != nil || created {
			t.Fatalf("retry: created=%v err=%v", created, err)
		}
		mustEqual(t, "ticket returned to the retry", again, first)
		mustEqual(t, "record returned to the retry", *rec2, *rec)

		other := idem
		other.RequestHash = "body-2"
		if _, _, created, err := s.CreateTicket(ctx, sampleTicket(baseTime), &other); !errors.Is(err, ErrIdempotencyMismatch) || created {
			t.Fatalf("different body: created=%v err=%v, want ErrIdempotencyMismatch", created, err)
		}
		if n := countRows(t, s, "tickets"); n != 1 {
			t.Fatalf("tickets = %d, want 1", n)
		}
		if _, err := s.FindIdempotency(ctx, "no-such-key"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("FindIdempotency(missing) = %v", err)
		}
	})
}

// Concurrent requests with one key make one ticket; the losers are answered
// with it, and their rolled-back transactions leave no gap in the numbers.
func TestCreateTicketIdempotencyConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		const n = 10
		type result struct {
			number  string
			created bool
			err     error
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				idem := IdempotencyRecord{KeyHash: "same-key", RequestHash: "same-body"}
				tk, _, created, err := s.CreateTicket(context.Background(), sampleTicket(baseTime), &idem)
				results[i] = result{tk.Number, created, err}
			})
		}
		close(start)
		wg.Wait()
		createdCount := 0
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("request %d: %v", i, r.err)
			}
			if r.number != "2026-000001" {
				t.Fatalf("request %d got ticket %s", i, r.number)
			}
			if r.created {
				createdCount++
			}
		}
		if createdCount != 1 {
			t.Fatalf("created=true in %d responses, want 1", createdCount)
		}
		if n := countRows(t, s, "tickets"); n != 1 {
			t.Fatalf("tickets = %d, want 1", n)
		}
		if got := mustCreate(t, s, sampleTicket(baseTime)); got.Number != "2026-000002" {
			t.Fatalf("next number = %s, want 2026-000002 (no gap)", got.Number)
		}
	})
}

func TestMarkWorkflowStartedAndUnstarted(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var tks []Ticket
		for i := range 4 {
			tk := sampleTicket(baseTime)
			// Created out of order so the result order is the database's doing.
			tk.CreatedAt = baseTime.Add(time.Duration(3-i) * time.Minute)
			tks = append(tks, mustCreate(t, s, tk))
		}
		// tks[3] is the oldest, tks[0] the newest.
		if err := s.MarkWorkflowStarted(ctx, tks[2].Number); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkWorkflowStarted(ctx, tks[2].Number); err != nil {
			t.Fatalf("second mark: %v", err)
		}
		if err := s.MarkWorkflowStarted(ctx, "2026-999999"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("mark missing = %v, want ErrNotFound", err)
		}
		got, err := s.GetTicket(ctx, tks[2].Number)
		if err != nil || !got.WorkflowStarted {
			t.Fatalf("after mark: %+v %v", got, err)
		}

		un, err := s.UnstartedTickets(ctx, baseTime.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "unstarted", numbersOf(un), []string{tks[3].Number, tks[1].Number, tks[0].Number})
		un, err = s.UnstartedTickets(ctx, baseTime.Add(time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "unstarted, limit 2", numbersOf(un), []string{tks[3].Number, tks[1].Number})
		// Strictly older than before; before given in another zone.
		un, err = s.UnstartedTickets(ctx, tks[0].CreatedAt.In(riyadh), 10)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "unstarted before the newest", numbersOf(un), []string{tks[3].Number, tks[1].Number})
	})
}

func TestApplyChange(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime))
		ev := func(seq int, msg string, public bool) TicketEvent {
			return TicketEvent{Seq: seq, Type: "note", At: baseTime.Add(time.Duration(seq) * time.Minute),
				ActorRole: domain.RoleSystem, Message: msg, Public: public}
		}

		responded := baseTime.Add(2 * time.Hour)
		v2 := TicketChange{Number: tk.Number, Version: 2, Status: domain.StatusAnswered,
			ResponsibleEntity: "SEC-UNI", PolicyVersion: 4, Round: 1, EscalationLevel: 1,
			EscalationRole: domain.RoleCareCenterManager, SLADueAt: baseTime.Add(72 * time.Hour),
			ObjectionUntil: ptr(baseTime.Add(96 * time.Hour)), RespondedAt: &responded,
			Events: []TicketEvent{ev(1, "one", true), ev(2, "two", false)}}
		if err := s.ApplyChange(ctx, v2); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetTicket(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		want := tk
		want.Version, want.Status, want.ResponsibleEntity = 2, v2.Status, v2.ResponsibleEntity
		want.PolicyVersion, want.Round, want.EscalationLevel, want.EscalationRole = 4, 1, 1, v2.EscalationRole
		want.SLADueAt, want.ObjectionUntil, want.RespondedAt = v2.SLADueAt, v2.ObjectionUntil, v2.RespondedAt
		want.UpdatedAt = got.UpdatedAt
		if !got.UpdatedAt.After(tk.UpdatedAt) {
			t.Fatalf("UpdatedAt not advanced: %v -> %v", tk.UpdatedAt, got.UpdatedAt)
		}
		mustEqual(t, "ticket after v2", got, want)

		// A stale change (v1 arrives late) leaves the row alone, but its new
		// event lands and its duplicate does not replace the stored one.
		v1 := TicketChange{Number: tk.Number, Version: 1, Status: domain.StatusOpen, ResponsibleEntity: "UNI-KSU",
			SLADueAt: baseTime, Events: []TicketEvent{ev(2, "two, replayed", true), ev(3, "three", true)}}
		if err := s.ApplyChange(ctx, v1); err != nil {
			t.Fatalf("stale change: %v", err)
		}
		timeline := func() []string {
			evs, err := s.Timeline(ctx, tk.Number, false)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range evs {
				msgs = append(msgs, fmt.Sprintf("%d:%s", e.Seq, e.Message))
			}
			return msgs
		}
		mustEqual(t, "timeline after the stale change", timeline(), []string{"1:one", "2:two", "3:three"})
		// Replaying v2 itself changes nothing either.
		if err := s.ApplyChange(ctx, v2); err != nil {
			t.Fatalf("replayed change: %v", err)
		}
		got, err = s.GetTicket(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "ticket after stale and replayed changes", got, want)

		mustEqual(t, "timeline after the replayed change", timeline(), []string{"1:one", "2:two", "3:three"})

		// v3 clears ObjectionUntil and sets ClosedAt: NULLs are written too.
		v3 := v2
		v3.Version, v3.Status, v3.ObjectionUntil, v3.ClosedAt, v3.Events = 3, domain.StatusClosed, nil, ptr(baseTime.Add(100*time.Hour)), nil
		if err := s.ApplyChange(ctx, v3); err != nil {
			t.Fatal(err)
		}
		got, err = s.GetTicket(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 3 || got.Status != domain.StatusClosed || got.ObjectionUntil != nil || got.ClosedAt == nil {
			t.Fatalf("after v3: %+v", got)
		}

		missing := TicketChange{Number: "2026-999999", Version: 1, Status: domain.StatusOpen, SLADueAt: baseTime,
			Events: []TicketEvent{ev(1, "orphan", true)}}
		if err := s.ApplyChange(ctx, missing); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ApplyChange(missing) = %v, want ErrNotFound", err)
		}
		if n := countRows(t, s, "ticket_events"); n != 3 {
			t.Fatalf("events = %d, want 3 (nothing for the missing ticket)", n)
		}

		bad := TicketChange{Number: tk.Number, Version: 9, Events: []TicketEvent{{TicketNumber: "2026-000777", Seq: 9}}}
		if err := s.ApplyChange(ctx, bad); err == nil {
			t.Fatal("ApplyChange accepted an event of another ticket")
		}
	})
}

func TestTimeline(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := mustCreate(t, s, sampleTicket(baseTime))
		if evs, err := s.Timeline(ctx, tk.Number, false); err != nil || len(evs) != 0 {
			t.Fatalf("Timeline of a ticket with no events = %v, %v", evs, err)
		}
		var evs []TicketEvent
		// Inserted out of order, every other one public.
		for _, seq := range []int{3, 1, 4, 2, 5} {
			evs = append(evs, TicketEvent{Seq: seq, Type: "note", At: baseTime, Public: seq%2 == 1, Message: fmt.Sprint(seq)})
		}
		if err := s.ApplyChange(ctx, TicketChange{Number: tk.Number, Version: 1, Status: domain.StatusOpen,
			SLADueAt: baseTime, Events: evs}); err != nil {
			t.Fatal(err)
		}
		seqs := func(publicOnly bool) []int {
			evs, err := s.Timeline(ctx, tk.Number, publicOnly)
			if err != nil {
				t.Fatal(err)
			}
			var out []int
			for _, e := range evs {
				if e.TicketNumber != tk.Number {
					t.Fatalf("event of %s in %s's timeline", e.TicketNumber, tk.Number)
				}
				out = append(out, e.Seq)
			}
			return out
		}
		mustEqual(t, "all events", seqs(false), []int{1, 2, 3, 4, 5})
		mustEqual(t, "public events", seqs(true), []int{1, 3, 5})
		if _, err := s.Timeline(ctx, "2026-999999", true); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Timeline(missing) = %v, want ErrNotFound", err)
		}
	})
}

// Walk-in visitors get a queue number per entity and local day, in the
// intake's transaction; other channels get none.
func TestWalkInQueueNumbers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		day1 := time.Date(2026, 3, 1, 23, 30, 0, 0, riyadh) // 20:30 UTC: still 1 March in Riyadh
		walk := func(entity string, at time.Time) string {
			tk := sampleTicket(at)
			tk.Channel, tk.Entity, tk.ResponsibleEntity, tk.CreatedAt = domain.ChannelWalkIn, entity, entity, at
			return mustCreate(t, s, tk).QueueNumber
		}
		got := []string{walk("A", day1), walk("A", day1), walk("B", day1), walk("A", day1.Add(time.Hour))}
		mustEqual(t, "queue numbers", got, []string{"001", "002", "001", "001"})
		portal := sampleTicket(day1)
		portal.CreatedAt = day1
		if q := mustCreate(t, s, portal).QueueNumber; q != "" {
			t.Errorf("a portal ticket got queue number %q", q)
		}
		var wg sync.WaitGroup
		nums := make([]string, 8)
		for i := range nums {
			wg.Go(func() { nums[i] = walk("C", day1) })
		}
		wg.Wait()
		slices.Sort(nums)
		mustEqual(t, "concurrent walk-ins", nums, []string{"001", "002", "003", "004", "005", "006", "007", "008"})
	})
}
