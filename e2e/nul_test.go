package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

// Issue 15, item 1, on PostgreSQL (which refuses a NUL in text): a ticket
// filed, noted and withdrawn with "\u0000" in every text reaches
// `withdrawn` in the read model, the withdrawal answering at once (it was
// a 503 after 10 s, the projection retrying forever). A NUL that bypasses
// the API (a signal sent to the Temporal frontend directly, sealed by a
// process holding the payload keys) is refused by
// the database, and the ticket is not jammed by it: the timeline says what
// was not recorded, and the withdrawal still lands.
func TestNULTextDoesNotJamATicketOnPostgres(t *testing.T) {
	s := start(t, pgSchema(t), "postgres")
	body := ticketBody("KSU", "شهادة\u0000 التخرج")
	body["description"] = "\u0000لم تصدر"
	benef := body["beneficiary"].(map[string]any)
	benef["name"] = "سارة\u0000"
	number, code := s.file(body)
	path := "/api/v1/tickets/" + number
	s.must(http.StatusOK, s.do("POST", path+"/notes", "t-ksu", map[string]any{"message": "ملاحظة\u0000"}))

	// Sealed with the system's keys: an unsealed signal would be dropped
	// before any text check (sealed_test.go); this one reaches the workflow
	// past the API's.
	c := s.app.Client
	note := workflows.NoteRequest{Actor: workflows.Actor{ID: "user:x", Role: domain.RoleCoordinator, Entity: "KSU"}, Message: "\x00"}
	if err := c.SignalWorkflow(context.Background(), workflows.TicketWorkflowID(number), "", workflows.UpdateNote, note); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the refused note's stand-in on the timeline", func() bool {
		return slices.Contains(timelineTypes(s.ticket(number)), workflows.EventNotRecorded)
	})

	s.must(http.StatusOK, s.do("POST", path+"/withdrawal", "", map[string]any{"reason": "\u0000"}, "X-Tracking-Code", code))
	waitFor(t, 20*time.Second, "withdrawn in the read model", func() bool { return s.status(number) == "withdrawn" })
	types := timelineTypes(s.ticket(number))
	if n := len(slices.DeleteFunc(slices.Clone(types), func(x string) bool { return x != workflows.EventNote })); n != 1 {
		t.Fatalf("timeline %v: want the API's note only (the signal's was refused)", types)
	}
}
