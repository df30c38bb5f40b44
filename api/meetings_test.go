package api

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// A request to meet the minister goes to the ministry, whatever entity the
// filing names; a named entity that does not exist is still refused.
func TestMeetingRequestsGoToTheMinistry(t *testing.T) {
	f := newFixture(t)
	meeting := func(m map[string]any) { m["kind"] = "meeting_request" }
	named := f.file("", meeting)
	if named.Entity != "MOE" || named.Kind != "meeting_request" {
		t.Fatalf("filed %+v, want it with MOE", named)
	}
	unnamed := f.file("", meeting, func(m map[string]any) { delete(m, "entity") })
	if unnamed.Entity != "MOE" {
		t.Fatalf("filed %+v without an entity, want it with MOE", unnamed)
	}
	p := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(meeting, func(m map[string]any) { m["entity"] = "NOPE" })}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if got := fieldCodes(p)["entity"]; got != fieldUnknownEntity {
		t.Errorf("entity error %q: %+v", got, p.Errors)
	}
	// Other kinds still need their entity.
	p = f.do(req{offContract: true, method: "POST", path: "/api/v1/tickets", body: ticketBody(func(m map[string]any) { delete(m, "entity") })}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if got := fieldCodes(p)["entity"]; got != fieldRequired {
		t.Errorf("entity error %q: %+v", got, p.Errors)
	}
}

// The office's and the beneficiary's meeting actions: what the API checks
// itself (fields, the slot's notice), what it hands the workflow, and how
// a workflow refusal comes back.
func TestMeetingActions(t *testing.T) {
	f := newFixture(t)
	c := f.file("", func(m map[string]any) { m["kind"] = "meeting_request" })
	var seen []client.UpdateWorkflowOptions
	refuse := ""
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		seen = append(seen, o)
		if refuse != "" {
			return nil, temporal.NewApplicationError("refused", refuse)
		}
		st := stateFor(c.Number)
		st.Status = domain.StatusMeetingOffered
		return st, nil
	}
	base := "/api/v1/tickets/" + c.Number + "/meeting/"
	office := testTokens["minister"]
	slot := f.clock.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)

	for _, tc := range []struct {
		body  map[string]any
		field string
		code  string
	}{
		{map[string]any{"place": "مكتب معالي الوزير"}, "at", fieldRequired},
		{map[string]any{"at": "next tuesday", "place": "مكتب معالي الوزير"}, "at", fieldInvalidValue},
		{map[string]any{"at": f.clock.Now().Add(-time.Hour).Format(time.RFC3339), "place": "مكتب"}, "at", fieldOutOfRange},
		{map[string]any{"at": slot.Format(time.RFC3339)}, "place", fieldRequired},
	} {
		p := f.do(req{offContract: true, method: "POST", path: base + "offer", token: office, body: tc.body}).
			expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if got := fieldCodes(p)[tc.field]; got != tc.code {
			t.Errorf("%v: %s error %q, want %q (%+v)", tc.body, tc.field, got, tc.code, p.Errors)
		}
	}
	if len(seen) != 0 {
		t.Fatalf("invalid offers reached the workflow: %d", len(seen))
	}
	// A coordinator of a university is no one to offer the minister's time.
	f.do(req{method: "POST", path: base + "offer", token: testTokens["coord-ksu"],
		body: map[string]any{"at": slot.Format(time.RFC3339), "place": "مكتب"}}).expect(http.StatusNotFound)

	local := slot.In(time.FixedZone("AST", 3*3600)).Format(time.RFC3339)
	f.do(req{method: "POST", path: base + "offer", token: office,
		body: map[string]any{"at": local, "place": "  مكتب معالي الوزير، الرياض  "}}).expect(http.StatusOK)
	if len(seen) != 1 || seen[0].UpdateName != workflows.UpdateOfferMeeting {
		t.Fatalf("updates %+v", seen)
	}
	o, ok := seen[0].Args[0].(workflows.OfferMeetingRequest)
	if !ok || !o.At.Equal(slot) || o.At.Location() != time.UTC || o.Place != "مكتب معالي الوزير، الرياض" ||
		o.Actor.Role != domain.RoleMinisterOffice {
		t.Errorf("offer %+v", seen[0].Args)
	}

	// The beneficiary answers with the tracking code.
	code := map[string]string{"X-Tracking-Code": c.TrackingCode}
	p := f.do(req{offContract: true, method: "POST", path: base + "confirm", headers: code, body: map[string]any{}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if fieldCodes(p)["accept"] != fieldRequired {
		t.Errorf("accept: %+v", p.Errors)
	}
	p = f.do(req{method: "POST", path: base + "confirm", headers: code, body: map[string]any{"accept": false}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if fieldCodes(p)["reason"] != fieldRequired {
		t.Errorf("reason: %+v", p.Errors)
	}
	r := f.do(req{method: "POST", path: base + "confirm", headers: code, body: map[string]any{"accept": true}})
	r.expect(http.StatusOK)
	var pub actionJSON
	r.json(&pub)
	if pub.Status != domain.StatusMeetingOffered || pub.Number != c.Number {
		t.Errorf("public state %+v", pub)
	}
	if cm, ok := seen[len(seen)-1].Args[0].(workflows.ConfirmMeetingRequest); !ok || !cm.Accept {
		t.Errorf("confirm %+v", seen[len(seen)-1].Args)
	}

	p = f.do(req{offContract: true, method: "POST", path: base + "attendance", token: office, body: map[string]any{"note": "x"}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if fieldCodes(p)["attended"] != fieldRequired {
		t.Errorf("attended: %+v", p.Errors)
	}
	refuse = workflows.ErrMeetingTooSoon
	f.do(req{method: "POST", path: base + "offer", token: office, body: map[string]any{"at": local, "place": "مكتب"}}).
		expectProblem(http.StatusUnprocessableEntity, codeMeetingTooSoon)
	refuse = workflows.ErrMeetingNotYet
	f.do(req{method: "POST", path: base + "attendance", token: office, body: map[string]any{"attended": true}}).
		expectProblem(http.StatusConflict, codeMeetingNotYet)
	refuse = workflows.ErrNoMeetingOffer
	f.do(req{method: "POST", path: base + "confirm", headers: code, body: map[string]any{"accept": true}}).
		expectProblem(http.StatusConflict, codeNoMeetingOffer)
	refuse = workflows.ErrNotMeetingRequest
	f.do(req{method: "POST", path: base + "decline", token: office, body: map[string]any{"reason": "يُحال"}}).
		expectProblem(http.StatusConflict, codeNotMeetingRequest)
}

// view=meetings is the office's calendar: slots offered or booked, soonest
// first, paged by meeting time.
func TestMeetingsView(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t0 := f.clock.Now().UTC().Truncate(time.Second)
	var numbers []string
	for i, st := range []struct {
		status  domain.Status
		meeting string
		in      time.Duration
	}{
		{domain.StatusMeetingBooked, workflows.MeetingBooked, 9 * 24 * time.Hour},
		{domain.StatusMeetingOffered, workflows.MeetingOffered, 3 * 24 * time.Hour},
		{domain.StatusClosed, workflows.MeetingHeld, 1 * 24 * time.Hour},
		{domain.StatusMeetingOffered, workflows.MeetingOffered, 5 * 24 * time.Hour},
	} {
		c := f.file("", func(m map[string]any) { m["kind"] = "meeting_request" })
		numbers = append(numbers, c.Number)
		at := t0.Add(st.in)
		err := f.store.ApplyChange(ctx, store.TicketChange{Number: c.Number, Version: int64(i + 1), Status: st.status,
			ResponsibleEntity: "MOE", SLADueAt: t0, MeetingStatus: st.meeting, MeetingAt: &at, MeetingPlace: "مكتب"})
		if err != nil {
			t.Fatal(err)
		}
	}
	l := f.list(testTokens["minister"], "?view=meetings&limit=2")
	var got []string
	for _, it := range l.Items {
		got = append(got, it.Number)
		if it.Meeting == nil || it.Meeting.At == nil || it.Meeting.Place != "مكتب" {
			t.Errorf("item without its meeting: %+v", it)
		}
	}
	if l.NextCursor == "" {
		t.Fatal("no second page")
	}
	for _, it := range f.list(testTokens["minister"], "?view=meetings&limit=2&cursor="+l.NextCursor).Items {
		got = append(got, it.Number)
	}
	// Soonest first: in 3 days, 5, 9; the meeting already held is not listed.
	want := []string{numbers[1], numbers[3], numbers[0]}
	if !slices.Equal(got, want) {
		t.Errorf("meetings %v, want %v", got, want)
	}
	if items := f.list(testTokens["coord-ksu"], "?view=meetings").Items; len(items) != 0 {
		t.Errorf("a university coordinator sees the minister's meetings: %+v", items)
	}
}
