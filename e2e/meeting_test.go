package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/tawasul/tawasul/workflows"
)

// outboxTemplates counts a ticket's outbox rows by channel/template.
func (s *system) outboxTemplates(number string) map[string]int {
	r := s.must(http.StatusOK, s.do("GET", "/api/v1/outbox?limit=200&ticket="+number, "t-admin", nil))
	out := map[string]int{}
	items, _ := r.Body["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out[str(m["channel"])+"/"+str(m["template"])]++
	}
	return out
}

// A request to meet the minister, filed naming a university, goes to the
// ministry; the minister's office offers a slot (too little notice is
// refused), the beneficiary accepts it on the tracking page, the reminder
// goes out before the slot, attendance is refused before it and recorded
// after it, the ticket closes and is rated. Each message once.
func TestMinisterMeeting(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		policy := secondsPolicy("1h", "1h")
		policy["meetings"] = map[string]any{"min_notice": "4s", "confirm_window": "1h", "confirm_cutoff": "1s",
			"reminder_lead": "5s", "attendance_grace": "1h"}
		s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", policy))
		body := ticketBody("KSU", "طلب مقابلة معالي الوزير بشأن الابتعاث")
		body["kind"] = "meeting_request"
		number, code := s.fileSignedIn(body)
		path := "/api/v1/tickets/" + number
		if e := str(s.ticket(number).Body["entity"]); e != "MOE" {
			t.Fatalf("a meeting request filed to %q, want the ministry", e)
		}
		// The university's coordinator does not see it; the office does.
		s.must(http.StatusNotFound, s.do("POST", path+"/meeting/offer", "t-ksu",
			map[string]any{"at": time.Now().Add(time.Hour).Format(time.RFC3339), "place": "x"}))
		r := s.must(http.StatusUnprocessableEntity, s.do("POST", path+"/meeting/offer", "t-minister",
			map[string]any{"at": time.Now().Add(2 * time.Second).Format(time.RFC3339), "place": "مكتب معالي الوزير"}))
		if str(r.Body["code"]) != workflows.ErrMeetingTooSoon {
			t.Fatalf("too little notice: %s", r.Raw)
		}
		slot := time.Now().Add(15 * time.Second).Truncate(time.Second)
		r = s.must(http.StatusOK, s.do("POST", path+"/meeting/offer", "t-minister",
			map[string]any{"at": slot.Format(time.RFC3339), "place": "مكتب معالي الوزير، الرياض"}))
		if str(r.Body["status"]) != "meeting_offered" {
			t.Fatalf("after the offer: %s", r.Raw)
		}
		waitFor(t, 10*time.Second, "the office's calendar", func() bool {
			return containsNumber(s.must(http.StatusOK, s.do("GET", "/api/v1/tickets?view=meetings", "t-minister", nil)), number)
		})
		tr := s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+number, "", nil, "X-Tracking-Code", code))
		if m, _ := tr.Body["meeting"].(map[string]any); str(m["status"]) != workflows.MeetingOffered || str(m["place"]) == "" {
			t.Fatalf("tracking page without the offer: %s", tr.Raw)
		}
		r = s.must(http.StatusOK, s.do("POST", path+"/meeting/confirm", "", map[string]any{"accept": true}, "X-Tracking-Code", code))
		if str(r.Body["status"]) != "meeting_booked" {
			t.Fatalf("after accepting: %s", r.Raw)
		}
		r = s.must(http.StatusConflict, s.do("POST", path+"/meeting/attendance", "t-minister", map[string]any{"attended": true}))
		if str(r.Body["code"]) != workflows.ErrMeetingNotYet {
			t.Fatalf("attendance before the slot: %s", r.Raw)
		}
		waitFor(t, 20*time.Second, "the reminder", func() bool { return s.outboxTemplates(number)["sms/meeting_reminder"] == 1 })
		time.Sleep(time.Until(slot) + 100*time.Millisecond)
		s.must(http.StatusOK, s.do("POST", path+"/meeting/attendance", "t-minister", map[string]any{"attended": true, "note": "عُرض الموضوع على معاليه"}))
		waitFor(t, 10*time.Second, "closed", func() bool { return s.status(number) == "closed" })
		waitFor(t, 10*time.Second, "rating accepted", func() bool {
			return s.do("POST", path+"/rating", "", map[string]any{"rating": 5}, "X-Tracking-Code", code).Status == http.StatusOK
		})
		if m, _ := s.ticket(number).Body["meeting"].(map[string]any); str(m["status"]) != workflows.MeetingHeld {
			t.Fatalf("meeting in the read model: %v", m)
		}
		got := s.outboxTemplates(number)
		for _, k := range []string{"sms/created", "sms/meeting_offered", "sms/meeting_booked", "sms/meeting_reminder", "sms/closed",
			"sms/survey_invitation", "inbox/meeting_booked_office", "inbox/meeting_reminder_office"} {
			if got[k] != 1 {
				t.Errorf("%s: %d messages, want 1 (all: %v)", k, got[k], got)
			}
		}
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(number), "ticket_meeting")
		}
	})
}
