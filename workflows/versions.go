package workflows

// Change IDs of workflow.GetVersion. A ticket takes one path; a change that
// alters what a running ticket would do next is added behind a GetVersion of
// its own and removed again once no run needs its old branch
// (docs/architecture.md, "Changing the workflows").
const (
	// changeBaseline marks every ticket started by the code of the one path
	// (the automatic assignment, the survey, messages after the filing, the
	// assignment notices, the database steps as local activities, the single
	// signal listener: each once a change of its own, now simply the code).
	// TicketWorkflow asks for it first, with version 1 the only one
	// supported, so it records one marker and one TemporalChangeVersion
	// upsert per ticket, and rungs none. It is kept rather than dropped for
	// two reasons: a history made by code older than the one path fails on
	// its first workflow task with "version not supported" instead of a
	// non-determinism error further on, and visibility can tell the tickets
	// of this code from any older ones (TemporalChangeVersion =
	// 'baseline-2026-12-1').
	changeBaseline = "baseline-2026-12"
)
