package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// AssignRequest hands the ticket to a coordinator. The API checks who may
// assign to whom (authz); the workflow checks the ticket still waits on staff.
type AssignRequest struct {
	Actor Actor  `json:"actor"`
	To    Actor  `json:"to"`
	Note  string `json:"note,omitempty"`
}

func (t *ticket) validateAssign(ctx workflow.Context, req AssignRequest) error {
	switch {
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	case !t.st.Status.Pending():
		return refuse(ErrNotAwaitingResponse, "the ticket has been answered and is not awaiting a response")
	case req.To.ID == "" || req.Actor.ID == "":
		return refuse(ErrInvalidMessage, "an assignment needs an assignee and an actor")
	}
	return nil
}

func (t *ticket) assign(ctx workflow.Context, req AssignRequest) (TicketState, error) {
	if req.To.ID == t.st.AssignedTo {
		return t.st, nil // a repeated claim or assignment changes nothing
	}
	t.setAssignee(ctx, req.Actor, req.To, req.Note)
	t.changes++
	return t.st, t.flush(ctx)
}

// SuggestAssigneeInput asks for the coordinator of entity to assign a ticket to.
type SuggestAssigneeInput struct {
	Entity string `json:"entity"`
}

// autoAssign gives a pending, unassigned ticket held by entity to the
// coordinator the SuggestAssignee activity picks (the least loaded). Without
// one (no coordinator accounts, or the lookup keeps failing) the ticket stays
// in the entity's unassigned queue for a coordinator to claim: assignment
// helps the work along but must never hold a ticket up.
func (t *ticket) autoAssign(ctx workflow.Context, entity string) {
	retry := &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 5,
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: localRetryHorizon, StartToCloseTimeout: 10 * time.Second, RetryPolicy: retry,
	})
	var who Actor
	if err := workflow.ExecuteLocalActivity(lctx, ActivitySuggestAssignee, SuggestAssigneeInput{Entity: entity}).Get(ctx, &who); err != nil {
		workflow.GetLogger(ctx).Warn("no assignee suggested; left for a claim", "entity", entity, "error", err.Error())
		return
	}
	// An answer, a withdrawal or a manual assignment may have come meanwhile.
	if who.ID == "" || !t.st.Status.Pending() || t.st.AssignedTo != "" || t.st.ResponsibleEntity != entity {
		return
	}
	t.setAssignee(ctx, SystemActor, who, "least loaded")
	t.changes++
}

func (t *ticket) setAssignee(ctx workflow.Context, by, to Actor, note string) {
	now := workflow.Now(ctx)
	first := t.st.AssignedTo == ""
	t.st.AssignedTo, t.st.AssignedAt = to.ID, &now
	msg := to.ID
	if note != "" {
		msg += " — " + note
	}
	t.event(ctx, Event{Type: EventAssigned, Actor: by, Entity: to.Entity, Public: false, Message: msg})
	// The beneficiary hears that someone has taken the ticket up, not of
	// every hand-over between coordinators; a coordinator hears of work
	// someone else gave them (a claim needs no notice).
	if first {
		t.notifyBeneficiary("assigned", nil)
	}
	if by.ID != to.ID {
		t.notifyOfficial(domain.PersonRecipient(to.ID), "ticket_assigned", map[string]string{"entity": to.Entity,
			"due_at": t.st.SLADueAt.UTC().Format(time.RFC3339)})
	}
}

// NoteRequest is an internal note between staff.
type NoteRequest struct {
	Actor   Actor  `json:"actor"`
	Message string `json:"message"`
}

func (t *ticket) validateNote(ctx workflow.Context, req NoteRequest) error {
	if req.Message == "" || req.Actor.ID == "" {
		return refuse(ErrInvalidMessage, "a note needs a message and an actor")
	}
	return nil
}

// note records an internal note: staff talking to staff, never shown to the
// beneficiary and changing nothing else.
func (t *ticket) note(ctx workflow.Context, req NoteRequest) (TicketState, error) {
	t.event(ctx, Event{Type: EventNote, Actor: req.Actor, Entity: req.Actor.Entity, Public: false, Message: req.Message})
	return t.st, t.flush(ctx)
}

// RequestInfoRequest asks the beneficiary a question.
type RequestInfoRequest struct {
	Actor    Actor  `json:"actor"`
	Question string `json:"question"`
}

// InfoRequest is an open question to the beneficiary: the SLA clock stands
// still from At until the answer, with Remaining left of the deadline that
// was running; no answer by Until closes the ticket.
type InfoRequest struct {
	Question  string        `json:"question"`
	By        Actor         `json:"by"`
	At        time.Time     `json:"at"`
	Until     time.Time     `json:"until"`
	Resume    domain.Status `json:"resume"`    // the status the answer returns the ticket to
	Remaining time.Duration `json:"remaining"` // of the running deadline, on the ticket's clock
	// Holder is who held the escalation rung that stood down for the pause;
	// the answer gives the rung back to them with the remaining time.
	Holder *LevelHolder `json:"holder,omitempty"`
}

func (t *ticket) validateRequestInfo(ctx workflow.Context, req RequestInfoRequest) error {
	switch {
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	case !t.st.Status.Pending():
		return refuse(ErrNotAwaitingResponse, "the ticket is not waiting on staff")
	case req.Question == "" || req.Actor.ID == "":
		return refuse(ErrInvalidMessage, "a question needs a text and an actor")
	}
	return nil
}

// requestInfo asks the beneficiary a question. The running deadline stops:
// what is left of it is kept, the running rung stands down (the main loop
// does it, seeing the ticket no longer waits on staff) and comes back to its
// holder with the answer.
func (t *ticket) requestInfo(ctx workflow.Context, req RequestInfoRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	until, err := t.in.Policy.InfoReplyDeadline(now)
	if err != nil {
		return t.st, fmt.Errorf("computing the reply window: %w", err)
	}
	ir := &InfoRequest{Question: req.Question, By: req.Actor, At: now, Until: until, Resume: t.st.Status,
		Remaining: max(0, t.in.Policy.Calendar.Elapsed(now, t.st.SLADueAt, t.st.Clock))}
	if t.child != nil {
		h := t.child.holder
		ir.Holder = &h
	}
	t.st.InfoRequest = ir
	t.st.Status = domain.StatusAwaitingInfo
	t.event(ctx, Event{Type: EventInfoAsked, Actor: req.Actor, Entity: req.Actor.Entity, Public: true, Message: req.Question})
	t.notifyBeneficiary("info_requested", map[string]string{"question": req.Question, "until": until.Format(time.RFC3339)})
	t.changes++
	return t.st, t.flush(ctx)
}

// ProvideInfoRequest is the beneficiary's answer to the open question.
type ProvideInfoRequest struct {
	Answer string `json:"answer"`
	// Via is the credential behind the request (Actor.Via).
	Via Credential `json:"via,omitzero"`
}

func (t *ticket) validateProvideInfo(ctx workflow.Context, req ProvideInfoRequest) error {
	switch {
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	case t.st.Status != domain.StatusAwaitingInfo || t.st.InfoRequest == nil:
		return refuse(ErrNotAwaitingInfo, "no question is waiting for an answer")
	case req.Answer == "":
		return refuse(ErrInvalidMessage, "an answer needs a text")
	}
	return nil
}

// provideInfo takes the beneficiary's answer: the clock runs again with what
// was left of the deadline, and the time it stood still is remembered so a
// policy applied later recomputes the deadline with it added back.
func (t *ticket) provideInfo(ctx workflow.Context, req ProvideInfoRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	ir := t.st.InfoRequest
	cal := t.in.Policy.Calendar
	due, err := cal.Due(now, sla.DurationAllowance(ir.Remaining), t.st.Clock)
	if err != nil {
		return t.st, fmt.Errorf("resuming the deadline: %w", err)
	}
	t.st.PausedWorking += max(0, cal.Elapsed(ir.At, now, t.st.Clock))
	t.st.Status, t.st.SLADueAt, t.st.InfoRequest = ir.Resume, due, nil
	if ir.Holder != nil && t.st.EscalationLevel > 0 {
		t.resumeRung = ir.Holder
	}
	t.event(ctx, Event{Type: EventInfoGiven, Actor: t.beneficiaryActor(req.Via), Public: true, Message: req.Answer})
	t.changes++
	return t.st, t.flush(ctx)
}

// awaitInfo waits for the beneficiary's answer; none by the reply window's
// end closes the ticket as "no reply", with notice.
func (t *ticket) awaitInfo(ctx workflow.Context) error {
	seen := t.changes
	changed := func() bool { return t.changes != seen || t.tooLong(ctx) }
	ir := t.st.InfoRequest
	if ir == nil {
		return workflow.Await(ctx, changed)
	}
	fired, err := t.sleepUntil(ctx, ir.Until, changed)
	if err != nil || !fired || t.st.Status != domain.StatusAwaitingInfo {
		return err
	}
	now := workflow.Now(ctx)
	t.st.Status, t.st.ClosedAt, t.st.InfoRequest = domain.StatusClosed, &now, nil
	t.event(ctx, Event{Type: EventClosed, Actor: SystemActor, Public: true, Message: "no_reply"})
	t.notifyBeneficiary("closed_no_reply", nil)
	t.changes++
	return t.flush(ctx)
}

// TransferRequest hands the ticket to another entity (resolved by the API).
type TransferRequest struct {
	Actor  Actor       `json:"actor"`
	To     LevelHolder `json:"to"`
	Reason string      `json:"reason"`
}

func (t *ticket) validateTransfer(ctx workflow.Context, req TransferRequest) error {
	switch {
	case t.st.Status.Final():
		return refuse(ErrTicketClosed, "the ticket is "+string(t.st.Status))
	case !t.st.Status.Pending():
		return refuse(ErrNotAwaitingResponse, "the ticket is not waiting on staff")
	case req.To.Entity == "" || req.Actor.ID == "" || req.Reason == "":
		return refuse(ErrInvalidMessage, "a transfer needs an entity, an actor and a reason")
	case req.To.Entity == t.st.ResponsibleEntity:
		return refuse(ErrSameEntity, "the ticket is already with "+req.To.Entity)
	}
	return nil
}

// transfer hands the ticket to another entity. Its escalation starts over
// from the new entity's own ladder; the deadline restarts or runs on as the
// policy says; the new entity's coordinator gets it.
func (t *ticket) transfer(ctx workflow.Context, req TransferRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	from := t.st.ResponsibleEntity
	if t.in.Policy.TransferRestartsSLA {
		allowance := t.in.Policy.ObjectionReview
		if t.st.Round == 0 {
			rule, ok := t.in.Policy.Rule(t.in.Kind, t.in.Priority)
			if !ok {
				return t.st, fmt.Errorf("policy v%d has no rule for %s/%s", t.in.Policy.Version, t.in.Kind, t.in.Priority)
			}
			allowance = rule.Allowance
		}
		due, err := t.in.Policy.Calendar.Due(now, allowance, t.st.Clock)
		if err != nil {
			return t.st, fmt.Errorf("restarting the deadline: %w", err)
		}
		t.st.SLADueAt, t.st.StageStart, t.st.PausedWorking = due, now, 0
	}
	t.st.ResponsibleEntity, t.st.Transferred = req.To.Entity, true
	t.st.EscalationLevel, t.st.EscalationRole, t.st.EscalationEntity = 0, "", ""
	t.breached, t.atTop, t.dropRung = false, false, t.child != nil
	t.st.AssignedTo, t.st.AssignedAt = "", nil
	t.event(ctx, Event{Type: EventTransfer, Actor: req.Actor, Entity: req.To.Entity, Public: true,
		Message: fmt.Sprintf("%s → %s: %s", from, req.To.Entity, req.Reason)})
	t.notifyBeneficiary("transferred", map[string]string{"entity": req.To.Entity, "entity_name": req.To.NameAR})
	t.changes++
	t.autoAssign(ctx, req.To.Entity)
	return t.st, t.flush(ctx)
}
