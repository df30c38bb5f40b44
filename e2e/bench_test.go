package e2e

import (
	"fmt"
	"net/http"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIntakeHTTP files tickets through the real HTTP API (validation,
// number allocation, read-model row, workflow start, worker projecting) from
// parallel callers, on an embedded Temporal server and a SQLite read model.
//
//	go test ./e2e/ -run '^$' -bench IntakeHTTP -benchtime 2000x
func BenchmarkIntakeHTTP(b *testing.B) {
	s := start(b, "sqlite://"+b.TempDir()+"/bench.db", "sqlite")
	var seq atomic.Int64
	lat := make([]time.Duration, b.N)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1) - 1
			began := time.Now()
			r := s.do("POST", "/api/v1/tickets", "t-agent", ticketBody("KSU", fmt.Sprintf("bench %d", i)))
			if r.Status != http.StatusCreated {
				b.Errorf("create: %d %s", r.Status, r.Raw)
				return
			}
			if int(i) < len(lat) {
				lat[i] = time.Since(began)
			}
		}
	})
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
