package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// benchBank is the demo bank repeated to n entries (0: none).
func benchBank(b *testing.B, n int) []store.FAQContent {
	b.Helper()
	demo, err := seed.FAQ()
	if err != nil {
		b.Fatal(err)
	}
	out := make([]store.FAQContent, 0, n)
	for i := range n {
		c := demo[i%len(demo)]
		if i >= len(demo) {
			c.QuestionAR = fmt.Sprintf("%s (%d)", c.QuestionAR, i)
		}
		out = append(out, c)
	}
	return out
}

// slowStart is a fake Temporal whose workflow starts take a while, as a real
// server's do (BENCHMARKS.md: intake p50 11 ms unloaded).
type slowStart struct {
	*fakeTemporal
	delay time.Duration
}

func (s slowStart) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	time.Sleep(s.delay)
	return s.fakeTemporal.ExecuteWorkflow(ctx, o, wf, args...)
}

// benchAPI is an API over a fresh SQLite read model holding bank, with its
// FAQ index already loaded, and a fake Temporal starting in startDelay.
func benchAPI(b *testing.B, bank []store.FAQContent, startDelay time.Duration) *API {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := st.UpsertEntities(ctx, testEntities); err != nil {
		b.Fatal(err)
	}
	if _, err := st.EnsurePolicy(ctx, sla.Default()); err != nil {
		b.Fatal(err)
	}
	if _, err := st.SeedFAQ(ctx, bank, "bench", time.Now()); err != nil {
		b.Fatal(err)
	}
	idx := faq.New(st, nil)
	if err := idx.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	a, err := newAPI(Options{Store: st, FAQ: idx, IntakePerMinute: 1 << 30, Passwords: testPasswords},
		slowStart{fakeTemporal: &fakeTemporal{}, delay: startDelay})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkIntakeWithSuggestions files a portal ticket about a stipend: the
// difference between the bank sizes is what the suggestions in the 201 cost,
// with an instant workflow start (the search competes with the insert) and
// with a start of a few milliseconds (the search runs while it waits).
//
//	go test ./api -run '^$' -bench IntakeWithSuggestions -benchtime 300x -count 3
func BenchmarkIntakeWithSuggestions(b *testing.B) {
	body, err := json.Marshal(ticketBody())
	if err != nil {
		b.Fatal(err)
	}
	for _, start := range []time.Duration{0, 5 * time.Millisecond} {
		for _, n := range []int{0, 20, 500} {
			b.Run(fmt.Sprintf("start=%s/bank=%d", start, n), func(b *testing.B) {
				a := benchAPI(b, benchBank(b, n), start)
				for b.Loop() {
					r := httptest.NewRequest("POST", "/api/v1/tickets", bytes.NewReader(body))
					r.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					a.Handler().ServeHTTP(w, r)
					if w.Code != http.StatusCreated {
						b.Fatalf("HTTP %d: %s", w.Code, w.Body.String())
					}
				}
			})
		}
	}
}

// BenchmarkSuggest is the suggestion search alone.
func BenchmarkSuggest(b *testing.B) {
	for _, n := range []int{20, 500} {
		b.Run(fmt.Sprintf("bank=%d", n), func(b *testing.B) {
			a := benchAPI(b, benchBank(b, n), 0)
			ctx := context.Background()
			for b.Loop() {
				hits, err := a.faq.Suggest(ctx, "تأخر صرف المكافأة", "لم تُصرف مكافأة شهر فبراير حتى الآن رغم تحديث بياناتي في سفير.", suggestionCount)
				if err != nil || len(hits) == 0 {
					b.Fatalf("%v, %v", hits, err)
				}
			}
		})
	}
}
