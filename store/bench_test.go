package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// BenchmarkListTickets pages through an inbox of 10,000 tickets on SQLite
// (the development database; PostgreSQL has the same indexes).
//
//	go test ./store/ -run '^$' -bench . -benchtime 2s
func BenchmarkListTickets(b *testing.B) {
	s := newTestStore(b, DialectSQLite)
	entities := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}
	statuses := []domain.Status{domain.StatusOpen, domain.StatusOpen, domain.StatusReopened, domain.StatusAnswered, domain.StatusClosed}
	seedTickets(b, s, 10_000, func(i int, tk *Ticket) {
		tk.ResponsibleEntity = entities[i%len(entities)]
		tk.Status = statuses[i%len(statuses)]
		tk.SLADueAt = baseTime.Add(time.Duration(i*7919%10_000) * time.Minute)
	})
	ctx := context.Background()
	now := baseTime.Add(5000 * time.Minute)
	cases := []struct {
		name string
		f    TicketFilter
	}{
		{"all", TicketFilter{Scope: allScope}},
		{"pending", TicketFilter{Scope: allScope, Status: []domain.Status{domain.StatusOpen, domain.StatusReopened}}},
		{"entity+pending", TicketFilter{Scope: allScope, Entity: "C", Status: []domain.Status{domain.StatusOpen, domain.StatusReopened}}},
		{"scope3+overdue", TicketFilter{Scope: authz.Scope{Entities: []string{"A", "B", "C"}}, Overdue: true, Now: now}},
	}
	for _, c := range cases {
		// First page, then a page deep in the list (the cursor of page 10).
		b.Run(c.name+"/page1", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListTickets(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
		f := c.f
		for range 9 {
			p, err := s.ListTickets(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		b.Run(c.name+"/page10", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListTickets(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateTicket measures intake's write (number + ticket + idempotency
// key in one transaction), serially and from parallel callers, on each dialect.
func BenchmarkCreateTicket(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			s := newTestStore(b, d)
			ctx := context.Background()
			var n atomic.Int64
			create := func() error {
				idem := IdempotencyRecord{KeyHash: fmt.Sprintf("key-%d", n.Add(1)), RequestHash: "r"}
				_, _, created, err := s.CreateTicket(ctx, sampleTicket(baseTime), &idem)
				if err == nil && !created {
					err = fmt.Errorf("key %s replayed", idem.KeyHash)
				}
				return err
			}
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if err := create(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) { parallel(b, create) })
		})
	}
}
