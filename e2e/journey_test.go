package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/workflows"
)

// A question to the beneficiary, the answer through the tracking code, an
// internal note, a transfer to the entity it belongs to and that entity's
// answer: the timeline has each stage once, the tracking page shows the
// question and hides the note.
func TestInfoRequestNoteAndTransfer(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		number, code := s.file(ticketBody("KSU", "طلب تصديق وثيقة"))
		path := "/api/v1/tickets/" + number

		s.must(http.StatusOK, s.do("POST", path+"/notes", "t-ksu", map[string]any{"message": "INTERNAL: يبدو أنه من اختصاص جامعة الملك عبدالعزيز"}))
		r := s.must(http.StatusOK, s.do("POST", path+"/info-requests", "t-ksu", map[string]any{"question": "ما اسم الكلية التي تخرجت منها؟"}))
		if str(r.Body["status"]) != "awaiting_info" {
			t.Fatalf("after the question: %s", r.Raw)
		}
		waitFor(t, 10*time.Second, "awaiting_info in the read model", func() bool { return s.status(number) == "awaiting_info" })
		// Staff cannot answer while the beneficiary is asked.
		s.must(http.StatusConflict, s.do("POST", path+"/responses", "t-ksu", map[string]any{"message": "x"}))

		tr := s.must(http.StatusOK, s.do("GET", "/api/v1/track/"+number, "", nil, "X-Tracking-Code", code))
		if !strings.Contains(string(tr.Raw), "ما اسم الكلية") || strings.Contains(string(tr.Raw), "INTERNAL") {
			t.Fatalf("tracking page must show the question and hide the note: %s", tr.Raw)
		}
		s.must(http.StatusNotFound, s.do("POST", path+"/info", "", map[string]any{"answer": "x"}, "X-Tracking-Code", "WRONG"))
		r = s.must(http.StatusOK, s.do("POST", path+"/info", "", map[string]any{"answer": "كلية الهندسة"}, "X-Tracking-Code", code))
		if str(r.Body["status"]) != "open" {
			t.Fatalf("after the answer: %s", r.Raw)
		}
		r = s.must(http.StatusConflict, s.do("POST", path+"/info", "", map[string]any{"answer": "مرة أخرى"}, "X-Tracking-Code", code))
		if str(r.Body["code"]) != workflows.ErrNotAwaitingInfo {
			t.Fatalf("a second answer: %s", r.Raw)
		}

		// KAU's coordinator cannot see it yet; after the transfer it can answer.
		s.must(http.StatusNotFound, s.do("POST", path+"/responses", "t-kau", map[string]any{"message": "x"}))
		s.must(http.StatusUnprocessableEntity, s.do("POST", path+"/transfer", "t-ksu", map[string]any{"entity": "NOPE", "reason": "x"}))
		r = s.must(http.StatusOK, s.do("POST", path+"/transfer", "t-ksu", map[string]any{"entity": "KAU", "reason": "الوثيقة صادرة من جامعة الملك عبدالعزيز"}))
		if str(r.Body["responsible_entity"]) != "KAU" {
			t.Fatalf("after the transfer: %s", r.Raw)
		}
		r = s.must(http.StatusConflict, s.do("POST", path+"/transfer", "t-kau", map[string]any{"entity": "KAU", "reason": "x"}))
		if str(r.Body["code"]) != workflows.ErrSameEntity {
			t.Fatalf("a transfer to the holder: %s", r.Raw)
		}
		waitFor(t, 10*time.Second, "the transfer in the read model", func() bool {
			return str(s.ticket(number).Body["responsible_entity"]) == "KAU"
		})
		inbox := s.must(http.StatusOK, s.do("GET", "/api/v1/tickets", "t-kau", nil))
		if !containsNumber(inbox, number) {
			t.Fatalf("KAU's inbox lacks the transferred ticket: %s", inbox.Raw)
		}
		s.must(http.StatusOK, s.do("POST", path+"/responses", "t-kau", map[string]any{"message": "تم تصديق الوثيقة"}))
		waitFor(t, 10*time.Second, "answered", func() bool { return s.status(number) == "answered" })

		got := strings.Join(timelineTypes(s.ticket(number)), ",")
		if got != "created,note,info_requested,info_provided,transferred,responded" {
			t.Fatalf("timeline: %s", got)
		}
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.TicketWorkflowID(number), "ticket_info_transfer")
		}
	})
}
