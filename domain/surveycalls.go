package domain

import "slices"

// SurveyCallStatus is where one call of the daily survey list stands.
// Pending calls are still to be made (again, after an unanswered attempt);
// every other status is final and cannot be overwritten.
type SurveyCallStatus string

const (
	SurveyPending SurveyCallStatus = "pending"
	// SurveyReached: the beneficiary answered and rated the service 1–5.
	SurveyReached SurveyCallStatus = "reached"
	// SurveyDeclined: the beneficiary answered but would not take the survey.
	SurveyDeclined SurveyCallStatus = "declined"
	// SurveyUnreachable: nobody answered SurveyMaxAttempts times.
	SurveyUnreachable SurveyCallStatus = "unreachable"
	// SurveyWrongNumber: the mobile is not the beneficiary's.
	SurveyWrongNumber SurveyCallStatus = "wrong_number"
)

// SurveyMaxAttempts is how many unanswered calls make a call unreachable.
// Three spread over a working day is what call centers commonly allow before
// giving up; fewer loses beneficiaries who were briefly busy.
const SurveyMaxAttempts = 3

// The survey call list's default size: 5 % of the tickets closed the day
// before, at most 200 calls, what a small survey team gets through in a day.
const (
	SurveyDefaultShare     = 0.05
	SurveyDefaultMaxPerDay = 200
)

// SurveyCallStatuses lists every status, pending first.
func SurveyCallStatuses() []SurveyCallStatus {
	return []SurveyCallStatus{SurveyPending, SurveyReached, SurveyDeclined, SurveyUnreachable, SurveyWrongNumber}
}

// SurveyOutcomes lists what an agent may record after a call attempt.
func SurveyOutcomes() []SurveyCallStatus {
	return []SurveyCallStatus{SurveyReached, SurveyDeclined, SurveyUnreachable, SurveyWrongNumber}
}

func (s SurveyCallStatus) Valid() bool { return slices.Contains(SurveyCallStatuses(), s) }

// ValidOutcome reports whether s may be recorded by an agent.
func (s SurveyCallStatus) ValidOutcome() bool { return slices.Contains(SurveyOutcomes(), s) }

// Final reports whether no further attempt may be recorded.
func (s SurveyCallStatus) Final() bool { return s != SurveyPending }

// SurveyStatusAfter is the status a call takes when outcome is recorded as
// its attempt-th attempt: an unanswered call stays pending until its last
// allowed attempt.
func SurveyStatusAfter(outcome SurveyCallStatus, attempt int) SurveyCallStatus {
	if outcome == SurveyUnreachable && attempt < SurveyMaxAttempts {
		return SurveyPending
	}
	return outcome
}
