package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/tawasul/tawasul/workflows"
)

// assignee reads who works a ticket now, from the read model through the API.
func (s *system) assignee(number string) string { return str(s.ticket(number).Body["assigned_to"]) }

// login opens a session for an account and returns its access token.
func (s *system) login(username, password string) string {
	r := s.must(http.StatusOK, s.do("POST", "/api/v1/auth/login", "", map[string]any{"username": username, "password": password}))
	return str(r.Body["access_token"])
}

// New tickets go to the least-loaded coordinator of their entity; a
// coordinator claims one, the care-center manager hands one to a colleague,
// and each coordinator's "assigned" inbox holds exactly their work.
func TestAssignment(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		const pw = "a long enough password"
		for _, a := range []map[string]any{
			{"username": "ksu-amal", "name": "أمل", "role": "coordinator", "entity": "KSU", "password": pw},
			{"username": "ksu-badr", "name": "بدر", "role": "coordinator", "entity": "KSU", "password": pw},
			{"username": "ksu-manager", "name": "منيرة", "role": "care_center_manager", "entity": "KSU", "password": pw},
			{"username": "kau-coord", "name": "خالد", "role": "coordinator", "entity": "KAU", "password": pw},
		} {
			s.must(http.StatusCreated, s.do("POST", "/api/v1/accounts", "t-admin", a))
		}

		// Filed one after another (each assignment lands before the next
		// filing counts loads): the work alternates, ties going by username.
		var numbers []string
		for i, want := range []string{"user:ksu-amal", "user:ksu-badr", "user:ksu-amal", "user:ksu-badr"} {
			n, _ := s.file(ticketBody("KSU", "طلب معادلة شهادة"))
			waitFor(t, 10*time.Second, "automatic assignment", func() bool { return s.assignee(n) != "" })
			if got := s.assignee(n); got != want {
				t.Fatalf("ticket %d went to %s, want %s (least loaded)", i+1, got, want)
			}
			numbers = append(numbers, n)
		}

		// A coordinator (here a configured token) takes the first ticket.
		r := s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/claim", "t-ksu", nil))
		if str(r.Body["assigned_to"]) != "ksu-coordinator" {
			t.Fatalf("claim: %s", r.Raw)
		}
		// Another entity's coordinator cannot even see it.
		s.must(http.StatusNotFound, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/claim", "t-kau", nil))

		// The manager hands it to Badr; not to a coordinator of another entity.
		manager := s.login("ksu-manager", pw)
		bad := s.must(http.StatusUnprocessableEntity, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/assignment", manager,
			map[string]any{"assignee": "kau-coord"}))
		if str(bad.Body["code"]) != "validation_failed" {
			t.Fatalf("assignment outside the entity: %s", bad.Raw)
		}
		s.must(http.StatusForbidden, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/assignment", "t-ksu",
			map[string]any{"assignee": "ksu-badr"}))
		s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/assignment", manager,
			map[string]any{"assignee": "ksu-badr", "note": "خبرة في المعادلات"}))
		waitFor(t, 10*time.Second, "reassignment in the read model", func() bool { return s.assignee(numbers[0]) == "user:ksu-badr" })

		badr := s.login("ksu-badr", pw)
		mine := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?view=assigned", badr, nil))
		for _, n := range []string{numbers[0], numbers[1], numbers[3]} {
			if !containsNumber(mine, n) {
				t.Fatalf("Badr's assigned inbox lacks %s: %s", n, mine.Raw)
			}
		}
		if containsNumber(mine, numbers[2]) {
			t.Fatalf("Badr's assigned inbox holds Amal's %s", numbers[2])
		}
		loads := s.must(http.StatusOK, s.do("GET", "/api/v1/coordinators?entity=KSU", manager, nil))
		if items, _ := loads.Body["items"].([]any); len(items) != 2 {
			t.Fatalf("KSU's coordinators: %s", loads.Raw)
		}

		// Answered: nothing left to assign.
		s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/responses", badr, map[string]any{"message": "تمت المعادلة"}))
		r = s.must(http.StatusConflict, s.do("POST", "/api/v1/tickets/"+numbers[0]+"/claim", "t-ksu", nil))
		if str(r.Body["code"]) != workflows.ErrNotAwaitingResponse {
			t.Fatalf("claim after the answer: %s", r.Raw)
		}
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(numbers[0]), "ticket_assigned")
		}
	})
}
