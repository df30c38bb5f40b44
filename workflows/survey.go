package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"
)

// Survey is the satisfaction survey of a closed ticket.
type Survey struct {
	InvitedAt time.Time  `json:"invited_at"`
	Until     time.Time  `json:"until"`
	Rating    int        `json:"rating,omitempty"` // 0 = not rated
	Comment   string     `json:"comment,omitempty"`
	RatedAt   *time.Time `json:"rated_at,omitempty"`
}

// Follow-up states.
const (
	FollowUpOpen    = "open"
	FollowUpOverdue = "overdue"
	FollowUpDone    = "done"
)

// FollowUp is the quality follow-up a low rating opens: the care-center
// manager of the entity that answered looks into it within its own allowance;
// past it the supervisor is told.
type FollowUp struct {
	Entity   string     `json:"entity"`
	OpenedAt time.Time  `json:"opened_at"`
	DueAt    time.Time  `json:"due_at"`
	Status   string     `json:"status"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy *Actor     `json:"closed_by,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// SurveyRating is the rating given (0 when none); the projection's accessors
// below read the optional parts of the state without nil checks at each use.
func (s TicketState) SurveyRating() int {
	if s.Survey == nil {
		return 0
	}
	return s.Survey.Rating
}

func (s TicketState) SurveyRatedAt() *time.Time {
	if s.Survey == nil || s.Survey.RatedAt == nil {
		return nil
	}
	u := s.Survey.RatedAt.UTC()
	return &u
}

func (s TicketState) FollowUpStatus() string {
	if s.FollowUp == nil {
		return ""
	}
	return s.FollowUp.Status
}

func (s TicketState) FollowUpEntity() string {
	if s.FollowUp == nil {
		return ""
	}
	return s.FollowUp.Entity
}

func (s TicketState) FollowUpDueAt() *time.Time {
	if s.FollowUp == nil {
		return nil
	}
	u := s.FollowUp.DueAt.UTC()
	return &u
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

// RateRequest is the beneficiary's rating of the service, 1 (poor) to 5.
type RateRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
	// Via is the credential behind the request (Actor.Via).
	Via Credential `json:"via,omitzero"`
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
	t.event(ctx, Event{Type: EventRated, Actor: t.beneficiaryActor(req.Via), Public: true,
		Message: strings.TrimSpace(fmt.Sprintf("%d/5 %s", req.Rating, req.Comment))})
	if req.Rating <= 2 {
		due, err := t.in.Policy.FollowUpDue(now)
		if err != nil {
			return t.st, fmt.Errorf("computing the follow-up deadline: %w", err)
		}
		entity := t.answeringEntity()
		t.st.FollowUp = &FollowUp{Entity: entity, OpenedAt: now, DueAt: due, Status: FollowUpOpen}
		t.event(ctx, Event{Type: EventFollowUp, Actor: SystemActor, Entity: entity, Public: false,
			Message: fmt.Sprintf("rating %d: quality follow-up due %s", req.Rating, due.UTC().Format(time.RFC3339))})
		t.notifyOfficial("care_center_manager@"+entity, "follow_up_opened", map[string]string{
			"rating": fmt.Sprint(req.Rating), "due_at": due.UTC().Format(time.RFC3339)})
	}
	t.changes++
	return t.st, t.flush(ctx)
}

// CloseFollowUpRequest closes the quality follow-up with what was done.
type CloseFollowUpRequest struct {
	Actor Actor  `json:"actor"`
	Note  string `json:"note"`
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
