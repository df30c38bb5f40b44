package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// RespondRequest answers the ticket (coordinator, or whoever holds the level).
type RespondRequest struct {
	Actor   Actor  `json:"actor"`
	Message string `json:"message"`
}

func (t *ticket) validateRespond(ctx workflow.Context, req RespondRequest) error {
	switch {
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	case !t.st.Status.Pending():
		return refuse(ErrNotAwaitingResponse, "the ticket has been answered and is not awaiting a response")
	case req.Message == "":
		return refuse(ErrInvalidMessage, "a response needs a message")
	case req.Actor.ID == "":
		return refuse(ErrInvalidMessage, "a response needs an actor")
	case t.st.Round > 0 && req.Actor.Entity == t.st.ReviewOf && domain.LadderScope(req.Actor.Role) == domain.ScopeEntity &&
		req.Actor.Role != domain.RoleAdmin:
		return refuse(ErrNotResponsible, "the entity whose answer is under objection cannot answer its review")
	}
	return nil
}

func (t *ticket) respond(ctx workflow.Context, req RespondRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	until, err := t.in.Policy.ObjectionDeadline(now)
	if err != nil {
		return t.st, fmt.Errorf("computing the objection window: %w", err)
	}
	t.st.Responses = append(t.st.Responses, Response{Round: t.st.Round, Actor: req.Actor, Message: req.Message, At: now})
	t.st.RespondedAt = &now
	t.event(ctx, Event{Type: EventResponded, Actor: req.Actor, Entity: req.Actor.Entity, Public: true, Message: req.Message})
	if t.st.Round == 0 {
		t.st.Status = domain.StatusAnswered
		t.st.ObjectionUntil = &until
		t.notifyBeneficiary("answered", map[string]string{"objection_until": until.Format(time.RFC3339)})
	} else {
		// The review of an objection is final: there is no second objection.
		t.close(ctx, "closed_after_review")
	}
	t.changes++
	return t.st, t.flush(ctx)
}

// Response is one answer given on the ticket.
type Response struct {
	Round   int       `json:"round"`
	Actor   Actor     `json:"actor"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// ObjectRequest is the beneficiary's objection to an answer.
type ObjectRequest struct {
	Reason string `json:"reason"`
	// Via is the credential behind the request (Actor.Via).
	Via Credential `json:"via,omitzero"`
}

func (t *ticket) validateObject(ctx workflow.Context, req ObjectRequest) error {
	switch {
	case t.st.Objected:
		return refuse(ErrAlreadyObjected, "the beneficiary has already objected once")
	case t.st.Status == domain.StatusWithdrawn:
		return refuse(ErrTicketClosed, "the ticket was withdrawn")
	case t.st.Status == domain.StatusClosed:
		return refuse(ErrObjectionWindowClosed, "the objection window has closed")
	case t.st.Status != domain.StatusAnswered:
		return refuse(ErrNothingToObject, "there is no answer to object to yet")
	case t.st.ObjectionUntil != nil && !workflow.Now(ctx).Before(*t.st.ObjectionUntil):
		return refuse(ErrObjectionWindowClosed, "the objection window has closed")
	case req.Reason == "":
		return refuse(ErrInvalidMessage, "an objection needs a reason")
	}
	return nil
}

func (t *ticket) object(ctx workflow.Context, req ObjectRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	due, err := t.in.Policy.Calendar.Due(now, t.in.Policy.ObjectionReview, t.st.Clock)
	if err != nil {
		return t.st, fmt.Errorf("computing the review deadline: %w", err)
	}
	// The review goes one level above whoever answered.
	answering := t.answeringEntity()
	// Take the objection synchronously, before any await: the window's timer
	// stops now, and a second objection or a late close cannot slip in while
	// the reviewer is looked up.
	t.st.Objected = true
	t.st.ReviewOf = answering
	t.st.ObjectionUntil = nil
	t.st.Status = domain.StatusReopened
	t.st.Round = 1
	t.st.SLADueAt = due
	t.st.StageStart, t.st.PausedWorking = now, 0
	t.st.EscalationLevel, t.st.EscalationRole, t.st.EscalationEntity = 0, "", ""
	t.ladder = sla.ReviewLadder(t.in.Policy.Ladder)
	t.breached, t.atTop = false, false
	t.event(ctx, Event{Type: EventObjected, Actor: t.beneficiaryActor(req.Via), Public: true, Message: req.Reason})
	t.changes++

	var reviewer LevelHolder
	if err := step(ctx, ActivityReviewEntity, answering).Get(ctx, &reviewer); err != nil {
		// Only a non-retryable failure (an entity gone from the hierarchy) gets
		// here: the answering entity reviews rather than nobody.
		workflow.GetLogger(ctx).Error("no reviewer found; the answering entity reviews", "entity", answering, "error", err.Error())
		reviewer = LevelHolder{Entity: answering, NameEN: answering}
	}
	// A withdrawal or the review's answer may have come meanwhile.
	if t.st.Status == domain.StatusReopened {
		t.st.ResponsibleEntity = reviewer.Entity
		t.event(ctx, Event{Type: EventReopened, Actor: SystemActor, Entity: reviewer.Entity, Public: true,
			Message: "objection under review by " + reviewer.NameEN})
		t.notifyBeneficiary("reopened", map[string]string{"entity": reviewer.Entity})
		t.changes++
		// The reviewing entity's own coordinator works the review.
		t.st.AssignedTo, t.st.AssignedAt = "", nil
		t.autoAssign(ctx, reviewer.Entity)
	}
	return t.st, t.flush(ctx)
}

// answeringEntity is the entity that gave the last answer: the one an
// objection's review goes above, and whose care-center manager follows a low
// rating up. An answer by an actor of no entity counts as the holder's.
func (t *ticket) answeringEntity() string {
	if n := len(t.st.Responses); n > 0 && t.st.Responses[n-1].Actor.Entity != "" {
		return t.st.Responses[n-1].Actor.Entity
	}
	return t.st.ResponsibleEntity
}

// awaitObjectionWindow closes the ticket when the window passes with no objection.
func (t *ticket) awaitObjectionWindow(ctx workflow.Context) error {
	seen := t.changes
	changed := func() bool { return t.changes != seen || t.tooLong(ctx) }
	if t.st.ObjectionUntil == nil {
		return workflow.Await(ctx, changed)
	}
	fired, err := t.sleepUntil(ctx, *t.st.ObjectionUntil, changed)
	if err != nil || !fired {
		return err
	}
	t.close(ctx, "objection_window_passed")
	return t.flush(ctx)
}

// WithdrawRequest is the beneficiary withdrawing the ticket.
type WithdrawRequest struct {
	Reason string `json:"reason,omitempty"`
	// Via is the credential behind the request (Actor.Via).
	Via Credential `json:"via,omitzero"`
}

func (t *ticket) validateWithdraw(ctx workflow.Context, req WithdrawRequest) error {
	if t.st.Status.Final() {
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	}
	return nil
}

func (t *ticket) withdraw(ctx workflow.Context, req WithdrawRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	t.st.Status = domain.StatusWithdrawn
	t.st.ClosedAt = &now
	t.st.ObjectionUntil = nil
	t.event(ctx, Event{Type: EventWithdrawn, Actor: t.beneficiaryActor(req.Via), Public: true, Message: req.Reason})
	t.notifyBeneficiary("withdrawn", nil)
	if m := t.st.Meeting; m != nil && (m.Status == MeetingOffered || m.Status == MeetingBooked) {
		// The office keeps the slot free for nobody otherwise.
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_cancelled", map[string]string{"at": m.At.UTC().Format(time.RFC3339)})
		m.Status = MeetingWithdrawn
	}
	t.changes++
	return t.st, t.flush(ctx)
}
