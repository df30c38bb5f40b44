package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// TestCountTicketsAgreesWithList: each count is the number of rows the same
// filter lists, up to the limit, and a scope that matches nothing counts 0
// without failing the others.
func TestCountTicketsAgreesWithList(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		statuses := []domain.Status{domain.StatusOpen, domain.StatusReopened, domain.StatusAnswered,
			domain.StatusAwaitingInfo, domain.StatusClosed}
		seedTickets(t, s, 40, func(i int, tk *Ticket) {
			tk.Status = statuses[i%len(statuses)]
			if i%3 == 0 {
				tk.ResponsibleEntity, tk.Entity = "UNI-KAU", "UNI-KAU"
			}
			if i%4 == 0 {
				tk.AssignedTo = "user:coord"
			}
		})
		pending := []domain.Status{domain.StatusOpen, domain.StatusReopened}
		ksu := authz.Scope{Entities: []string{"UNI-KSU"}}
		filters := []TicketFilter{
			{Scope: allScope},
			{Scope: allScope, Status: pending},
			{Scope: ksu, Status: pending},
			{Scope: ksu, Status: pending, AssignedTo: "user:coord"},
			{Scope: ksu, Status: pending, Unassigned: true},
			{Scope: allScope, Status: []domain.Status{domain.StatusAwaitingInfo}},
			{Scope: allScope, Overdue: true, Now: baseTime.Add(5 * time.Minute)},
			{}, // the zero scope matches nothing
			{Scope: authz.Scope{Entities: []string{"NOWHERE"}}},
		}
		for _, limit := range []int{1000, 5} {
			got, err := s.CountTickets(ctx, filters, limit)
			if err != nil {
				t.Fatalf("CountTickets: %v", err)
			}
			if len(got) != len(filters) {
				t.Fatalf("%d counts for %d filters", len(got), len(filters))
			}
			for i, f := range filters {
				f.Limit = 200
				listed, _ := listAll(t, s, f)
				want := min(len(listed), limit)
				if got[i] != want {
					t.Errorf("limit %d, filter %d (%+v): count %d, want %d", limit, i, f, got[i], want)
				}
			}
			if got[0] != min(40, limit) {
				t.Errorf("limit %d: all counted %d of 40", limit, got[0])
			}
		}
	})
}

func TestCountTicketsNoFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		got, err := s.CountTickets(context.Background(), []TicketFilter{{}}, 0)
		if err != nil || fmt.Sprint(got) != "[0]" {
			t.Fatalf("CountTickets of a scope matching nothing: %v, %v", got, err)
		}
	})
}
