package store

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
)

// BenchmarkPGReadModel measures the read model on PostgreSQL over
// TAWASUL_BENCH_TICKETS bulk-seeded tickets (benchseed_test.go): the inbox
// of each kind of reader, first page and tenth, the beneficiary's own list,
// the projection's upsert and intake's insert. Beside ns/op each query
// reports the median and 99th percentile of its own latencies (p50-ms,
// p99-ms; with fewer than 100 samples p99 is the slowest one) and the rows
// its page held. See BENCHMARKS.md for the commands and figures.
func BenchmarkPGReadModel(b *testing.B) {
	fx := pgBenchFixture(b)
	b.Run(fmt.Sprintf("tickets=%d", fx.n), func(b *testing.B) {
		benchInbox(b, fx)
		benchInboxCounts(b, fx)
		benchBeneficiaryList(b, fx)
		// Writes last: they move a few thousand rows, which the reads of a
		// later -count round then see; a negligible drift at these sizes.
		benchApplyChange(b, fx)
		benchCreate(b, fx)
	})
}

// inboxCase is one reader's inbox as the API asks for it (GET /tickets: the
// pending statuses unless a status is named, 50 rows, the view's filter).
type inboxCase struct {
	name string
	f    TicketFilter
}

func inboxCases(fx *benchFixture) []inboxCase {
	w := fx.world
	codes := w.tree.Codes()
	scope := func(role domain.Role, entity, id string) authz.Scope {
		return authz.ReadScope(authz.Subject{ID: id, Role: role, Entity: entity}, w.tree, codes)
	}
	// The biggest entity; the biggest sector (63 % of the tickets) and one
	// with about 2 % of the pending work, the hardest share for an OR of
	// two entity lists (BENCHMARKS.md); the busiest agent.
	const entity, bigSector, smallSector = "KSU", "UNIV", "SCHOLAR"
	coord := scope(domain.RoleCoordinator, entity, benchCoordinatorID(entity, 0))
	sector := scope(domain.RoleSectorOfficial, bigSector, "user:so-univ")
	small := scope(domain.RoleSectorOfficial, smallSector, "user:so-scholar")
	all := scope(domain.RoleSupervisor, "", "user:supervisor")
	agent := scope(domain.RoleAgent, "", benchAgentID(0))
	pending := []domain.Status{domain.StatusOpen, domain.StatusReopened}
	inbox := func(sc authz.Scope) TicketFilter {
		return TicketFilter{Scope: sc, Status: pending, Now: benchSpanEnd}
	}
	overdue := func(sc authz.Scope) TicketFilter {
		f := inbox(sc)
		f.Overdue = true
		return f
	}
	held := func(sc authz.Scope, role domain.Role, at string) TicketFilter {
		f := inbox(sc)
		f.HeldByRole, f.HeldByEntity = role, at
		return f
	}
	assigned := inbox(coord)
	assigned.AssignedTo = benchCoordinatorID(entity, 0)
	return []inboxCase{
		{"coordinator", inbox(coord)},
		{"sector-63", inbox(sector)},
		{"sector-18", inbox(small)},
		{"supervisor", inbox(all)},
		{"agent", inbox(agent)},
		{"overdue/coordinator", overdue(coord)},
		{"overdue/sector-63", overdue(sector)},
		{"overdue/supervisor", overdue(all)},
		{"escalated/sector-63", held(sector, domain.RoleSectorOfficial, bigSector)},
		{"escalated/supervisor", held(all, domain.RoleSupervisor, w.tree.Root())},
		{"assigned/coordinator", assigned},
	}
}

func benchInbox(b *testing.B, fx *benchFixture) {
	ctx := context.Background()
	for _, c := range inboxCases(fx) {
		list := func(f TicketFilter) func() (int, error) {
			return func() (int, error) {
				p, err := fx.s.ListTickets(ctx, f)
				return len(p.Tickets), err
			}
		}
		b.Run("inbox/"+c.name+"/page1", func(b *testing.B) { measure(b, list(c.f)) })
		deep, depth := c.f, 1
		for ; depth < 10; depth++ {
			p, err := fx.s.ListTickets(ctx, deep)
			if err != nil {
				b.Fatal(err)
			}
			if p.NextCursor == "" {
				break
			}
			deep.Cursor = p.NextCursor
		}
		b.Run("inbox/"+c.name+"/page10", func(b *testing.B) {
			if depth < 10 {
				b.Logf("the list ends on page %d: measured there", depth)
			}
			measure(b, list(deep))
		})
	}
}

// benchInboxCounts is the badges of a reader's inbox: one CountTickets of
// the filters tickets.Service.InboxCounts builds for the views of the
// reader's role (all, overdue, awaiting; a coordinator's assigned and
// unassigned; a ladder role's escalated; the supervisor's follow-ups),
// each capped at 1,000 as tickets.CountCap+1 is. rows is the sum of the
// counts.
func benchInboxCounts(b *testing.B, fx *benchFixture) {
	ctx := context.Background()
	w := fx.world
	codes := w.tree.Codes()
	const entity, bigSector = "KSU", "UNIV"
	reader := func(role domain.Role, at, id string) []TicketFilter {
		sc := authz.ReadScope(authz.Subject{ID: id, Role: role, Entity: at}, w.tree, codes)
		pending := []domain.Status{domain.StatusOpen, domain.StatusReopened}
		all := TicketFilter{Scope: sc, Status: pending, Now: benchSpanEnd}
		overdue, awaiting := all, all
		overdue.Overdue = true
		awaiting.Status = []domain.Status{domain.StatusAwaitingInfo}
		fs := []TicketFilter{all, overdue, awaiting}
		switch role {
		case domain.RoleCoordinator:
			assigned, unassigned := all, all
			assigned.AssignedTo, unassigned.Unassigned = id, true
			fs = append(fs, assigned, unassigned)
		case domain.RoleSectorOfficial, domain.RoleSupervisor:
			held := all
			held.HeldByRole, held.HeldByEntity = role, authz.HeldAt(authz.Subject{Role: role, Entity: at}, w.tree)
			fs = append(fs, held)
		}
		if role == domain.RoleSupervisor {
			fs = append(fs, TicketFilter{Scope: sc, FollowUps: true, Now: benchSpanEnd})
		}
		return fs
	}
	for _, c := range []struct {
		name string
		fs   []TicketFilter
	}{
		{"coordinator", reader(domain.RoleCoordinator, entity, benchCoordinatorID(entity, 0))},
		{"sector-63", reader(domain.RoleSectorOfficial, bigSector, "user:so-univ")},
		{"supervisor", reader(domain.RoleSupervisor, "", "user:supervisor")},
		{"agent", reader(domain.RoleAgent, "", benchAgentID(0))},
	} {
		b.Run("counts/"+c.name, func(b *testing.B) {
			measure(b, func() (int, error) {
				ns, err := fx.s.CountTickets(ctx, c.fs, 1000)
				sum := 0
				for _, n := range ns {
					sum += n
				}
				return sum, err
			})
		})
	}
}

func benchBeneficiaryList(b *testing.B, fx *benchFixture) {
	ctx := context.Background()
	// The first repeater: about ten tickets, like a beneficiary who files often.
	mobile := benchRepeaterMobile(0)
	b.Run("beneficiary/own/page1", func(b *testing.B) {
		measure(b, func() (int, error) {
			p, err := fx.s.BeneficiaryTickets(ctx, mobile, "", 0)
			return len(p.Tickets), err
		})
	})
}

// benchApplyChange projects a workflow step onto random pending tickets: one
// rung up the ladder with a new deadline, the way an escalation moves every
// indexed column a projection touches, plus its timeline event.
func benchApplyChange(b *testing.B, fx *benchFixture) {
	ctx := context.Background()
	type target struct {
		Number            string
		ResponsibleEntity string
		EscalationLevel   int
		SLADueAt          time.Time
		Status            domain.Status
	}
	var ts []target
	err := fx.s.db.Raw(`SELECT number, responsible_entity, escalation_level, sla_due_at, status FROM tickets
		WHERE status IN ? ORDER BY md5(number) LIMIT 4096`, pendingStatuses()).Scan(&ts).Error
	if err != nil || len(ts) == 0 {
		b.Fatalf("pick pending tickets: %d, %v", len(ts), err)
	}
	// Versions above any a previous run left, so every change is applied.
	version := atomic.Int64{}
	version.Store(time.Now().UnixMicro())
	var next atomic.Int64
	apply := func() error {
		t := ts[int(next.Add(1))%len(ts)]
		v := version.Add(1)
		level := min(t.EscalationLevel+1, len(domain.LadderRoles()))
		role, at := fx.world.holder(level, t.ResponsibleEntity)
		due := t.SLADueAt.Add(48 * time.Hour)
		stage := benchSpanEnd
		return fx.s.ApplyChange(ctx, TicketChange{
			Number: t.Number, Version: v, Status: t.Status, ResponsibleEntity: t.ResponsibleEntity,
			PolicyVersion: 1, EscalationLevel: level, EscalationRole: role, EscalationEntity: at,
			SLADueAt: due, SLAStageStart: &stage,
			Events: []TicketEvent{{Seq: int(v), Type: "escalated", At: stage, ActorID: "system",
				ActorRole: domain.RoleSystem, Entity: at, Level: level, Public: true,
				Message: fmt.Sprintf("escalated to level %d", level)}},
		})
	}
	b.Run("apply-change/serial", func(b *testing.B) {
		measure(b, func() (int, error) { return 1, apply() })
	})
	b.Run("apply-change/parallel", func(b *testing.B) { parallel(b, apply) })
}

// benchCreate is intake's insert (number, ticket, idempotency key) into the
// seeded table.
func benchCreate(b *testing.B, fx *benchFixture) {
	ctx := context.Background()
	base := time.Now().UnixNano()
	var n atomic.Int64
	codes := fx.world.tree.Codes()
	create := func() error {
		i := n.Add(1)
		t := sampleTicket(benchSpanEnd.Add(72 * time.Hour))
		t.CreatedAt = benchSpanEnd
		t.Entity = codes[int(i)%len(codes)]
		t.ResponsibleEntity = t.Entity
		idem := IdempotencyRecord{KeyHash: fmt.Sprintf("bench-%d-%d", base, i), RequestHash: "r"}
		_, _, created, err := fx.s.CreateTicket(ctx, t, &idem)
		if err == nil && !created {
			err = fmt.Errorf("key %s replayed", idem.KeyHash)
		}
		return err
	}
	b.Run("create-ticket/serial", func(b *testing.B) {
		measure(b, func() (int, error) { return 1, create() })
	})
	b.Run("create-ticket/parallel", func(b *testing.B) { parallel(b, create) })
}

// parallel runs op from four callers per core, as under an API's
// concurrent requests (ns/op is then wall time per op, not latency).
func parallel(b *testing.B, op func() error) {
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// measure runs op in the benchmark loop and reports, beside ns/op, the
// median and 99th-percentile latency of its calls and the rows the last call
// returned (a page that comes back empty would be fast for the wrong reason).
func measure(b *testing.B, op func() (rows int, err error)) {
	b.Helper()
	var lat []time.Duration
	rows := 0
	for b.Loop() {
		start := time.Now()
		n, err := op()
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	slices.Sort(lat)
	ms := func(q int) float64 {
		// Nearest rank: the smallest sample at or above q% of them.
		i := max(0, (len(lat)*q+99)/100-1)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(50), "p50-ms")
	b.ReportMetric(ms(99), "p99-ms")
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkPGReadModelSearch measures staff search (SearchTickets) over the
// same seeded tickets, each kind of query as a supervisor (every ticket) and
// as the biggest entity's coordinator would ask it: the exact lookups, and
// words (normalize.Fold'ed, as the use case passes them) from never found
// through the subject of one ticket in ten to words in most descriptions, a
// two-letter word (no trigram to narrow by) and two words at once. Reported
// like BenchmarkPGReadModel (p50-ms, p99-ms, rows).
//
//	TAWASUL_BENCH_TICKETS=100000 go test -run '^$' -bench 'PGReadModel.*Search' -benchtime 200x -count 3 ./store/
func BenchmarkPGReadModelSearch(b *testing.B) {
	fx := pgBenchFixture(b)
	ctx := context.Background()
	w := fx.world
	const entity = "KSU"
	scopes := []struct {
		name string
		sc   authz.Scope
	}{
		{"supervisor", authz.ReadScope(authz.Subject{ID: "user:supervisor", Role: domain.RoleSupervisor}, w.tree, w.tree.Codes())},
		{"coordinator", authz.ReadScope(authz.Subject{ID: benchCoordinatorID(entity, 0), Role: domain.RoleCoordinator, Entity: entity},
			w.tree, w.tree.Codes())},
	}
	var number string
	if err := fx.s.db.Raw(`SELECT number FROM tickets WHERE entity = ? ORDER BY number LIMIT 1 OFFSET ?`,
		entity, fx.n/100).Scan(&number).Error; err != nil || number == "" {
		b.Fatalf("pick a ticket number: %q, %v", number, err)
	}
	// The first repeater files about ten tickets under one ID and mobile.
	nationalID, mobile := fmt.Sprintf("10%08d", 0), benchRepeaterMobile(0)
	fold := func(ws ...string) []string {
		for i := range ws {
			ws[i] = normalize.Fold(ws[i])
		}
		return ws
	}
	cases := []struct {
		name string
		f    SearchFilter
	}{
		{"number", SearchFilter{Number: number}},
		{"national-id", SearchFilter{NationalID: nationalID}},
		{"mobile", SearchFilter{Mobile: mobile}},
		{"words/none", SearchFilter{Words: fold("زلزال")}},
		{"words/subject-10pct", SearchFilter{Words: fold("المكافأة")}},
		{"words/most", SearchFilter{Words: fold("الطلب")}},
		{"words/two-letters", SearchFilter{Words: fold("رد")}},
		{"words/two", SearchFilter{Words: fold("معادلة", "شهادة")}},
	}
	b.Run(fmt.Sprintf("tickets=%d", fx.n), func(b *testing.B) {
		for _, c := range cases {
			for _, sc := range scopes {
				f := c.f
				f.Scope = sc.sc
				b.Run("search/"+c.name+"/"+sc.name, func(b *testing.B) {
					measure(b, func() (int, error) {
						p, err := fx.s.SearchTickets(ctx, f)
						return len(p.Tickets), err
					})
				})
			}
		}
	})
}
