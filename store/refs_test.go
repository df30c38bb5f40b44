package store

import (
	"context"
	"testing"
	"time"
)

func TestTicketRefsBySubject(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, subj := range []string{"شكوى [lg-ab-000001]", "استفسار [lg-ab-000002]", "x [lg-abc-000001]", "100% [lgXab-000003]"} {
			nt := sampleTicket(baseTime.Add(time.Hour))
			nt.Subject = subj
			mustCreate(t, s, nt)
		}
		if err := s.MarkWorkflowStarted(ctx, "2026-000002"); err != nil {
			t.Fatal(err)
		}
		// Ticket 2's workflow has recorded it (version 1); ticket 1's has not.
		if err := s.ApplyChange(ctx, TicketChange{Number: "2026-000002", Version: 1, Status: "open",
			ResponsibleEntity: "A", SLADueAt: baseTime.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.TicketRefsBySubject(ctx, "[lg-ab-")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Number != "2026-000001" || got[1].Number != "2026-000002" {
			t.Fatalf("refs = %+v; want tickets 1 and 2", got)
		}
		if got[0].WorkflowStarted || !got[1].WorkflowStarted || got[0].Status != "open" || got[1].Subject != "استفسار [lg-ab-000002]" ||
			got[0].Version != 0 || got[1].Version != 1 {
			t.Fatalf("ref fields = %+v", got)
		}
		// An underscore or percent sign in the fragment is a literal, not a wildcard.
		if got, err := s.TicketRefsBySubject(ctx, "[lg_ab-"); err != nil || len(got) != 0 {
			t.Fatalf("underscore matched as a wildcard: %+v %v", got, err)
		}
		if got, err := s.TicketRefsBySubject(ctx, "100%"); err != nil || len(got) != 1 {
			t.Fatalf("literal percent: %+v %v", got, err)
		}
	})
}
