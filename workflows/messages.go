package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// setup registers what a ticket answers to: the state query, the policy
// roll-out's signal, and each message as an update and a signal of the same
// name, all before the first await so nothing delivered with the first
// workflow task finds its handler missing.
func (t *ticket) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (TicketState, error) { return t.st, nil }); err != nil {
		return fmt.Errorf("registering query %s: %w", QueryState, err)
	}
	t.listenForPolicies(ctx)
	// One straight list, in the order the single listener takes signals
	// (recorded histories depend on it): Go evaluates the arguments left to
	// right. A registration fails only for a name taken twice.
	if err := errors.Join(
		registerMessage(ctx, t, UpdateRespond, t.validateRespond, t.respond),
		registerMessage(ctx, t, UpdateObject, t.validateObject, t.object),
		registerMessage(ctx, t, UpdateWithdraw, t.validateWithdraw, t.withdraw),
		registerMessage(ctx, t, UpdateAssign, t.validateAssign, t.assign),
		registerMessage(ctx, t, UpdateNote, t.validateNote, t.note),
		registerMessage(ctx, t, UpdateRequestInfo, t.validateRequestInfo, t.requestInfo),
		registerMessage(ctx, t, UpdateProvideInfo, t.validateProvideInfo, t.provideInfo),
		registerMessage(ctx, t, UpdateTransfer, t.validateTransfer, t.transfer),
		registerMessage(ctx, t, UpdateRate, t.validateRate, t.rate),
		registerMessage(ctx, t, UpdateCloseFollowUp, t.validateCloseFollowUp, t.closeFollowUp),
		registerMessage(ctx, t, UpdateOfferMeeting, t.validateOfferMeeting, t.offerMeeting),
		registerMessage(ctx, t, UpdateDeclineMeeting, t.validateDeclineMeeting, t.declineMeeting),
		registerMessage(ctx, t, UpdateConfirmMeeting, t.validateConfirmMeeting, t.confirmMeeting),
		registerMessage(ctx, t, UpdateRecordAttendance, t.validateRecordAttendance, t.recordAttendance),
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateProveMobile, t.proveMobile,
		workflow.UpdateHandlerOptions{Validator: t.validateProveMobile}); err != nil {
		return fmt.Errorf("registering update %s: %w", UpdateProveMobile, err)
	}
	t.listenForSignals(ctx)
	return nil
}

// signalInbox is one message kind's signal channel as the single listener
// sees it.
type signalInbox struct {
	waiting func() bool                 // a signal is queued
	take    func(workflow.Context) bool // handles one queued signal, if any
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
// keeps a drain on t that handles the signals already delivered, reporting
// whether any was accepted.
func registerMessage[R any](ctx workflow.Context, t *ticket, name string,
	validate func(workflow.Context, R) error,
	handle func(workflow.Context, R) (TicketState, error)) error {
	validateUpdate := func(ctx workflow.Context, req R) error {
		if err := t.refuseWhileClosing(); err != nil {
			return err
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
		return fmt.Errorf("registering update %s: %w", name, err)
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
	t.inbox = append(t.inbox, signalInbox{waiting: func() bool { return ch.Len() > 0 }, take: take})
	t.drains = append(t.drains, func(ctx workflow.Context) bool {
		accepted := false
		for {
			var req R
			if !ch.ReceiveAsync(&req) {
				return accepted
			}
			accepted = apply(ctx, req) || accepted
		}
	})
	return nil
}

// refuseWhileClosing refuses an update while the run hands over to a new
// one (continue-as-new): the caller retries on the new run.
func (t *ticket) refuseWhileClosing() error {
	if t.closing {
		return refuse(ErrBusy, "the ticket is being handed to a new run; retry shortly")
	}
	return nil
}

// messagesOpen reports whether messages may be handled: once the filing is
// on the timeline.
func (t *ticket) messagesOpen() bool { return t.ready }

// drainSignals handles every signal already delivered; true if any was accepted.
func (t *ticket) drainSignals(ctx workflow.Context) bool {
	accepted := false
	for _, drain := range t.drains {
		accepted = drain(ctx) || accepted
	}
	return accepted
}
