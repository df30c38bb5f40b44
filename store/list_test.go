package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// listAll walks every page of f and fails on a repeated ticket.
func listAll(t *testing.T, s *Store, f TicketFilter) (numbers []string, pages int) {
	t.Helper()
	seen := map[string]bool{}
	for {
		p, err := s.ListTickets(context.Background(), f)
		if err != nil {
			t.Fatalf("ListTickets: %v", err)
		}
		pages++
		if f.Limit > 0 && len(p.Tickets) > f.Limit {
			t.Fatalf("page of %d tickets, limit %d", len(p.Tickets), f.Limit)
		}
		for _, tk := range p.Tickets {
			if seen[tk.Number] {
				t.Fatalf("ticket %s on two pages", tk.Number)
			}
			seen[tk.Number] = true
			numbers = append(numbers, tk.Number)
		}
		if p.NextCursor == "" {
			return numbers, pages
		}
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		f.Cursor = p.NextCursor
	}
}

// wantOrder sorts tickets the way the inbox must: by (SLADueAt, Number).
func wantOrder(ts []Ticket) []string {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b Ticket) int {
		if c := a.SLADueAt.Compare(b.SLADueAt); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
	return numbersOf(ts)
}

func TestListTicketsPagination(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		// Eight tickets; four share one deadline (ties broken by number), and
		// creation order differs from deadline order.
		dues := []time.Duration{5, 1, 3, 3, 3, 3, 0, 7}
		var all []Ticket
		for _, d := range dues {
			all = append(all, mustCreate(t, s, sampleTicket(baseTime.Add(d*time.Hour))))
		}
		want := wantOrder(all)
		for _, limit := range []int{1, 2, 3, 4, 8, 50} {
			got, pages := listAll(t, s, TicketFilter{Scope: allScope, Limit: limit})
			mustEqual(t, fmt.Sprintf("order with limit %d", limit), got, want)
			if wantPages := (len(all) + limit - 1) / limit; pages != wantPages {
				t.Fatalf("limit %d: %d pages, want %d", limit, pages, wantPages)
			}
		}
		// Tickets keep their full content in pages.
		p, err := s.ListTickets(context.Background(), TicketFilter{Scope: allScope, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := s.GetTicket(context.Background(), want[0])
		mustEqual(t, "first ticket of the page", p.Tickets[0], first)

		// A ticket due earlier than the cursor and added after it was issued
		// is not shown on later pages (keyset, not offset).
		p, err = s.ListTickets(context.Background(), TicketFilter{Scope: allScope, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, sampleTicket(baseTime.Add(-time.Hour)))
		rest, _ := listAll(t, s, TicketFilter{Scope: allScope, Limit: 3, Cursor: p.NextCursor})
		mustEqual(t, "pages after the cursor", rest, want[3:])
	})
}

func TestListTicketsLimit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		seedTickets(t, s, 205, func(i int, tk *Ticket) {})
		for _, c := range []struct{ limit, want int }{{0, 50}, {-3, 50}, {1, 1}, {200, 200}, {201, 200}, {10000, 200}} {
			p, err := s.ListTickets(context.Background(), TicketFilter{Scope: allScope, Limit: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tickets) != c.want || p.NextCursor == "" {
				t.Fatalf("Limit %d: %d tickets (cursor %q), want %d and a next page", c.limit, len(p.Tickets), p.NextCursor, c.want)
			}
		}
	})
}

func TestListTicketsFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		type spec struct {
			entity string
			status domain.Status
		}
		specs := []spec{
			{"A", domain.StatusOpen}, {"A", domain.StatusAnswered}, {"A", domain.StatusReopened},
			{"B", domain.StatusOpen}, {"B", domain.StatusClosed},
			{"C", domain.StatusOpen}, {"C", domain.StatusWithdrawn},
		}
		var all []Ticket
		for i, sp := range specs {
			tk := sampleTicket(baseTime.Add(time.Duration(len(specs)-i) * time.Hour))
			tk.Entity = "ORIG"
			tk.ResponsibleEntity, tk.Status = sp.entity, sp.status
			all = append(all, mustCreate(t, s, tk))
		}
		pick := func(keep func(Ticket) bool) []string {
			var out []Ticket
			for _, tk := range all {
				if keep(tk) {
					out = append(out, tk)
				}
			}
			return wantOrder(out)
		}
		in := func(vals ...string) func(string) bool {
			return func(v string) bool { return slices.Contains(vals, v) }
		}
		cases := []struct {
			name string
			f    TicketFilter
			want []string
		}{
			{"all", TicketFilter{Scope: allScope}, pick(func(Ticket) bool { return true })},
			{"scope A,C", TicketFilter{Scope: authz.Scope{Entities: []string{"A", "C"}}},
				pick(func(tk Ticket) bool { return in("A", "C")(tk.ResponsibleEntity) })},
			{"empty scope", TicketFilter{Scope: authz.Scope{}}, nil},
			{"entity B", TicketFilter{Scope: allScope, Entity: "B"}, pick(func(tk Ticket) bool { return tk.ResponsibleEntity == "B" })},
			{"scope A,C and entity B", TicketFilter{Scope: authz.Scope{Entities: []string{"A", "C"}}, Entity: "B"}, nil},
			{"entity by filing entity matches nothing", TicketFilter{Scope: allScope, Entity: "ORIG"}, nil},
			{"status open", TicketFilter{Scope: allScope, Status: []domain.Status{domain.StatusOpen}},
				pick(func(tk Ticket) bool { return tk.Status == domain.StatusOpen })},
			{"status open,reopened in scope A", TicketFilter{Scope: authz.Scope{Entities: []string{"A"}},
				Status: []domain.Status{domain.StatusOpen, domain.StatusReopened}},
				pick(func(tk Ticket) bool {
					return tk.ResponsibleEntity == "A" && in("open", "reopened")(string(tk.Status))
				})},
			{"final statuses of C", TicketFilter{Scope: allScope, Entity: "C", Status: []domain.Status{domain.StatusClosed, domain.StatusWithdrawn}},
				pick(func(tk Ticket) bool { return tk.ResponsibleEntity == "C" && tk.Status.Final() })},
		}
		for _, c := range cases {
			c.f.Limit = 2 // force pagination under every filter
			got, _ := listAll(t, s, c.f)
			mustEqual(t, c.name, got, c.want)
		}
	})
}

func TestListTicketsOverdue(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		now := baseTime.Add(10 * time.Hour)
		mk := func(due time.Time, st domain.Status) Ticket {
			tk := sampleTicket(due)
			tk.Status = st
			return mustCreate(t, s, tk)
		}
		late := mk(now.Add(-time.Hour), domain.StatusOpen)
		lateReopened := mk(now.Add(-time.Microsecond), domain.StatusReopened)
		mk(now, domain.StatusOpen)                        // due exactly now: not yet overdue
		mk(now.Add(time.Hour), domain.StatusOpen)         // not due
		mk(now.Add(-time.Hour), domain.StatusAnswered)    // waits on the beneficiary
		mk(now.Add(-2*time.Hour), domain.StatusClosed)    // done
		mk(now.Add(-3*time.Hour), domain.StatusWithdrawn) // done
		lateB := mk(now.Add(-30*time.Minute), domain.StatusOpen)
		if err := s.ApplyChange(context.Background(), TicketChange{Number: lateB.Number, Version: 1,
			Status: domain.StatusOpen, ResponsibleEntity: "B", SLADueAt: lateB.SLADueAt}); err != nil {
			t.Fatal(err)
		}

		got, _ := listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Limit: 1})
		mustEqual(t, "overdue", got, []string{late.Number, lateB.Number, lateReopened.Number})
		// The same instant written in another zone gives the same answer.
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now.In(time.FixedZone("X", -7*3600))})
		mustEqual(t, "overdue, Now in UTC-7", got, []string{late.Number, lateB.Number, lateReopened.Number})
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Entity: "B"})
		mustEqual(t, "overdue in B", got, []string{lateB.Number})
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Status: []domain.Status{domain.StatusReopened, domain.StatusClosed}})
		mustEqual(t, "overdue and reopened/closed", got, []string{lateReopened.Number})
	})
}

// Deadlines written in different zones sort and compare by instant. The wall
// clocks here sort the other way round, which is what a zone-blind text
// comparison would follow.
func TestListTicketsAcrossTimeZones(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		east := time.FixedZone("UTC+10", 10*3600)
		west := time.FixedZone("UTC-8", -8*3600)
		// Instants: c < a < b; wall clocks: a (08:00) < b (09:00) < c (23:00).
		a := mustCreate(t, s, sampleTicket(time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)))
		b := mustCreate(t, s, sampleTicket(time.Date(2026, 6, 2, 9, 0, 0, 0, west)))          // 17:00 UTC
		c := mustCreate(t, s, sampleTicket(time.Date(2026, 6, 2, 23, 0, 0, 500000000, east))) // 13:00:00.5 UTC on 2 June
		// Sub-second ordering: d is half a second after c.
		d := mustCreate(t, s, sampleTicket(time.Date(2026, 6, 2, 13, 0, 1, 0, time.UTC)))
		got, _ := listAll(t, s, TicketFilter{Scope: allScope, Limit: 1})
		mustEqual(t, "order by instant", got, []string{a.Number, c.Number, d.Number, b.Number})
		if !c.SLADueAt.Equal(time.Date(2026, 6, 2, 13, 0, 0, 500000000, time.UTC)) || c.SLADueAt.Location() != time.UTC {
			t.Fatalf("SLADueAt stored as %v", c.SLADueAt)
		}
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: time.Date(2026, 6, 2, 16, 0, 0, 0, east)}) // 06:00 UTC
		if len(got) != 0 {
			t.Fatalf("overdue at 06:00 UTC: %v", got)
		}
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: time.Date(2026, 6, 2, 6, 0, 1, 0, west)}) // 14:00:01 UTC
		mustEqual(t, "overdue at 14:00:01 UTC", got, []string{a.Number, c.Number, d.Number})

		if s.Dialect() == DialectSQLite {
			// Instants are integers on SQLite, whatever zone they came in.
			var typ string
			if err := s.db.Raw(`SELECT typeof(sla_due_at) FROM tickets WHERE number = ?`, b.Number).Scan(&typ).Error; err != nil || typ != "integer" {
				t.Fatalf("typeof(sla_due_at) = %q, %v", typ, err)
			}
		}
	})
}

func TestListTicketsBadCursor(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		b64 := base64.RawURLEncoding.EncodeToString
		for _, c := range []string{
			"garbage!",
			"%%%",
			b64([]byte("not json")),
			b64([]byte(`{"d":"2026-01-01T00:00:00Z"}`)), // no number
			b64([]byte(`{"n":"2026-000001"}`)),          // no deadline
			b64([]byte(`{"d":"yesterday","n":"2026-000001"}`)),
		} {
			if _, err := s.ListTickets(context.Background(), TicketFilter{Scope: allScope, Cursor: c}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("cursor %q: err = %v, want ErrBadCursor", c, err)
			}
		}
	})
}

// seedTickets bulk-inserts n tickets numbered 2026-000001.. (bypassing the
// counter) for tests and benchmarks that need volume; edit adjusts each.
func seedTickets(tb testing.TB, s *Store, n int, edit func(i int, tk *Ticket)) {
	tb.Helper()
	batch := make([]Ticket, 0, 500)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.db.Create(&batch).Error; err != nil {
			tb.Fatalf("seed tickets: %v", err)
		}
		batch = batch[:0]
	}
	for i := range n {
		tk := sampleTicket(baseTime.Add(time.Duration(i%997) * time.Minute))
		tk.Number = fmt.Sprintf("2026-%06d", i+1)
		tk.UpdatedAt = tk.CreatedAt
		edit(i, &tk)
		batch = append(batch, tk)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
}

func TestOpenTicketNumbers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		statuses := []domain.Status{domain.StatusOpen, domain.StatusClosed, domain.StatusAnswered,
			domain.StatusWithdrawn, domain.StatusReopened}
		seedTickets(t, s, 10, func(i int, tk *Ticket) { tk.Status = statuses[i%len(statuses)] })
		ctx := context.Background()
		var got []string
		after := ""
		for {
			page, err := s.OpenTicketNumbers(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		// Open, answered and reopened: numbers 1, 3, 5, 6, 8, 10.
		want := "2026-000001,2026-000003,2026-000005,2026-000006,2026-000008,2026-000010"
		if strings.Join(got, ",") != want {
			t.Fatalf("got %v, want %s", got, want)
		}
	})
}

// The preview's walk: the same tickets as the roll-out's, in number order,
// page by page, each with its deadline inputs as projected.
func TestOpenTicketDeadlines(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		statuses := []domain.Status{domain.StatusOpen, domain.StatusClosed, domain.StatusAnswered,
			domain.StatusWithdrawn, domain.StatusReopened}
		stage := time.Date(2026, 3, 15, 12, 0, 0, 0, riyadh)
		seedTickets(t, s, 10, func(i int, tk *Ticket) {
			tk.Status = statuses[i%len(statuses)]
			switch i {
			case 2: // every field set (the store copies values, it does not judge them)
				tk.Kind, tk.Priority, tk.PolicyVersion = domain.KindReport, domain.PriorityUrgent, 3
				tk.Round, tk.EscalationLevel, tk.EscalationRole = 1, 2, domain.RoleEntityHead
				tk.SLAStageStart = ptr(stage)
				tk.SLAPausedSeconds = 5400
				tk.RespondedAt = ptr(stage.Add(time.Hour))
				tk.ObjectionUntil = ptr(stage.Add(121 * time.Hour))
			case 4: // under review
				tk.Round, tk.SLAStageStart = 1, ptr(stage.Add(time.Minute))
			}
		})
		ctx := context.Background()
		var got []TicketDeadline
		after := ""
		for {
			page, err := s.OpenTicketDeadlines(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			if len(page) > 2 {
				t.Fatalf("page of %d, limit 2", len(page))
			}
			got = append(got, page...)
			after = page[len(page)-1].Number
		}
		var numbers []string
		for _, d := range got {
			numbers = append(numbers, d.Number)
		}
		want, err := s.OpenTicketNumbers(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "numbers (deadlines vs roll-out)", numbers, want)
		mustEqual(t, "numbers", strings.Join(numbers, ","),
			"2026-000001,2026-000003,2026-000005,2026-000006,2026-000008,2026-000010")

		answered := got[1]
		requireAllFieldsSet(t, answered)
		mustEqual(t, "answered ticket", answered, TicketDeadline{
			Number: "2026-000003", Kind: domain.KindReport, Priority: domain.PriorityUrgent, Status: domain.StatusAnswered,
			PolicyVersion: 3, Round: 1, EscalationLevel: 2, SLADueAt: baseTime.Add(2 * time.Minute),
			SLAStageStart: ptr(stage.UTC()), SLAPausedSeconds: 5400, RespondedAt: ptr(stage.Add(time.Hour).UTC()),
			ObjectionUntil: ptr(stage.Add(121 * time.Hour).UTC()), CreatedAt: baseTime,
		})
		if r := got[2]; r.Status != domain.StatusReopened || r.Round != 1 || r.SLAStageStart == nil ||
			!r.SLAStageStart.Equal(stage.Add(time.Minute)) || r.SLAStageStart.Location() != time.UTC {
			t.Errorf("review ticket %+v", r)
		}
		if o := got[0]; o.SLAStageStart != nil || o.RespondedAt != nil || o.ObjectionUntil != nil || o.Round != 0 {
			t.Errorf("a ticket projected before 0005 reads with nil instants: %+v", o)
		}

		// Stages: the recorded start; the filing time for a row from before 0005
		// still in its first countdown; unknown otherwise.
		mustEqual(t, "stage of a row with a start", answered.Stage(), sla.Stage{Kind: domain.KindReport,
			Priority: domain.PriorityUrgent, Status: domain.StatusAnswered, Round: 1, EscalationLevel: 2,
			Start: stage.UTC(), RespondedAt: answered.RespondedAt, Paused: 90 * time.Minute})
		mustEqual(t, "stage of a row from before 0005", got[0].Stage(), sla.Stage{Kind: domain.KindComplaint,
			Priority: domain.PriorityNormal, Status: domain.StatusOpen, Start: baseTime})
		escalated := got[0]
		escalated.EscalationLevel = 1
		if st := escalated.Stage(); !st.Start.IsZero() {
			t.Errorf("an escalated row from before 0005 has a start: %v", st.Start)
		}
		review := got[0]
		review.Round = 1
		if st := review.Stage(); !st.Start.IsZero() {
			t.Errorf("a review row from before 0005 has a start: %v", st.Start)
		}
	})
}

// TestPendingPredicate keeps the literal pending predicate ListTickets
// writes, the pending statuses and the partial indexes of migration 0009 in
// step (a predicate that drifts from the indexes' makes every inbox page
// slow, not wrong), and checks that each way of asking for pending tickets
// (the literal set in any order, bound statuses, overdue with other
// statuses) selects the same rows.
func TestPendingPredicate(t *testing.T) {
	want := "status IN ('" + strings.Join(pendingStatuses(), "', '") + "')"
	mustEqual(t, "pendingPredicate", pendingPredicate, want)
	for _, d := range dialects {
		body, err := migrationFiles.ReadFile("migrations/" + d + "/0009_pending_inbox.sql")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for line := range strings.Lines(string(body)) {
			if strings.HasPrefix(line, "CREATE INDEX") {
				n++
				if !strings.HasSuffix(strings.TrimSpace(line), " WHERE "+pendingPredicate+";") {
					t.Errorf("%s 0009: %q does not end with the predicate ListTickets writes", d, line)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s 0009: no partial index", d)
		}
	}

	forEachDialect(t, func(t *testing.T, s *Store) {
		now := baseTime.Add(24 * time.Hour)
		var all []Ticket
		// The statuses as of 0009: adding one would reshuffle which tickets fall overdue.
		five := []domain.Status{domain.StatusOpen, domain.StatusAnswered, domain.StatusReopened, domain.StatusClosed, domain.StatusWithdrawn}
		for i, st := range slices.Repeat(five, 3) {
			tk := sampleTicket(baseTime.Add(time.Duration(i*7%15) * 4 * time.Hour))
			tk.Status = st
			all = append(all, mustCreate(t, s, tk))
		}
		where := func(keep func(Ticket) bool) []string {
			var ts []Ticket
			for _, tk := range all {
				if keep(tk) {
					ts = append(ts, tk)
				}
			}
			return wantOrder(ts)
		}
		pending := where(func(tk Ticket) bool { return tk.Status.Pending() })
		for _, sts := range [][]domain.Status{
			{domain.StatusOpen, domain.StatusReopened},
			{domain.StatusReopened, domain.StatusOpen, domain.StatusOpen},
		} {
			got, _ := listAll(t, s, TicketFilter{Scope: allScope, Status: sts, Limit: 2})
			mustEqual(t, fmt.Sprintf("status %v", sts), got, pending)
		}
		got, _ := listAll(t, s, TicketFilter{Scope: allScope, Status: []domain.Status{domain.StatusOpen}, Limit: 2})
		mustEqual(t, "open only", got, where(func(tk Ticket) bool { return tk.Status == domain.StatusOpen }))
		overdue := func(tk Ticket) bool { return tk.Status.Pending() && tk.SLADueAt.Before(now) }
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Limit: 2})
		mustEqual(t, "overdue", got, where(overdue))
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Limit: 2,
			Status: []domain.Status{domain.StatusOpen, domain.StatusReopened}})
		mustEqual(t, "overdue, pending named", got, where(overdue))
		got, _ = listAll(t, s, TicketFilter{Scope: allScope, Overdue: true, Now: now, Limit: 2,
			Status: []domain.Status{domain.StatusReopened, domain.StatusAnswered}})
		mustEqual(t, "overdue and reopened/answered", got,
			where(func(tk Ticket) bool { return overdue(tk) && tk.Status == domain.StatusReopened }))
	})
}
