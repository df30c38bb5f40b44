package workflows

import "go.temporal.io/sdk/workflow"

// Change IDs of workflow.GetVersion: each marks a change to the ticket
// workflow made after histories were recorded (workflows/testdata); replay
// tests prove old histories still take the old path.
const (
	// changeAutoAssign: a new ticket (and an objection's review) goes to the
	// least-loaded coordinator of the entity that holds it.
	changeAutoAssign = "auto-assign"
	// changeSurvey: a closed ticket stays for its satisfaction survey (and
	// the quality follow-up a low rating opens) before completing.
	changeSurvey = "survey"
	// changeMessagesAfterFiling: messages arriving with the first workflow
	// task wait until the filing is on the timeline.
	changeMessagesAfterFiling = "messages-after-filing"
	// changeNotifyAssigned: the beneficiary is told when a coordinator first
	// takes the ticket up, and the coordinator when someone else assigns it.
	changeNotifyAssigned = "notify-assigned"
	// changeLocalResolve: who holds the next rung is looked up by a local
	// activity (in the workflow task), not a task-queue activity.
	changeLocalResolve = "local-resolve-level"
	// changeLocalSteps: every step of the ticket (and of a rung) that reads
	// or writes our own database — the projection, the outbox, the lookups —
	// runs as a local activity inside the workflow task that asked for it.
	// A task-queue activity costs a round trip through the server (three
	// history events, two more workflow tasks); a burst of deadlines or a
	// crowd of answers paid that several times per step.
	changeLocalSteps = "local-steps"
	// changeOneListener: one coroutine takes the signals of every message
	// kind, in registration order, one at a time, instead of a coroutine per
	// kind: fourteen idle goroutines per ticket in the worker's cache were
	// most of its memory (BENCHMARKS.md).
	changeOneListener = "one-signal-listener"
	// changeBaseline: every change above, taken as one. The SDK records each
	// change's marker the first time a ticket's path meets it and upserts the
	// TemporalChangeVersion search attribute beside it, which the server turns
	// into one more visibility write: five to seven per ticket (four with the
	// first workflow task) and two per escalation, more than the ticket's own
	// start and close. A ticket on the baseline records this one marker and
	// takes every change above without asking; its rungs are told so in
	// their input (EscalationInput.Baseline) and ask nothing either. A ticket
	// started before keeps asking change by change, as it always did.
	changeBaseline = "baseline-2026-12"
)

// changed says whether change id is in force for this ticket: always on the
// baseline; else by the change's own version marker, as before the baseline.
func (t *ticket) changed(ctx workflow.Context, id string) bool {
	return t.baseline || workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
}
