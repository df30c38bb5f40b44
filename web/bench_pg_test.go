package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/password"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/store/storetest"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web"
)

// BenchmarkPGPages measures the server time of the inbox page and of a
// ticket's page at TAWASUL_BENCH_TICKETS tickets (100,000 unless set) on
// PostgreSQL, over the read model the store's benchmarks seed (`make
// bench-pg` harness): it reads the schema those keep with
// TAWASUL_BENCH_KEEP=1, so seed it first:
//
//	TAWASUL_BENCH_TICKETS=100000 TAWASUL_BENCH_KEEP=1 go test -run '^$' -bench 'PGReadModel$' -benchtime 1x ./store/
//	TAWASUL_BENCH_TICKETS=100000 go test -run '^$' -bench PGPages -benchtime 200x -count 3 ./web/
//
// Each page is one request through the router with a signed-in session,
// rendered to the end; p50-ms and p95-ms are its own latencies. The reader
// is the biggest entity's first coordinator (the seed's "coord-KSU-0").
func BenchmarkPGPages(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TAWASUL_BENCH_TICKETS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("TAWASUL_BENCH_TICKETS=%q", v)
		}
	}
	schema := fmt.Sprintf("bench_t%d_v2", n)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, storetest.DSN())
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		b.Skipf("machine lacks PostgreSQL: %v", err)
	}
	var seeded bool
	err = conn.QueryRow(ctx, `SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'bench_seed'`, schema).Scan(&seeded)
	_ = conn.Close(ctx)
	if err != nil || !seeded {
		// Not in make test (a benchmark); the seeded schema is made on request.
		b.Skipf("machine lacks the kept bench schema %s: seed it with the store's benchmark (see this benchmark's comment)", schema)
	}
	u, _ := url.Parse(storetest.DSN())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := store.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	h, _ := password.New(password.Params{Memory: 64, Time: 1, Threads: 1})
	audit := auditlog.New(st, nil, nil)
	in, err := signin.New(signin.Options{Store: st, Passwords: h, Audit: audit})
	if err != nil {
		b.Fatal(err)
	}
	cache := entities.NewCache(st.ListEntities, 0, nil)
	svc, err := tickets.New(tickets.Options{Store: st, Temporal: noTemporal{}, Entities: cache, Keys: trackcode.NewKeys([]byte("bench"))})
	if err != nil {
		b.Fatal(err)
	}
	w, err := web.New(web.Options{Store: st, Tickets: svc, Signin: in, Audit: audit, Entities: cache})
	if err != nil {
		b.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	w.Mount(r, web.Guards{})
	f := &fixture{engine: r, store: st, signin: in}
	if _, err := st.GetAccountByUsername(ctx, "coord-ksu-0"); err != nil {
		hash, _ := in.Hash(goodPassword)
		if _, err := st.CreateAccount(ctx, store.NewAccount{Username: "coord-ksu-0", Name: "منسق", Role: domain.RoleCoordinator,
			Entity: "KSU", PasswordHash: hash}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	rec := f.do("POST", "/login", url.Values{"username": {"coord-ksu-0"}, "password": {goodPassword}}, nil)
	cookies := rec.Result().Cookies()
	page := f.do("GET", "/inbox?view=all", nil, cookies)
	if page.Code != http.StatusOK {
		b.Fatalf("inbox: HTTP %d", page.Code)
	}
	list, err := svc.Inbox(ctx, signin.Actor(store.Account{Username: "coord-ksu-0", Role: domain.RoleCoordinator, Entity: "KSU"}),
		tickets.InboxQuery{View: tickets.ViewAll})
	if err != nil || len(list.Tickets) == 0 {
		b.Fatalf("the coordinator's inbox is empty (%v)", err)
	}
	number := list.Tickets[0].Number
	b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
		for _, p := range []struct{ name, path string }{
			{"inbox", "/inbox"},
			{"inbox-overdue", "/inbox?view=overdue"},
			{"ticket", "/tickets/" + number},
		} {
			b.Run(p.name, func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					start := time.Now()
					rec := httptest.NewRecorder()
					req := httptest.NewRequest("GET", p.path, nil)
					for _, c := range cookies {
						req.AddCookie(c)
					}
					r.ServeHTTP(rec, req)
					lat = append(lat, time.Since(start))
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: HTTP %d", p.path, rec.Code)
					}
				}
				slices.Sort(lat)
				at := func(q int) float64 {
					return float64(lat[max(0, (len(lat)*q+99)/100-1)]) / float64(time.Millisecond)
				}
				b.ReportMetric(at(50), "p50-ms")
				b.ReportMetric(at(95), "p95-ms")
			})
		}
	})
}
