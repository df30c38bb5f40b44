package store

// The bulk seeder behind the PostgreSQL benchmarks (bench_pg_test.go). It
// writes the read model straight into the tables with COPY, never through
// the API or CreateTicket: a million tickets must take minutes, and what is
// measured is the queries over a realistic table, not how it was filled.

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// benchSeedVersion names the generator's output: a kept schema made by an
// older generator is seeded anew rather than measured as if it were current.
const benchSeedVersion = 2

// Where the seeded year ends: the benchmarks' clock, so "overdue" selects the
// same rows whenever they run.
var (
	benchSpanEnd   = time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	benchSpanStart = benchSpanEnd.AddDate(-1, 0, 0)
)

// benchTicketCount is TAWASUL_BENCH_TICKETS (default 100,000).
func benchTicketCount(tb testing.TB) int {
	v := os.Getenv("TAWASUL_BENCH_TICKETS")
	if v == "" {
		return 100_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 {
		tb.Fatalf("TAWASUL_BENCH_TICKETS=%q: want a whole number of at least 1000", v)
	}
	return n
}

// benchWorld is the hierarchy the tickets are spread over, and the people the
// benchmarks read as.
type benchWorld struct {
	entities []Entity
	tree     *authz.Tree
	weights  []float64 // cumulative share of tickets per entity, in entities' order
}

// loadBenchWorld reads the bundled organization (seed/entities.csv; the seed
// package imports store, so it cannot be imported here) and gives each entity
// its share of the tickets: universities and big education departments get
// most, and within a kind the ones listed first (the largest) get more.
func loadBenchWorld() (*benchWorld, error) {
	f, err := os.Open("../seed/entities.csv")
	if err != nil {
		return nil, fmt.Errorf("open the bundled entities: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 {
		return nil, fmt.Errorf("read the bundled entities: %v (%d rows)", err, len(recs))
	}
	base := map[domain.EntityKind]float64{
		domain.EntityPublicUniversity:    30,
		domain.EntityEducationDepartment: 14,
		domain.EntityPrivateUniversity:   6,
		domain.EntityAgency:              3,
		domain.EntitySector:              1,
		domain.EntityMinistry:            1,
	}
	w := &benchWorld{}
	rank := map[domain.EntityKind]int{}
	var nodes []authz.Node
	total := 0.0
	for _, r := range recs[1:] {
		e := Entity{Code: r[0], NameAR: r[1], NameEN: r[2], Kind: domain.EntityKind(r[3]), Parent: r[4]}
		w.entities = append(w.entities, e)
		nodes = append(nodes, authz.Node{Code: e.Code, Parent: e.Parent, Kind: e.Kind})
		total += base[e.Kind] / (1 + float64(rank[e.Kind])/3)
		rank[e.Kind]++
		w.weights = append(w.weights, total)
	}
	for i := range w.weights {
		w.weights[i] /= total
	}
	w.tree = authz.NewTree(nodes)
	return w, nil
}

func (w *benchWorld) pickEntity(rng *rand.Rand) string {
	i, _ := slices.BinarySearch(w.weights, rng.Float64())
	return w.entities[min(i, len(w.entities)-1)].Code
}

// holder is where an escalation rung of the given level sits for a ticket
// of entity, as activities.ResolveLevel records it.
func (w *benchWorld) holder(level int, entity string) (domain.Role, string) {
	role := domain.LadderRoles()[level-1]
	switch domain.LadderScope(role) {
	case domain.ScopeMinistry:
		return role, w.tree.Root()
	case domain.ScopeSector:
		if s := authz.SectorOf(w.tree, entity); s != "" {
			return role, s
		}
		return role, w.tree.Root()
	}
	return role, entity
}

// Who files and follows tickets in the generated data; the benchmarks read
// as the busiest of each.
const (
	benchAgents      = 12
	benchReceptions  = 6
	benchCoordinator = 3 // per entity
)

func benchAgentID(i int) string                 { return fmt.Sprintf("user:agent-%02d", i) }
func benchCoordinatorID(e string, i int) string { return fmt.Sprintf("user:coord-%s-%d", e, i) }

// benchRepeaterMobile is the i-th mobile of the beneficiaries who file
// again and again (about ten tickets each).
func benchRepeaterMobile(i int) string { return fmt.Sprintf("+96650%07d", i) }

var benchSubjects = []string{
	"تأخر صرف المكافأة الشهرية",
	"طلب معادلة شهادة جامعية",
	"شكوى من تأخر الرد على طلب النقل",
	"استفسار عن شروط القبول في برنامج الابتعاث",
	"اعتراض على نتيجة اختبار نهائي",
	"طلب تعديل بيانات في نظام نور",
	"مقترح لتحسين خدمات الإرشاد الطلابي",
	"بلاغ عن مخالفة في مدرسة أهلية",
	"طلب موعد مع مدير الإدارة",
	"استشارة بخصوص إجراءات التقاعد المبكر",
}

var benchSentences = []string{
	"تقدمت بطلبي عبر البوابة منذ أكثر من ثلاثة أسابيع ولم يصلني أي رد حتى الآن رغم المتابعة المستمرة.",
	"أرجو التكرم بالنظر في الموضوع وإفادتي بالإجراءات المطلوبة والمدة المتوقعة لإنهاء المعاملة.",
	"راجعت عمادة شؤون الطلاب أكثر من مرة وتمت إحالتي إلى جهات مختلفة دون حل واضح.",
	"المبلغ المستحق لم يودع في حسابي البنكي عن شهري يناير وفبراير من هذا العام.",
	"أرفقت صورة من الهوية الوطنية وخطاب الجهة وكشف الدرجات المعتمد كما هو مطلوب.",
	"أتمنى أن يتم التواصل معي على رقم الجوال المسجل في الطلب في أقرب وقت ممكن.",
	"هذه المرة الثانية التي أرفع فيها الطلب نفسه بعد أن أغلق الأول دون إجراء.",
}

var benchNames = []string{
	"سارة عبدالله القحطاني", "محمد سعد العتيبي", "نورة خالد الدوسري", "عبدالرحمن فهد الشهري",
	"ريم ناصر الغامدي", "فيصل عمر الزهراني", "هند إبراهيم المطيري", "تركي سلمان الحربي",
}

// weighted picks an index with probability proportional to ws.
func weighted(rng *rand.Rand, ws ...float64) int {
	total := 0.0
	for _, w := range ws {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

// benchTicketColumns are the tickets columns COPY fills, in row order.
var benchTicketColumns = []string{
	"number", "kind", "channel", "priority", "status", "subject", "description",
	"entity", "responsible_entity", "beneficiary_name", "beneficiary_national_id",
	"beneficiary_mobile", "beneficiary_email", "beneficiary_type", "beneficiary_gender",
	"beneficiary_nationality", "tracking_hash", "policy_version", "round",
	"escalation_level", "escalation_role", "escalation_entity", "sla_due_at",
	"sla_stage_start", "objection_until", "responded_at", "closed_at", "assigned_to",
	"assigned_at", "filed_by_id", "filed_by_role", "workflow_started", "version",
	"created_at", "updated_at", "search_text",
}

// ticketGen makes n tickets filed evenly over the year before benchSpanEnd,
// in filing order (so numbers, like in production, follow the heap order).
type ticketGen struct {
	w       *benchWorld
	rng     *rand.Rand
	n, i    int
	seq     map[int]int // last number per year
	pending int
}

func newTicketGen(w *benchWorld, n int) *ticketGen {
	return &ticketGen{w: w, rng: rand.New(rand.NewPCG(2026, 4)), n: n, seq: map[int]int{}}
}

func (g *ticketGen) next() []any {
	rng, w := g.rng, g.w
	day := 24 * time.Hour
	span := benchSpanEnd.Sub(benchSpanStart)
	created := benchSpanStart.Add(time.Duration(float64(span) * float64(g.i) / float64(g.n))).Truncate(time.Microsecond)
	g.i++
	g.seq[created.Year()]++
	number := fmt.Sprintf("%d-%06d", created.Year(), g.seq[created.Year()])

	entity := w.pickEntity(rng)
	responsible := entity
	if rng.IntN(100) < 4 { // an objection's review, held by the sector
		if s := authz.SectorOf(w.tree, entity); s != "" {
			responsible = s
		}
	}
	kind := domain.Kinds()[weighted(rng, 30, 45, 8, 7, 7, 3)]
	channel := domain.Channels()[weighted(rng, 45, 25, 15, 5, 5, 5)]
	priority := domain.Priorities()[weighted(rng, 80, 15, 5)]
	filedBy, filedRole := "beneficiary", domain.RoleBeneficiary
	switch channel {
	case domain.ChannelCallCenter, domain.ChannelSocial, domain.ChannelEmail:
		// A few agents take most calls.
		filedBy, filedRole = benchAgentID(int(float64(benchAgents)*math.Pow(rng.Float64(), 2))), domain.RoleAgent
	case domain.ChannelWalkIn:
		filedBy, filedRole = fmt.Sprintf("user:reception-%02d", rng.IntN(benchReceptions)), domain.RoleReception
	}

	var mobile, nationalID string
	if rng.IntN(4) == 0 {
		m := rng.IntN(max(1, g.n/40))
		mobile, nationalID = benchRepeaterMobile(m), fmt.Sprintf("10%08d", m)
	} else {
		m := rng.IntN(g.n)
		mobile, nationalID = fmt.Sprintf("+96655%07d", m), fmt.Sprintf("11%08d", m)
	}
	gender := []domain.Gender{domain.GenderMale, domain.GenderFemale}[rng.IntN(2)]

	allowance := time.Duration(3+rng.IntN(8)) * day
	due := created.Add(allowance)
	stageStart := created
	age := benchSpanEnd.Sub(created)
	var (
		status                                domain.Status
		round, level                          int
		escRole                               domain.Role
		escEntity                             string
		respondedAt, objectionUntil, closedAt *time.Time
		assignedTo                            string
		assignedAt                            *time.Time
	)
	// Recent tickets are mostly still waiting; a few old ones are stuck.
	pendingPct := 4
	if age < 45*day {
		pendingPct = 70
	}
	switch {
	case rng.IntN(100) < pendingPct:
		g.pending++
		status = domain.StatusOpen
		if rng.IntN(100) < 15 {
			status, round = domain.StatusReopened, 1
		}
		if due.Before(benchSpanEnd) && rng.IntN(100) < 70 {
			level = 1 + weighted(rng, 35, 25, 20, 12, 8)
			stageStart = due.Add(time.Duration(level-1) * 3 * day)
			if stageStart.After(benchSpanEnd) {
				stageStart = benchSpanEnd.Add(-time.Duration(1+rng.IntN(72)) * time.Hour)
			}
			due = stageStart.Add(time.Duration(2+rng.IntN(4)) * day)
		}
	case age < 20*day && rng.IntN(100) < 40:
		status = domain.StatusAnswered
		r := created.Add(time.Duration(rng.Int64N(int64(allowance))))
		o := r.Add(5 * day)
		respondedAt, objectionUntil = &r, &o
	default:
		status = domain.StatusClosed
		if rng.IntN(100) < 4 {
			status = domain.StatusWithdrawn
		}
		r := created.Add(time.Duration(rng.Int64N(int64(allowance))))
		c := r.Add(time.Duration(rng.Int64N(int64(6 * day))))
		respondedAt, closedAt = &r, &c
		if rng.IntN(100) < 10 {
			level = 1 + weighted(rng, 50, 30, 20)
		}
	}
	if level > 0 {
		escRole, escEntity = w.holder(level, responsible)
	}
	assignedPct := 60
	if status.Pending() {
		assignedPct = 55
	}
	if rng.IntN(100) < assignedPct {
		assignedTo = benchCoordinatorID(responsible, rng.IntN(benchCoordinator))
	}
	if assignedTo != "" {
		a := created.Add(time.Duration(rng.Int64N(int64(day))))
		assignedAt = &a
	}
	updated := created
	for _, t := range []*time.Time{&stageStart, respondedAt, closedAt} {
		if t != nil && t.After(updated) {
			updated = *t
		}
	}
	desc := benchSentences[rng.IntN(len(benchSentences))]
	for range 1 + rng.IntN(4) {
		desc += " " + benchSentences[rng.IntN(len(benchSentences))]
	}
	tracking := fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
	version := int64(1 + rng.IntN(12))
	subject := benchSubjects[rng.IntN(len(benchSubjects))]
	return []any{
		number, string(kind), string(channel), string(priority), string(status),
		subject, desc,
		entity, responsible, benchNames[rng.IntN(len(benchNames))], nationalID,
		mobile, "", string(domain.BeneficiaryTypes()[rng.IntN(len(domain.BeneficiaryTypes()))]), string(gender),
		string(domain.NationalityCitizen), tracking, int64(1), int64(round),
		int64(level), string(escRole), escEntity, due,
		stageStart, objectionUntil, respondedAt, closedAt, assignedTo,
		assignedAt, filedBy, string(filedRole), true, version,
		created, updated, searchText(subject, desc),
	}
}

// benchFixture is the seeded database, made once per test binary and shared
// by every benchmark (and every -count round) that reads it.
type benchFixture struct {
	s        *Store
	world    *benchWorld
	n        int
	schema   string
	seeded   time.Duration // 0 when a kept schema was reused
	pending  int
	keep     bool
	adminDSN string
}

var benchPG struct {
	once sync.Once
	fx   *benchFixture
	err  error
}

// pgBenchFixture seeds (once) TAWASUL_BENCH_TICKETS tickets into a schema of
// its own. With TAWASUL_BENCH_KEEP=1 the schema is named by its size and
// generator version and left behind for the next run, which reuses it
// (migrating it first); otherwise TestMain drops it when the binary ends.
func pgBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	requirePostgres(b)
	n := benchTicketCount(b)
	benchPG.once.Do(func() {
		benchPG.fx, benchPG.err = seedBenchFixture(context.Background(), n, os.Getenv("TAWASUL_BENCH_KEEP") == "1", b.Logf)
	})
	if benchPG.err != nil {
		b.Fatalf("seed %d tickets on PostgreSQL: %v", n, benchPG.err)
	}
	if benchPG.fx.n != n {
		b.Fatalf("the binary seeded %d tickets, TAWASUL_BENCH_TICKETS now says %d", benchPG.fx.n, n)
	}
	return benchPG.fx
}

// dropBenchFixture ends what pgBenchFixture made (TestMain calls it).
func dropBenchFixture() error {
	fx := benchPG.fx
	if fx == nil {
		return nil
	}
	if err := fx.s.Close(); err != nil {
		return err
	}
	if fx.keep {
		return nil
	}
	admin, err := Open(context.Background(), fx.adminDSN)
	if err != nil {
		return fmt.Errorf("drop bench schema %s: %w", fx.schema, err)
	}
	defer admin.Close()
	if err := admin.db.Exec(`DROP SCHEMA ` + fx.schema + ` CASCADE`).Error; err != nil {
		return fmt.Errorf("drop bench schema %s: %w", fx.schema, err)
	}
	return nil
}

func seedBenchFixture(ctx context.Context, n int, keep bool, logf func(string, ...any)) (*benchFixture, error) {
	world, err := loadBenchWorld()
	if err != nil {
		return nil, err
	}
	fx := &benchFixture{world: world, n: n, keep: keep, adminDSN: testPostgresDSN()}
	admin, err := Open(ctx, fx.adminDSN)
	if err != nil {
		return nil, fmt.Errorf("open admin connection: %w", err)
	}
	defer admin.Close()

	reuse := false
	if keep {
		fx.schema = fmt.Sprintf("bench_t%d_v%d", n, benchSeedVersion)
		var done int64
		err := admin.db.Raw(`SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'bench_seed'`, fx.schema).Scan(&done).Error
		if err != nil {
			return nil, fmt.Errorf("look for a kept schema: %w", err)
		}
		reuse = done > 0
		if !reuse {
			// Half a seed (an interrupted run) is thrown away.
			if err := admin.db.Exec(`DROP SCHEMA IF EXISTS ` + fx.schema + ` CASCADE`).Error; err != nil {
				return nil, fmt.Errorf("drop an unfinished kept schema: %w", err)
			}
		}
	} else {
		fx.schema = fmt.Sprintf("bench_%d_%d", n, time.Now().UnixNano())
	}
	if !reuse {
		if err := admin.db.Exec(`CREATE SCHEMA ` + fx.schema).Error; err != nil {
			return nil, fmt.Errorf("create schema: %w", err)
		}
	}
	dsn, err := withSearchPath(fx.adminDSN, fx.schema)
	if err != nil {
		return nil, err
	}
	if fx.s, err = Open(ctx, dsn); err != nil {
		return nil, fmt.Errorf("open bench schema: %w", err)
	}
	// From here on a failure leaves the schema to dropBenchFixture.
	benchPG.fx = fx
	if err := fx.s.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if reuse {
		logf("reusing kept schema %s (%d tickets)", fx.schema, n)
	} else {
		start := time.Now()
		if err := fx.s.UpsertEntities(ctx, world.entities); err != nil {
			return nil, fmt.Errorf("entities: %w", err)
		}
		pending, err := copyBenchTickets(ctx, fx.s, world, n)
		if err != nil {
			return nil, err
		}
		fx.seeded = time.Since(start)
		fx.pending = pending
		if err := fx.s.db.Exec(`CREATE TABLE bench_seed (tickets bigint, pending bigint, seconds double precision)`).Error; err != nil {
			return nil, fmt.Errorf("mark the seed done: %w", err)
		}
		if err := fx.s.db.Exec(`INSERT INTO bench_seed VALUES (?, ?, ?)`, n, pending, fx.seeded.Seconds()).Error; err != nil {
			return nil, fmt.Errorf("mark the seed done: %w", err)
		}
		logf("seeded %d tickets (%d pending) into %s in %s", n, pending, fx.schema, fx.seeded.Round(time.Second))
	}
	return fx, nil
}

// copyBenchTickets fills tickets with COPY: secondary indexes are dropped
// first and built once at the end (one sort each instead of a million
// random inserts), then the table is vacuumed and analyzed as autovacuum
// would have long done in production, so plans and index-only scans are
// those of a settled table.
func copyBenchTickets(ctx context.Context, s *Store, w *benchWorld, n int) (pending int, err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("bench seed connection: %w", err)
	}
	defer conn.Close()

	type index struct{ name, def string }
	var idx []index
	rows, err := conn.QueryContext(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'tickets' AND indexname <> 'tickets_pkey'`)
	if err != nil {
		return 0, fmt.Errorf("list ticket indexes: %w", err)
	}
	for rows.Next() {
		var i index
		if err := rows.Scan(&i.name, &i.def); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list ticket indexes: %w", err)
		}
		idx = append(idx, i)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("list ticket indexes: %w", err)
	}
	for _, i := range idx {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+i.name); err != nil {
			return 0, fmt.Errorf("drop index %s: %w", i.name, err)
		}
	}

	g := newTicketGen(w, n)
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		_, err := pc.CopyFrom(ctx, pgx.Identifier{"tickets"}, benchTicketColumns,
			pgx.CopyFromFunc(func() ([]any, error) {
				if g.i == n {
					return nil, nil
				}
				return g.next(), nil
			}))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("copy %d tickets: %w", n, err)
	}
	for year, last := range g.seq {
		if _, err := conn.ExecContext(ctx, `INSERT INTO ticket_counters (year, "last") VALUES ($1, $2)`, year, last); err != nil {
			return 0, fmt.Errorf("ticket counter %d: %w", year, err)
		}
	}

	if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return 0, fmt.Errorf("index build memory: %w", err)
	}
	for _, i := range idx {
		if _, err := conn.ExecContext(ctx, i.def); err != nil {
			return 0, fmt.Errorf("rebuild index %s: %w", i.name, err)
		}
	}
	if err := vacuumAnalyze(ctx, conn); err != nil {
		return 0, err
	}
	return g.pending, nil
}

func vacuumAnalyze(ctx context.Context, conn *sql.Conn) error {
	for _, t := range []string{"tickets", "entities", "ticket_counters"} {
		if _, err := conn.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}
