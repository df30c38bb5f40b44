package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/tawasul/tawasul/workflows"
)

// After closing, the beneficiary rates the service through the tracking
// code; a 2 opens a quality follow-up that the supervisor finds in the
// follow-up queue and closes; a second rating is refused.
func TestSurveyAndFollowUp(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		// A 2-second objection window so the answer closes the ticket quickly.
		s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("1h", "2s")))
		number, code := s.file(ticketBody("KSU", "تأخر صرف المكافأة"))
		path := "/api/v1/tickets/" + number
		r := s.must(http.StatusConflict, s.do("POST", path+"/rating", "", map[string]any{"rating": 4}, "X-Tracking-Code", code))
		if str(r.Body["code"]) != workflows.ErrNotRateable {
			t.Fatalf("rating before closing: %s", r.Raw)
		}
		s.must(http.StatusOK, s.do("POST", path+"/responses", "t-ksu", map[string]any{"message": "تم الصرف"}))
		waitFor(t, 15*time.Second, "closed after the objection window", func() bool { return s.status(number) == "closed" })

		s.must(http.StatusUnprocessableEntity, s.do("POST", path+"/rating", "", offContract{map[string]any{"rating": 9}}, "X-Tracking-Code", code))
		// The survey starts when the ticket closes; the rating may race it by a moment.
		waitFor(t, 10*time.Second, "rating accepted", func() bool {
			return s.do("POST", path+"/rating", "", map[string]any{"rating": 2, "comment": "تأخر كثيراً"}, "X-Tracking-Code", code).Status == http.StatusOK
		})
		r = s.must(http.StatusConflict, s.do("POST", path+"/rating", "", map[string]any{"rating": 5}, "X-Tracking-Code", code))
		if str(r.Body["code"]) != workflows.ErrNotRateable {
			t.Fatalf("second rating: %s", r.Raw)
		}
		waitFor(t, 10*time.Second, "follow-up in the read model", func() bool {
			return containsNumber(s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?view=follow_ups", "t-supervisor", nil)), number)
		})
		if tk := s.ticket(number); num(tk.Body["rating"]) != 2 || str(tk.Body["follow_up_status"]) != "open" {
			t.Fatalf("ticket after the rating: %s", tk.Raw)
		}
		s.must(http.StatusForbidden, s.do("POST", path+"/follow-up/close", "t-ksu", map[string]any{"note": "x"}))
		s.must(http.StatusOK, s.do("POST", path+"/follow-up/close", "t-supervisor", map[string]any{"note": "اتصلنا بالمستفيد واعتذرنا"}))
		waitFor(t, 10*time.Second, "follow-up closed", func() bool { return str(s.ticket(number).Body["follow_up_status"]) == "done" })
		r = s.must(http.StatusConflict, s.do("POST", path+"/follow-up/close", "t-supervisor", map[string]any{"note": "again"}))
		if str(r.Body["code"]) != workflows.ErrNoFollowUp {
			t.Fatalf("second close: %s", r.Raw)
		}
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(number), "ticket_survey_follow_up")
		}
	})
}
