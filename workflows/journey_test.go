package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/workflows"
)

var coordinatorKSU = workflows.Actor{ID: "user:sara", Role: domain.RoleCoordinator, Entity: "KSU"}

func ask(q string) workflows.RequestInfoRequest {
	return workflows.RequestInfoRequest{Actor: coordinatorKSU, Question: q}
}

// The clock stands still while the beneficiary is asked: filed Sunday 10:00
// with one working day (due Monday 10:00), asked Sunday 12:00 (5 working
// hours left), answered Tuesday 09:00 → due Tuesday 14:00, and the 11
// working hours it stood still are remembered.
func TestRequestInfoPausesTheClock(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	q := h.update(at(11, 22, 12, 0), workflows.UpdateRequestInfo, ask("ما رقم الطالب الجامعي؟"))
	early := h.update(at(11, 22, 13, 0), workflows.UpdateRespond, respond("KSU", "x"))
	a := h.update(at(11, 24, 9, 0), workflows.UpdateProvideInfo, workflows.ProvideInfoRequest{Answer: "441105678"})
	again := h.update(at(11, 24, 9, 30), workflows.UpdateProvideInfo, workflows.ProvideInfoRequest{Answer: "مرة أخرى"})
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()

	if q.rejected != nil || q.state.Status != domain.StatusAwaitingInfo || q.state.InfoRequest == nil {
		t.Fatalf("question: %+v", q)
	}
	if got := q.state.InfoRequest.Remaining; got != 5*time.Hour {
		t.Errorf("remaining at the question: %s, want 5h", got)
	}
	sameInstant(t, "reply window (5 days, around the clock)", q.state.InfoRequest.Until, at(11, 27, 12, 0))
	wantErrType(t, early.rejected, workflows.ErrNotAwaitingResponse)
	if a.rejected != nil || a.failed != nil || a.state.Status != domain.StatusOpen || a.state.InfoRequest != nil {
		t.Fatalf("answer: %+v", a)
	}
	sameInstant(t, "deadline after the answer", a.state.SLADueAt, at(11, 24, 14, 0))
	if a.state.PausedWorking != 11*time.Hour {
		t.Errorf("paused working time %s, want 11h (Sun 12–15, Mon 08–15, Tue 08–09)", a.state.PausedWorking)
	}
	wantErrType(t, again.rejected, workflows.ErrNotAwaitingInfo)
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) == 0 {
		t.Fatal("no escalation after the resumed deadline")
	}
	sameInstant(t, "first escalation", esc[0].At, at(11, 24, 14, 0))
	if got := h.rec.templates("beneficiary"); count(got, "info_requested") != 1 {
		t.Errorf("beneficiary messages %v: want one info_requested", got)
	}
	asked, given := h.rec.eventsOf(workflows.EventInfoAsked), h.rec.eventsOf(workflows.EventInfoGiven)
	if len(asked) != 1 || !asked[0].Public || len(given) != 1 || !given[0].Public {
		t.Errorf("question and answer are on the public timeline: %+v %+v", asked, given)
	}
}

// No answer inside the reply window closes the ticket as "no reply", with
// notice to the beneficiary.
func TestRequestInfoNoReplyCloses(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRequestInfo, ask("أرفق صورة الهوية"))
	st := h.run()
	if st.Status != domain.StatusClosed || st.ClosedAt == nil {
		t.Fatalf("final state %+v", st)
	}
	sameInstant(t, "closed when the window ends", *st.ClosedAt, at(11, 27, 12, 0))
	closed := h.rec.eventsOf(workflows.EventClosed)
	if len(closed) != 1 || closed[0].Message != "no_reply" {
		t.Fatalf("closing line %+v", closed)
	}
	if got := h.rec.templates("beneficiary"); count(got, "closed_no_reply") != 1 {
		t.Errorf("beneficiary messages %v: want one closed_no_reply", got)
	}
	if n := len(h.rec.eventsOf(workflows.EventEscalated)); n != 0 {
		t.Errorf("a paused ticket escalated %d times", n)
	}
}

// A question while a rung holds the ticket stands the rung down; the answer
// gives the rung back to its holder with the time that was left, and the
// climb goes on from there.
func TestRequestInfoDuringEscalation(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	// Level 1 (care-center manager) from Monday 10:00, due Tuesday 10:00.
	h.update(at(11, 23, 11, 0), workflows.UpdateRequestInfo, ask("هل راجعتم عمادة القبول؟"))
	a := h.update(at(11, 25, 8, 0), workflows.UpdateProvideInfo, workflows.ProvideInfoRequest{Answer: "نعم"})
	h.update(at(12, 2, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()

	sameInstant(t, "level 1 deadline after the answer (6h left)", a.state.SLADueAt, at(11, 25, 14, 0))
	if n := len(h.rec.eventsOf(workflows.EventStoodDown)); n < 1 {
		t.Errorf("the rung did not stand down for the question")
	}
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) < 2 {
		t.Fatalf("escalations %+v", esc)
	}
	sameInstant(t, "level 1", esc[0].At, at(11, 23, 10, 0))
	sameInstant(t, "level 2 once the resumed rung ran out", esc[1].At, at(11, 25, 14, 0))
	if esc[1].Level != 2 {
		t.Errorf("second escalation to level %d", esc[1].Level)
	}
}

// A policy applied after a pause recomputes the deadline from the stage's
// start and adds the paused time back: 2 working days from Sunday 10:00 is
// Tuesday 10:00, plus 11 paused hours → Wednesday 14:00.
func TestApplyPolicyKeepsPausedTime(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 12, 0), workflows.UpdateRequestInfo, ask("ما رقم الطالب الجامعي؟"))
	h.update(at(11, 24, 9, 0), workflows.UpdateProvideInfo, workflows.ProvideInfoRequest{Answer: "441105678"})
	h.applyPolicy(at(11, 24, 9, 30), newerPolicy())
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()
	esc := h.rec.eventsOf(workflows.EventEscalated)
	if len(esc) == 0 {
		t.Fatal("no escalation")
	}
	sameInstant(t, "first escalation under v8 with the pause added back", esc[0].At, at(11, 25, 14, 0))
}

// A transfer hands the ticket to another entity: escalation starts over from
// the new entity's ladder, the deadline runs on (or restarts, by policy),
// and the new entity's coordinator gets it.
func TestTransfer(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "runs on", true: "restarts"}[restart], func(t *testing.T) {
			h := newHarness(t, at(11, 22, 10, 0))
			h.edit = func(in *workflows.TicketInput) { in.Policy.TransferRestartsSLA = restart }
			to := workflows.LevelHolder{Entity: "UNIV", NameAR: "وكالة الجامعات", NameEN: "Universities"}
			manager := workflows.Actor{ID: "user:mona", Role: domain.RoleCareCenterManager, Entity: "KSU"}
			// Transferred Monday 11:00, while level 1 (KSU's manager) holds it.
			tr := h.update(at(11, 23, 11, 0), workflows.UpdateTransfer,
				workflows.TransferRequest{Actor: manager, To: to, Reason: "من اختصاص الوكالة"})
			same := h.update(at(11, 23, 11, 30), workflows.UpdateTransfer,
				workflows.TransferRequest{Actor: manager, To: to, Reason: "مرة أخرى"})
			h.update(at(12, 3, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
			h.run()

			if tr.rejected != nil || tr.failed != nil {
				t.Fatalf("transfer: %+v", tr)
			}
			st := tr.state
			if st.ResponsibleEntity != "UNIV" || st.Entity != "KSU" || st.EscalationLevel != 0 || st.AssignedTo != "user:omar" {
				t.Fatalf("after the transfer %+v", st)
			}
			wantDue := at(11, 24, 10, 0) // the running (level 1) deadline runs on
			if restart {
				wantDue = at(11, 24, 11, 0) // one working day from the transfer
			}
			sameInstant(t, "deadline after the transfer", st.SLADueAt, wantDue)
			wantErrType(t, same.rejected, workflows.ErrSameEntity)
			esc := h.rec.eventsOf(workflows.EventEscalated)
			if len(esc) < 2 || esc[1].Entity != "UNIV" {
				t.Fatalf("the climb after the transfer must start at the new entity: %+v", esc)
			}
			sameInstant(t, "level 1 at the new entity", esc[1].At, wantDue)
			if got := h.rec.templates("beneficiary"); count(got, "transferred") != 1 {
				t.Errorf("beneficiary messages %v: want one transferred", got)
			}
		})
	}
}

// Internal notes stay off the public timeline and change nothing else.
func TestInternalNote(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	n := h.update(at(11, 22, 11, 0), workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "راجعت النظام: الطلب مكرر"})
	empty := h.update(at(11, 22, 11, 5), workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU})
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "تم"))
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()
	if n.rejected != nil || n.failed != nil || n.state.Status != domain.StatusOpen {
		t.Fatalf("note: %+v", n)
	}
	notes := h.rec.eventsOf(workflows.EventNote)
	if len(notes) != 1 || notes[0].Public || notes[0].Actor.ID != coordinatorKSU.ID {
		t.Fatalf("notes %+v", notes)
	}
	wantErrType(t, empty.rejected, workflows.ErrInvalidMessage)
}

// A message that arrives with the ticket's very first task still comes after
// the filing on the timeline.
func TestMessageInTheFirstTaskFollowsTheFiling(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.update(at(11, 22, 10, 0), workflows.UpdateNote, workflows.NoteRequest{Actor: coordinatorKSU, Message: "أول ملاحظة"})
	h.update(at(11, 30, 10, 0), workflows.UpdateWithdraw, workflows.WithdrawRequest{})
	h.run()
	// Projections may reach the recorder out of order (two RecordChange
	// activities in flight at once; the store keys lines by seq), so the
	// timeline is read in seq order, as the read model keeps it.
	evs := h.rec.events()
	slices.SortFunc(evs, func(a, b workflows.Event) int { return a.Seq - b.Seq })
	if len(evs) < 2 || evs[0].Type != workflows.EventCreated || evs[0].Seq != 1 {
		t.Fatalf("the timeline must open with the filing: %+v", evs)
	}
}
