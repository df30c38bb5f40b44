package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
)

// TicketWorkflow is the life of one ticket, from filing to closure. It waits for
// an answer against the SLA, climbs the escalation ladder one child workflow per
// rung when nobody answers, runs the objection window after an answer, and
// projects every change into the read model.
func TicketWorkflow(ctx workflow.Context, in TicketInput) (TicketState, error) {
	t, err := newTicket(ctx, in)
	if err != nil {
		return TicketState{}, err
	}
	t.baseline = workflow.GetVersion(ctx, changeBaseline, workflow.DefaultVersion, 1) == 1
	t.ordered = t.changed(ctx, changeMessagesAfterFiling)
	t.local = t.changed(ctx, changeLocalSteps)
	t.oneListener = t.changed(ctx, changeOneListener)
	if err := t.setup(ctx); err != nil {
		return TicketState{}, err
	}
	return t.run(ctx, in.Resume)
}

// ticket is the workflow's private state; handlers and the main loop share it
// (they run as cooperative coroutines, never in parallel).
type ticket struct {
	in     TicketInput
	st     TicketState
	ladder []sla.Level // the ladder of the current round

	pending []Event        // timeline lines not yet projected
	outbox  []Notification // notifications not yet handed to the Notify activity
	changes int            // bumped by every accepted message; wakes the main loop

	child  *rung                         // the running escalation child, if any
	drains []func(workflow.Context) bool // take signals already delivered (before continue-as-new)

	closing         bool // continuing as new: updates refused as busy, signals left queued
	signalsInFlight int  // signal handlers running (AllHandlersFinished counts updates only)
	atTop           bool // the last rung expired: the ticket stays with the top level
	breached        bool // the current round's first SLA has passed
	// resumeRung is the rung that stood down for a question to the
	// beneficiary, to start again once the answer came; dropRung asks the
	// main loop to stand the running rung down (a transfer).
	resumeRung *LevelHolder
	dropRung   bool
	// ready: the filing (or the resumed state) is recorded; messages that
	// arrive with the very first task wait for it when ordered, so nothing
	// precedes "created" on the timeline.
	ready, ordered bool
	// local: the database steps run as local activities (changeLocalSteps).
	local bool
	// oneListener: signals are taken by one coroutine over inbox
	// (changeOneListener), not one per message kind.
	oneListener bool
	inbox       []signalInbox
	// baseline: every change before changeBaseline is in force without a
	// marker of its own (changed).
	baseline bool
}

// changed says whether change id is in force for this ticket: always on the
// baseline; else by the change's own version marker, as before the baseline.
func (t *ticket) changed(ctx workflow.Context, id string) bool {
	return t.baseline || workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
}

// signalInbox is one message kind's signal channel as the single listener
// sees it.
type signalInbox struct {
	waiting func() bool                 // a signal is queued
	take    func(workflow.Context) bool // handles one queued signal, if any
}

// rung is one running escalation child.
type rung struct {
	level     int
	round     int
	allowance sla.Level
	holder    LevelHolder
	dueAt     time.Time
	remindAt  time.Time
	cancel    workflow.CancelFunc
	done      bool
	result    EscalationResult
	err       error
}

func newTicket(ctx workflow.Context, in TicketInput) (*ticket, error) {
	if r := in.Resume; r != nil {
		t := &ticket{in: in, st: r.State, ladder: r.Ladder, breached: r.Breached, atTop: r.AtTop}
		t.in.Resume = nil // the next continuation builds its own
		return t, nil
	}
	rule, ok := in.Policy.Rule(in.Kind, in.Priority)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("policy v%d has no rule for %s/%s", in.Policy.Version, in.Kind, in.Priority), "policy_incomplete", nil)
	}
	due, err := in.Policy.Calendar.Due(in.FiledAt, rule.Allowance, rule.Clock)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("computing the first-response deadline", "policy_invalid", err)
	}
	t := &ticket{in: in, ladder: in.Policy.Ladder}
	t.st = TicketState{
		Number:            in.Number,
		Status:            domain.StatusOpen,
		Kind:              in.Kind,
		Priority:          in.Priority,
		Entity:            in.Entity,
		ResponsibleEntity: in.Entity,
		PolicyVersion:     in.Policy.Version,
		Clock:             rule.Clock,
		SLADueAt:          due,
		StageStart:        in.FiledAt,
		Responses:         []Response{},
	}
	return t, nil
}

func (t *ticket) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (TicketState, error) { return t.st, nil }); err != nil {
		return fmt.Errorf("registering query %s: %w", QueryState, err)
	}
	t.listenForPolicies(ctx)
	for _, reg := range []func() (func(workflow.Context) bool, error){
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateRespond, t.validateRespond, t.respond)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateObject, t.validateObject, t.object)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateWithdraw, t.validateWithdraw, t.withdraw)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateAssign, t.validateAssign, t.assign)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateNote, t.validateNote, t.note)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateRequestInfo, t.validateRequestInfo, t.requestInfo)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateProvideInfo, t.validateProvideInfo, t.provideInfo)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateTransfer, t.validateTransfer, t.transfer)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateRate, t.validateRate, t.rate)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateCloseFollowUp, t.validateCloseFollowUp, t.closeFollowUp)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateOfferMeeting, t.validateOfferMeeting, t.offerMeeting)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateDeclineMeeting, t.validateDeclineMeeting, t.declineMeeting)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateConfirmMeeting, t.validateConfirmMeeting, t.confirmMeeting)
		},
		func() (func(workflow.Context) bool, error) {
			return registerMessage(ctx, t, UpdateRecordAttendance, t.validateRecordAttendance, t.recordAttendance)
		},
	} {
		drain, err := reg()
		if err != nil {
			return err
		}
		t.drains = append(t.drains, drain)
	}
	if t.oneListener {
		t.listenForSignals(ctx)
	}
	return nil
}

// listenForSignals handles the signals of every message kind, one at a
// time, oldest kind first (the order of registration).
func (t *ticket) listenForSignals(ctx workflow.Context) {
	waiting := func() bool {
		for _, in := range t.inbox {
			if in.waiting() {
				return true
			}
		}
		return false
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			// While the run is closing, signals stay queued for its drain.
			if err := workflow.Await(ctx, func() bool { return !t.closing && t.messagesOpen() && waiting() }); err != nil {
				return
			}
			for _, in := range t.inbox {
				if in.take(ctx) {
					break
				}
			}
		}
	})
}

// registerMessage registers one action both as an Update (the API's path: the
// caller learns whether it was accepted) and as a Signal of the same name (for
// fire-and-forget integrations; a refused signal is logged and dropped). It
// returns a drain that handles the signals already delivered, reporting
// whether any was accepted.
func registerMessage[R any](ctx workflow.Context, t *ticket, name string,
	validate func(workflow.Context, R) error,
	handle func(workflow.Context, R) (TicketState, error)) (func(workflow.Context) bool, error) {
	validateUpdate := func(ctx workflow.Context, req R) error {
		if t.closing {
			return refuse(ErrBusy, "the ticket is being handed to a new run; retry shortly")
		}
		return validate(ctx, req)
	}
	handleInOrder := func(ctx workflow.Context, req R) (TicketState, error) {
		if err := workflow.Await(ctx, t.messagesOpen); err != nil {
			return t.st, err
		}
		return handle(ctx, req)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, name, handleInOrder,
		workflow.UpdateHandlerOptions{Validator: validateUpdate}); err != nil {
		return nil, fmt.Errorf("registering update %s: %w", name, err)
	}
	ch := workflow.GetSignalChannel(ctx, name)
	apply := func(ctx workflow.Context, req R) bool {
		if err := validate(ctx, req); err != nil {
			workflow.GetLogger(ctx).Warn("signal refused", "signal", name, "reason", err.Error())
			return false
		}
		t.signalsInFlight++
		defer func() { t.signalsInFlight-- }()
		if _, err := handle(ctx, req); err != nil {
			workflow.GetLogger(ctx).Error("signal failed", "signal", name, "error", err.Error())
		}
		return true
	}
	take := func(ctx workflow.Context) bool {
		var req R
		if !ch.ReceiveAsync(&req) {
			return false
		}
		apply(ctx, req)
		return true
	}
	if t.oneListener {
		t.inbox = append(t.inbox, signalInbox{waiting: func() bool { return ch.Len() > 0 }, take: take})
	} else {
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				// While the run is closing, signals stay queued for its drain.
				if err := workflow.Await(ctx, func() bool { return !t.closing && ch.Len() > 0 && t.messagesOpen() }); err != nil {
					return
				}
				take(ctx)
			}
		})
	}
	drain := func(ctx workflow.Context) bool {
		accepted := false
		for {
			var req R
			if !ch.ReceiveAsync(&req) {
				return accepted
			}
			accepted = apply(ctx, req) || accepted
		}
	}
	return drain, nil
}

// messagesOpen reports whether messages may be handled: always in runs from
// before changeMessagesAfterFiling (their histories handled them at once),
// otherwise once the filing is on the timeline.
func (t *ticket) messagesOpen() bool { return t.ready || !t.ordered }

func refuse(code, msg string) error {
	return temporal.NewApplicationError(msg, code)
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
	answering := t.st.ResponsibleEntity
	if n := len(t.st.Responses); n > 0 && t.st.Responses[n-1].Actor.Entity != "" {
		answering = t.st.Responses[n-1].Actor.Entity
	}
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
	t.event(ctx, Event{Type: EventObjected, Actor: t.beneficiaryActor(), Public: true, Message: req.Reason})
	t.changes++

	var reviewer LevelHolder
	if err := step(ctx, t.local, ActivityReviewEntity, answering).Get(ctx, &reviewer); err != nil {
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
		if t.changed(ctx, changeAutoAssign) {
			// The reviewing entity's own coordinator works the review.
			t.st.AssignedTo, t.st.AssignedAt = "", nil
			t.autoAssign(ctx, reviewer.Entity)
		}
	}
	return t.st, t.flush(ctx)
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

// ladderBase is the entity the escalation ladder climbs from: the entity the
// ticket was filed to, or, once transferred, the one holding it.
func (t *ticket) ladderBase() string {
	if t.st.Transferred {
		return t.st.ResponsibleEntity
	}
	return t.st.Entity
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
	t.event(ctx, Event{Type: EventInfoGiven, Actor: t.beneficiaryActor(), Public: true, Message: req.Answer})
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

// autoAssign gives a pending, unassigned ticket held by entity to the
// coordinator the SuggestAssignee activity picks (the least loaded). Without
// one (no coordinator accounts, or the lookup keeps failing) the ticket stays
// in the entity's unassigned queue for a coordinator to claim: assignment
// helps the work along but must never hold a ticket up.
func (t *ticket) autoAssign(ctx workflow.Context, entity string) {
	retry := &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 5,
	}
	var suggest workflow.Future
	in := SuggestAssigneeInput{Entity: entity}
	if t.local {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			ScheduleToCloseTimeout: localRetryHorizon, StartToCloseTimeout: 10 * time.Second, RetryPolicy: retry,
		})
		suggest = workflow.ExecuteLocalActivity(lctx, ActivitySuggestAssignee, in)
	} else {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second, RetryPolicy: retry})
		suggest = workflow.ExecuteActivity(actx, ActivitySuggestAssignee, in)
	}
	var who Actor
	if err := suggest.Get(ctx, &who); err != nil {
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
	if t.changed(ctx, changeNotifyAssigned) {
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
	t.event(ctx, Event{Type: EventWithdrawn, Actor: t.beneficiaryActor(), Public: true, Message: req.Reason})
	t.notifyBeneficiary("withdrawn", nil)
	if m := t.st.Meeting; m != nil && (m.Status == MeetingOffered || m.Status == MeetingBooked) {
		// The office keeps the slot free for nobody otherwise.
		t.notifyOfficial(t.meetingOfficeRecipient(), "meeting_cancelled", map[string]string{"at": m.At.UTC().Format(time.RFC3339)})
		m.Status = MeetingWithdrawn
	}
	t.changes++
	return t.st, t.flush(ctx)
}

func (t *ticket) close(ctx workflow.Context, why string) {
	now := workflow.Now(ctx)
	t.st.Status = domain.StatusClosed
	t.st.ClosedAt = &now
	t.st.ObjectionUntil = nil
	t.event(ctx, Event{Type: EventClosed, Actor: SystemActor, Public: true, Message: why})
	t.notifyBeneficiary("closed", nil)
}

func (t *ticket) beneficiaryActor() Actor {
	return Actor{ID: "beneficiary", Name: t.in.Beneficiary.Name, Role: domain.RoleBeneficiary}
}

// run is the main loop: it owns timers and the escalation children; handlers
// only change state and bump t.changes.
func (t *ticket) run(ctx workflow.Context, resume *Resume) (TicketState, error) {
	t.ready = resume != nil // a resumed run's state is whole from the start
	switch {
	case resume == nil:
		t.event(ctx, Event{Type: EventCreated, Actor: t.in.FiledBy, Entity: t.in.Entity, Public: true,
			Message: "channel " + string(t.in.Channel)})
		t.ready = true
		t.notifyBeneficiary("created", map[string]string{"sla_due_at": t.st.SLADueAt.Format(time.RFC3339)})
		if t.changed(ctx, changeAutoAssign) {
			t.autoAssign(ctx, t.st.ResponsibleEntity)
		}
		if err := t.flush(ctx); err != nil {
			return t.st, err
		}
	case resume.Rung != nil && resume.Rung.Level <= len(t.ladder):
		r := resume.Rung
		t.startRung(ctx, r.Level, t.ladder[r.Level-1], r.Holder, r.DueAt, r.RemindAt)
	}
	for {
		if err := t.sendNotifications(ctx); err != nil {
			return t.st, err
		}
		if t.child != nil && (!t.st.Status.Pending() || t.dropRung) {
			t.dropRung = false
			if err := t.standDown(ctx); err != nil {
				return t.st, err
			}
			continue
		}
		t.dropRung = false
		if h := t.resumeRung; h != nil && t.child == nil {
			t.resumeRung = nil
			if t.st.Status.Pending() && t.st.EscalationLevel > 0 && len(t.ladder) > 0 {
				level := min(t.st.EscalationLevel, len(t.ladder))
				t.startRung(ctx, level, t.ladder[level-1], *h, t.st.SLADueAt, time.Time{})
			}
			continue
		}
		if r := t.child; r != nil && !r.dueAt.Equal(t.st.SLADueAt) {
			// A new policy moved the running rung's deadline: restart the rung's
			// child with it (its notifications are keyed, so none repeats).
			if err := t.restartRung(ctx); err != nil {
				return t.st, err
			}
			continue
		}
		if t.st.Status.Final() {
			break
		}
		if t.tooLong(ctx) {
			if done, err := t.continueAsNew(ctx); done || err != nil {
				return t.st, err
			}
			continue // a drained signal finished the ticket
		}
		var err error
		switch t.st.Status {
		case domain.StatusAnswered:
			err = t.awaitObjectionWindow(ctx)
		case domain.StatusAwaitingInfo:
			err = t.awaitInfo(ctx)
		case domain.StatusMeetingOffered, domain.StatusMeetingBooked:
			err = t.awaitMeeting(ctx)
		default:
			err = t.awaitResponse(ctx)
		}
		if err != nil {
			return t.st, err
		}
	}
	// Let a handler (update or signal) that is still projecting finish before
	// the workflow completes: nothing runs after completion.
	if err := workflow.Await(ctx, t.quiet(ctx)); err != nil {
		return t.st, err
	}
	// A meeting offer nobody accepted was never served: nothing to rate.
	lapsed := t.st.Meeting != nil && t.st.Meeting.Status == MeetingLapsed
	if t.st.Status == domain.StatusClosed && !lapsed && t.changed(ctx, changeSurvey) {
		if err := t.survey(ctx); err != nil {
			return t.st, err
		}
	}
	return t.st, t.sendNotifications(ctx)
}

// survey keeps a closed ticket for its satisfaction survey: the invitation,
// then the rating until the window passes, and the quality follow-up a low
// rating opens until the care-center manager closes it (the supervisor is
// told once it is overdue). A withdrawn ticket has no survey.
func (t *ticket) survey(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	until, err := t.in.Policy.SurveyDeadline(now)
	if err != nil {
		return fmt.Errorf("computing the survey window: %w", err)
	}
	t.st.Survey = &Survey{InvitedAt: now, Until: until}
	t.event(ctx, Event{Type: EventSurvey, Actor: SystemActor, Public: true, Message: "until " + until.UTC().Format(time.RFC3339)})
	t.notifyBeneficiary("survey_invitation", map[string]string{"until": until.Format(time.RFC3339)})
	if err := t.flush(ctx); err != nil {
		return err
	}
	for {
		if err := t.sendNotifications(ctx); err != nil {
			return err
		}
		now := workflow.Now(ctx)
		sv, fu := t.st.Survey, t.st.FollowUp
		surveyOpen := sv.Rating == 0 && now.Before(sv.Until)
		if !surveyOpen && (fu == nil || fu.Status == FollowUpDone) {
			break
		}
		var next time.Time
		if surveyOpen {
			next = sv.Until
		}
		if fu != nil && fu.Status == FollowUpOpen && (next.IsZero() || fu.DueAt.Before(next)) {
			next = fu.DueAt
		}
		seen := t.changes
		changed := func() bool { return t.changes != seen }
		if next.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
			continue
		}
		fired, err := t.sleepUntil(ctx, next, changed)
		if err != nil {
			return err
		}
		if fu := t.st.FollowUp; fired && fu != nil && fu.Status == FollowUpOpen && !workflow.Now(ctx).Before(fu.DueAt) {
			fu.Status = FollowUpOverdue
			t.event(ctx, Event{Type: EventFollowDue, Actor: SystemActor, Entity: fu.Entity, Public: false,
				Message: "quality follow-up overdue; the supervisor is told"})
			t.notifyOfficial("supervisor", "follow_up_overdue", map[string]string{"entity": fu.Entity,
				"due_at": fu.DueAt.UTC().Format(time.RFC3339)})
			if err := t.flush(ctx); err != nil {
				return err
			}
		}
	}
	return workflow.Await(ctx, t.quiet(ctx))
}

func (t *ticket) validateRate(ctx workflow.Context, req RateRequest) error {
	sv := t.st.Survey
	switch {
	case sv == nil || sv.Rating != 0 || !workflow.Now(ctx).Before(sv.Until):
		return refuse(ErrNotRateable, "no survey is open on this ticket")
	case req.Rating < 1 || req.Rating > 5:
		return refuse(ErrInvalidMessage, "a rating is 1 to 5")
	}
	return nil
}

// rate records the beneficiary's rating; 1 or 2 opens a quality follow-up
// for the care-center manager of the entity that answered.
func (t *ticket) rate(ctx workflow.Context, req RateRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	sv := t.st.Survey
	sv.Rating, sv.Comment, sv.RatedAt = req.Rating, req.Comment, &now
	t.event(ctx, Event{Type: EventRated, Actor: t.beneficiaryActor(), Public: true,
		Message: strings.TrimSpace(fmt.Sprintf("%d/5 %s", req.Rating, req.Comment))})
	if req.Rating <= 2 {
		due, err := t.in.Policy.FollowUpDue(now)
		if err != nil {
			return t.st, fmt.Errorf("computing the follow-up deadline: %w", err)
		}
		entity := t.st.ResponsibleEntity
		if n := len(t.st.Responses); n > 0 && t.st.Responses[n-1].Actor.Entity != "" {
			entity = t.st.Responses[n-1].Actor.Entity
		}
		t.st.FollowUp = &FollowUp{Entity: entity, OpenedAt: now, DueAt: due, Status: FollowUpOpen}
		t.event(ctx, Event{Type: EventFollowUp, Actor: SystemActor, Entity: entity, Public: false,
			Message: fmt.Sprintf("rating %d: quality follow-up due %s", req.Rating, due.UTC().Format(time.RFC3339))})
		t.notifyOfficial("care_center_manager@"+entity, "follow_up_opened", map[string]string{
			"rating": fmt.Sprint(req.Rating), "due_at": due.UTC().Format(time.RFC3339)})
	}
	t.changes++
	return t.st, t.flush(ctx)
}

func (t *ticket) validateCloseFollowUp(ctx workflow.Context, req CloseFollowUpRequest) error {
	switch {
	case t.st.FollowUp == nil || t.st.FollowUp.Status == FollowUpDone:
		return refuse(ErrNoFollowUp, "no quality follow-up is open on this ticket")
	case req.Note == "" || req.Actor.ID == "":
		return refuse(ErrInvalidMessage, "closing a follow-up needs a note and an actor")
	}
	return nil
}

func (t *ticket) closeFollowUp(ctx workflow.Context, req CloseFollowUpRequest) (TicketState, error) {
	now := workflow.Now(ctx)
	fu := t.st.FollowUp
	by := req.Actor
	fu.Status, fu.ClosedAt, fu.ClosedBy, fu.Note = FollowUpDone, &now, &by, req.Note
	t.event(ctx, Event{Type: EventFollowDone, Actor: req.Actor, Entity: fu.Entity, Public: false, Message: req.Note})
	t.changes++
	return t.st, t.flush(ctx)
}

// notifyOfficial queues an in-app message for the people of a role at an
// entity ("care_center_manager@KSU"), keyed by the ticket and the timeline
// line it goes with.
func (t *ticket) notifyOfficial(recipient, template string, params map[string]string) {
	if params == nil {
		params = map[string]string{}
	}
	params["number"], params["subject"] = t.st.Number, t.in.Subject
	t.outbox = append(t.outbox, Notification{
		Key:      fmt.Sprintf("%s/%d/%s", TicketWorkflowID(t.st.Number), t.st.Seq, template),
		Audience: "official", Channel: "inbox", Recipient: recipient, Template: template,
		TicketNumber: t.st.Number, Params: params,
	})
}

// awaitResponse waits while the ticket is pending: for the SLA deadline, for the
// running rung to expire, or for a message.
func (t *ticket) awaitResponse(ctx workflow.Context) error {
	seen := t.changes
	changed := func() bool { return t.changes != seen || t.tooLong(ctx) }
	switch {
	case t.child != nil:
		if err := workflow.Await(ctx, func() bool { return changed() || t.child.done }); err != nil {
			return err
		}
		if changed() {
			return nil
		}
		return t.rungEnded(ctx)
	case t.atTop:
		return workflow.Await(ctx, changed)
	case !t.breached:
		fired, err := t.sleepUntil(ctx, t.st.SLADueAt, changed)
		if err != nil || !fired {
			return err
		}
		t.breached = true
		return t.escalate(ctx, 1)
	default:
		return t.escalate(ctx, t.st.EscalationLevel+1)
	}
}

// sleepUntil waits until deadline or until cond holds; fired reports the deadline.
// A deadline already past fires at once (a negative timer is an error).
func (t *ticket) sleepUntil(ctx workflow.Context, deadline time.Time, cond func() bool) (fired bool, err error) {
	if cond() {
		return false, nil
	}
	d := deadline.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true, nil
	}
	ok, err := workflow.AwaitWithTimeout(ctx, d, cond)
	return !ok, err
}

func (t *ticket) rungEnded(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	if r.err != nil {
		return fmt.Errorf("escalation level %d: %w", r.level, r.err)
	}
	if r.level >= len(t.ladder) {
		t.atTop = true
		t.event(ctx, Event{Type: EventTopReached, Actor: SystemActor, Entity: t.st.EscalationEntity,
			Level: r.level, Role: t.st.EscalationRole, Public: false,
			Message: "the last level's allowance passed; the ticket stays with it"})
		return t.flush(ctx)
	}
	return t.escalate(ctx, r.level+1)
}

// escalate hands the ticket to rung `level` of the current ladder: resolves who
// holds it now, records it, tells the beneficiary, and starts the rung's child.
// Every await inside is a point where a message may have changed the ticket
// (answered, objected, withdrawn): after each, a stale escalation stops.
func (t *ticket) escalate(ctx workflow.Context, level int) error {
	if level > len(t.ladder) {
		t.atTop = true
		return nil
	}
	lv := t.ladder[level-1]
	gen, round := t.changes, t.st.Round
	stale := func() bool { return t.changes != gen || t.st.Round != round || !t.st.Status.Pending() }

	var holder LevelHolder
	in := ResolveLevelInput{Entity: t.ladderBase(), Role: lv.Role}
	var resolve workflow.Future
	if t.changed(ctx, changeLocalResolve) {
		// A read of the hierarchy, run inside the workflow task that the
		// deadline woke: no round trip through the task queue, which a burst
		// of deadlines fills.
		resolve = workflow.ExecuteLocalActivity(localActivityCtx(ctx), ActivityResolveLevel, in)
	} else {
		resolve = workflow.ExecuteActivity(activityCtx(ctx), ActivityResolveLevel, in)
	}
	if err := resolve.Get(ctx, &holder); err != nil {
		// Only a non-retryable failure gets here (the entity left the
		// hierarchy): the climb goes on, held by the ticket's own entity,
		// rather than the ticket dying.
		workflow.GetLogger(ctx).Error("escalation holder not found; the ticket's entity holds the level",
			"level", level, "role", string(lv.Role), "error", err.Error())
		holder = LevelHolder{Role: lv.Role, Entity: t.st.Entity, NameEN: t.st.Entity, NameAR: t.st.Entity}
	}
	if stale() {
		return nil
	}
	now := workflow.Now(ctx)
	due, err := t.in.Policy.Calendar.Due(now, lv.Allowance, t.st.Clock)
	if err != nil {
		return fmt.Errorf("computing level %d deadline: %w", level, err)
	}
	t.st.EscalationLevel, t.st.EscalationRole, t.st.EscalationEntity = level, holder.Role, holder.Entity
	t.st.SLADueAt = due
	t.st.StageStart, t.st.PausedWorking = now, 0
	t.event(ctx, Event{Type: EventEscalated, Actor: SystemActor, Entity: holder.Entity, Level: level, Role: holder.Role,
		Public: true, Message: fmt.Sprintf("escalated to level %d: %s (%s)", level, holder.NameEN, holder.Role)})
	t.notifyBeneficiary("escalated", map[string]string{"level": fmt.Sprint(level), "role": string(holder.Role)})
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := t.sendNotifications(ctx); err != nil {
		return err
	}
	if stale() {
		return nil
	}
	t.startRung(ctx, level, lv, holder, due, time.Time{})
	return nil
}

// startRung starts the child workflow of one rung, due at due. remind zero
// means halfway through the rung's working time (not its wall-clock time,
// which would land at night or on a weekend).
func (t *ticket) startRung(ctx workflow.Context, level int, lv sla.Level, holder LevelHolder, due, remind time.Time) {
	if remind.IsZero() {
		remind = due
		now := workflow.Now(ctx)
		if length, err := t.in.Policy.Calendar.WorkingLength(lv.Allowance, t.st.Clock); err == nil {
			if at, err := t.in.Policy.Calendar.Due(now, sla.Allowance{Duration: length / 2}, t.st.Clock); err == nil && at.Before(due) {
				remind = at
			}
		}
	}
	childCtx, cancel := workflow.WithCancel(ctx)
	childCtx = workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
		WorkflowID:          EscalationWorkflowID(t.st.Number, t.st.Round, level),
		TaskQueue:           workflow.GetInfo(ctx).TaskQueueName,
		WaitForCancellation: true,
	})
	r := &rung{level: level, round: t.st.Round, allowance: lv, holder: holder, dueAt: due, remindAt: remind, cancel: cancel}
	t.child = r
	fut := workflow.ExecuteChildWorkflow(childCtx, EscalationWorkflow, EscalationInput{
		Number: t.st.Number, Subject: t.in.Subject, Round: t.st.Round, Level: level,
		Holder: holder, DueAt: due, RemindAt: remind, Baseline: t.baseline,
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		r.err = fut.Get(ctx, &r.result)
		r.done = true
	})
}

// listenForPolicies applies newer policy versions sent by the roll-out. A
// signal, not an update: the roll-out is fire-and-forget over thousands of
// tickets, and an older or equal version is ignored, so a resent one is harmless.
func (t *ticket) listenForPolicies(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalApplyPolicy)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool { return !t.closing && ch.Len() > 0 && t.messagesOpen() }); err != nil {
				return
			}
			var req ApplyPolicyRequest
			if !ch.ReceiveAsync(&req) {
				continue
			}
			t.signalsInFlight++
			if err := t.applyPolicy(ctx, req); err != nil {
				workflow.GetLogger(ctx).Error("policy not applied", "version", req.Policy.Version, "error", err.Error())
			}
			t.signalsInFlight--
		}
	})
}

// applyPolicy switches the ticket to a newer policy and recomputes the
// deadline that runs now from when its countdown began (sla.Policy.Recompute,
// which a policy preview calls too).
func (t *ticket) applyPolicy(ctx workflow.Context, req ApplyPolicyRequest) error {
	p := req.Policy
	if t.st.Status.Final() || p.Version <= t.st.PolicyVersion {
		return nil
	}
	if t.st.Status == domain.StatusMeetingOffered || t.st.Status == domain.StatusMeetingBooked {
		// No SLA runs while a meeting is offered or booked; a slot turned
		// down restarts it under the policy the ticket holds.
		return nil
	}
	start := t.st.StageStart
	if start.IsZero() {
		start = t.in.FiledAt
	}
	status, ir := t.st.Status, t.st.InfoRequest
	if ir != nil {
		status = ir.Resume // paused: recompute what runs once the answer comes
	}
	r, err := p.Recompute(sla.Stage{
		Kind: t.in.Kind, Priority: t.in.Priority, Status: status, Round: t.st.Round,
		EscalationLevel: t.st.EscalationLevel, Start: start, RespondedAt: t.st.RespondedAt,
		Paused: t.st.PausedWorking,
	})
	if err != nil {
		return fmt.Errorf("recomputing under policy v%d: %w", p.Version, err)
	}
	from := t.st.PolicyVersion
	t.in.Policy = p
	t.ladder = r.Ladder
	t.st.PolicyVersion, t.st.Clock = p.Version, r.Clock
	shown := r.SLADueAt
	if r.ObjectionUntil != nil {
		t.st.ObjectionUntil = r.ObjectionUntil
		shown = *r.ObjectionUntil
	} else {
		t.st.SLADueAt = r.SLADueAt
		if ir != nil {
			// Still paused: what is left is counted to the new deadline
			// from when the question was asked.
			ir.Remaining = max(0, p.Calendar.Elapsed(ir.At, r.SLADueAt, r.Clock))
		}
	}
	if t.st.EscalationLevel > 0 {
		t.atTop = t.st.EscalationLevel >= len(r.Ladder) && t.child == nil
	}
	t.event(ctx, Event{Type: EventPolicy, Actor: req.By, Public: false,
		Message: fmt.Sprintf("policy v%d replaces v%d; deadline %s", p.Version, from, shown.UTC().Format(time.RFC3339))})
	t.changes++
	return t.flush(ctx)
}

// restartRung stops the running rung and starts it again on the current
// deadline (after a policy change).
func (t *ticket) restartRung(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	r.cancel()
	if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
		return err
	}
	level := min(r.level, len(t.ladder))
	t.startRung(ctx, level, t.ladder[level-1], r.holder, t.st.SLADueAt, time.Time{})
	return nil
}

// tooLong reports whether this run's history should be handed to a new run.
func (t *ticket) tooLong(ctx workflow.Context) bool {
	limit := t.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	info := workflow.GetInfo(ctx)
	return info.GetCurrentHistoryLength() >= limit || info.GetContinueAsNewSuggested()
}

// drainSignals handles every signal already delivered; true if any was accepted.
func (t *ticket) drainSignals(ctx workflow.Context) bool {
	accepted := false
	for _, drain := range t.drains {
		accepted = drain(ctx) || accepted
	}
	return accepted
}

// continueAsNew hands the ticket to a fresh run. While it closes, updates are
// refused as busy (the API answers "retry") and signals stay in their
// channels; it waits for handlers in flight, stops the running rung, handles
// the signals already delivered, lets the projection and notifications catch
// up, and only then snapshots the state, with no await between snapshot and
// hand-over. done is false when a drained signal finished the ticket: the
// main loop then completes it instead.
func (t *ticket) continueAsNew(ctx workflow.Context) (done bool, err error) {
	t.closing = true
	if err := workflow.Await(ctx, t.quiet(ctx)); err != nil {
		return false, err
	}
	var rungResume *RungResume
	if r := t.child; r != nil {
		t.child = nil
		r.cancel()
		if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
			return false, err
		}
		if r.err != nil { // cancelled by us: the next run restarts it
			rungResume = &RungResume{Level: r.level, Round: r.round, Holder: r.holder, DueAt: r.dueAt, RemindAt: r.remindAt}
		} else {
			t.st.SLADueAt = r.dueAt // it expired meanwhile: the next run climbs on from it
		}
	}
	for {
		switch {
		case t.drainSignals(ctx):
		case len(t.pending) > 0:
			if err := t.flush(ctx); err != nil {
				return false, err
			}
		case len(t.outbox) > 0:
			if err := t.sendNotifications(ctx); err != nil {
				return false, err
			}
		default:
			goto settled
		}
	}
settled:
	if t.st.Status.Final() {
		t.closing = false
		return false, nil
	}
	resume := &Resume{State: t.st, Ladder: t.ladder, Breached: t.breached, AtTop: t.atTop}
	if rungResume != nil && t.st.Status.Pending() && t.st.Round == rungResume.Round {
		resume.Rung = rungResume
	}
	in := t.in
	in.Resume = resume
	workflow.GetLogger(ctx).Info("continuing as new", "history_length", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	return true, workflow.NewContinueAsNewError(ctx, "TicketWorkflow", in)
}

// quiet holds when no update or signal handler is in flight.
func (t *ticket) quiet(ctx workflow.Context) func() bool {
	return func() bool { return workflow.AllHandlersFinished(ctx) && t.signalsInFlight == 0 }
}

// standDown cancels the running rung after an answer or a withdrawal and waits
// for the child to finish, so no notification of an answered ticket goes out.
func (t *ticket) standDown(ctx workflow.Context) error {
	r := t.child
	t.child = nil
	r.cancel()
	if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
		return err
	}
	var canceled *temporal.CanceledError
	if r.err != nil && !errors.As(r.err, &canceled) {
		workflow.GetLogger(ctx).Warn("escalation child ended with an error", "level", r.level, "error", r.err.Error())
	}
	t.event(ctx, Event{Type: EventStoodDown, Actor: SystemActor, Level: r.level, Public: false,
		Message: fmt.Sprintf("escalation level %d stood down: ticket %s", r.level, t.st.Status)})
	return t.flush(ctx)
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

// event appends a timeline line with the next sequence number.
func (t *ticket) event(ctx workflow.Context, e Event) {
	t.st.Seq++
	e.Seq = t.st.Seq
	e.At = workflow.Now(ctx)
	if e.Level == 0 && e.Type != EventStoodDown {
		e.Level = t.st.EscalationLevel
	}
	t.pending = append(t.pending, e)
}

// flush projects the state and the pending timeline into the read model. Each
// projection carries a higher version, so a late retry never overwrites a
// newer row.
func (t *ticket) flush(ctx workflow.Context) error {
	t.st.Version++
	st := t.st
	st.Responses = append([]Response(nil), t.st.Responses...)
	ch := Change{State: st, Events: t.pending}
	t.pending = nil
	if err := step(ctx, t.local, ActivityRecordChange, ch).Get(ctx, nil); err != nil {
		return fmt.Errorf("recording ticket change v%d: %w", st.Version, err)
	}
	return nil
}

func (t *ticket) notifyBeneficiary(template string, params map[string]string) {
	key := fmt.Sprintf("%s/%d/%s", TicketWorkflowID(t.st.Number), t.st.Seq, template)
	if params == nil {
		params = map[string]string{}
	}
	params["number"] = t.st.Number
	params["status"] = string(t.st.Status)
	t.outbox = append(t.outbox, Notification{Key: key, TicketNumber: t.st.Number, Audience: "beneficiary",
		Channel: "sms", Recipient: t.in.Beneficiary.Mobile, Template: template, Params: params,
		Language: t.in.Beneficiary.Language})
	if t.in.Beneficiary.Email != "" {
		n := t.outbox[len(t.outbox)-1]
		n.Key += "/email"
		n.Channel, n.Recipient = "email", t.in.Beneficiary.Email
		t.outbox = append(t.outbox, n)
	}
}

func (t *ticket) sendNotifications(ctx workflow.Context) error {
	for len(t.outbox) > 0 {
		n := t.outbox[0]
		t.outbox = t.outbox[1:]
		if err := step(ctx, t.local, ActivityNotify, n).Get(ctx, nil); err != nil {
			return fmt.Errorf("notifying %s (%s): %w", n.Audience, n.Template, err)
		}
	}
	return nil
}

// step runs one database step of a workflow: a local activity when local
// (changeLocalSteps), else a task-queue activity, as histories recorded
// before the change expect.
func step(ctx workflow.Context, local bool, activity string, arg any) workflow.Future {
	if local {
		return workflow.ExecuteLocalActivity(localActivityCtx(ctx), activity, arg)
	}
	return workflow.ExecuteActivity(activityCtx(ctx), activity, arg)
}

// localActivityCtx: a short read or write of our own database, run by the
// workflow worker itself; retried like activityCtx (past the local retry
// threshold the SDK keeps retrying through a timer, so an outage delays,
// never fails). A worker that dies mid-step loses its workflow task, which
// the server hands to another worker after the task's timeout.
func localActivityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		// Left unset, the SDK takes the schedule-to-close timeout from the
		// start-to-close one, and a local activity stops retrying after its
		// first 10 s: an outage would fail the step (a rung's holder would
		// fall back to the ticket's entity). Retrying must outlast the outage.
		ScheduleToCloseTimeout: localRetryHorizon,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy:            retryUntilDone(),
	})
}

// localRetryHorizon bounds a local activity's retries in time; in effect
// never (the retry policy's attempts, where set, end them first).
const localRetryHorizon = 10 * 365 * 24 * time.Hour

// retryUntilDone retries with backoff up to a minute apart, without end.
func retryUntilDone() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute}
}

// activityCtx: activities write to our own database; retry them for as long as
// it takes (a database outage must delay a ticket, never fail it). Each is a
// transaction or two, so 10 s is long: a worker that dies mid-activity holds
// its tickets up for that long before the retry goes elsewhere.
func activityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         retryUntilDone(),
	})
}
