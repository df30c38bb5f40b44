package workflows_test

import (
	"slices"
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

func assignTo(by, to workflows.Actor) workflows.AssignRequest {
	return workflows.AssignRequest{Actor: by, To: to}
}

// A new ticket goes to the coordinator the activity suggests, recorded as an
// internal timeline line with the filing; a manager then reassigns it, a
// repeated assignment changes nothing, and the answer ends all assigning.
func TestAssignment(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	manager := workflows.Actor{ID: "user:mona", Role: domain.RoleCareCenterManager, Entity: "KSU"}
	huda := workflows.Actor{ID: "user:huda", Role: domain.RoleCoordinator, Entity: "KSU"}
	re := h.update(at(11, 22, 11, 0), workflows.UpdateAssign, assignTo(manager, huda))
	again := h.update(at(11, 22, 11, 30), workflows.UpdateAssign, assignTo(manager, huda))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
	late := h.update(at(11, 22, 13, 0), workflows.UpdateAssign, assignTo(manager, coordinators["KSU"]))
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()

	first := h.rec.changes[0]
	if first.State.AssignedTo != "user:sara" || first.State.AssignedAt == nil {
		t.Fatalf("first projection not assigned to the suggested coordinator: %+v", first.State)
	}
	if len(first.Events) != 2 || first.Events[0].Type != workflows.EventCreated || first.Events[1].Type != workflows.EventAssigned {
		t.Fatalf("the filing and its assignment are projected together: %+v", first.Events)
	}
	if re.rejected != nil || re.failed != nil || re.state.AssignedTo != "user:huda" {
		t.Fatalf("reassignment: %+v", re)
	}
	if again.rejected != nil || again.failed != nil || again.state.AssignedTo != "user:huda" {
		t.Fatalf("repeated assignment: %+v", again)
	}
	assigned := h.rec.eventsOf(workflows.EventAssigned)
	if len(assigned) != 2 {
		t.Fatalf("want 2 assignment lines (automatic, reassignment), got %+v", assigned)
	}
	if assigned[0].Actor.ID != workflows.SystemActor.ID || assigned[1].Actor.ID != manager.ID {
		t.Errorf("assignment actors: %+v", assigned)
	}
	for _, e := range assigned {
		if e.Public {
			t.Errorf("assignment is internal, shown to the beneficiary: %+v", e)
		}
	}
	wantErrType(t, late.rejected, workflows.ErrNotAwaitingResponse)
	// The beneficiary hears once that the ticket was taken up, not of the
	// hand-over; the coordinator a manager chose hears of it, in-app.
	if got := h.rec.templates("beneficiary"); count(got, "assigned") != 1 {
		t.Errorf("beneficiary messages %v: want one \"assigned\"", got)
	}
	var notices []string
	for _, n := range h.rec.notes {
		if n.Template == "ticket_assigned" {
			if n.Channel != "inbox" || n.Audience != "official" {
				t.Errorf("assignee notice not in-app: %+v", n)
			}
			notices = append(notices, n.Recipient)
		}
	}
	// The automatic assignment (by the system) is news to sara; the repeated
	// assignment to huda changes nothing and tells nobody again.
	want := []string{domain.PersonRecipient("user:sara"), domain.PersonRecipient(huda.ID)}
	if !slices.Equal(notices, want) {
		t.Errorf("assignee notices %v, want %v", notices, want)
	}
}

// An objection moves the ticket to the reviewing entity, whose own
// coordinator gets the review.
func TestReviewIsReassigned(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
	h.update(at(11, 23, 9, 0), workflows.UpdateObject, workflows.ObjectRequest{Reason: "لم يُحل"})
	h.update(at(11, 23, 12, 0), workflows.UpdateRespond, respond("UNIV", "نُظر في الاعتراض"))
	st := h.run()
	if st.AssignedTo != "user:omar" || st.ResponsibleEntity != "UNIV" {
		t.Fatalf("review not with the reviewing entity's coordinator: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventAssigned)); n != 2 {
		t.Fatalf("want 2 assignments (filing, review), got %d", n)
	}
}

// Without a suggestion (the lookup keeps failing, or the entity has no
// coordinator accounts) the ticket waits unassigned and its SLA runs as usual.
func TestNoAssigneeDoesNotHoldTheTicket(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.rec.failMany[workflows.ActivitySuggestAssignee] = 1000 // every attempt
	h.update(at(11, 24, 11, 0), workflows.UpdateRespond, respond("KSU", "تم"))
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	st := h.run()
	if st.AssignedTo != "" {
		t.Fatalf("assigned although the suggestion failed: %+v", st)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 2 {
		t.Fatalf("the SLA must run as usual: want 2 escalations, got %d", n)
	}
}
