// Package surveycalls is the satisfaction survey's call list as the staff
// work it, whichever front end they use (the JSON API, the web pages): who
// reads a call's mobile in full, what an outcome must be, and recording it
// once, audited. The list itself is drawn by the store and the daily
// workflow (store.SampleSurveyCalls, workflows.SurveyCallsWorkflow).
package surveycalls

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const (
	// AuditRecorded is the audit action of a recorded call attempt.
	AuditRecorded = "survey_call.recorded"
	// MaxComment bounds an agent's comment, in runes after normalization.
	MaxComment = 1000
	// CodeFinal refuses an attempt on a call that has its final outcome.
	CodeFinal = "survey_call_final"
)

// Mobile is a call's mobile as role reads it: the agent who must call (and
// an admin) in full, the supervisor reviewing the list masked, as in the
// outbox (they review, they do not call).
func Mobile(role domain.Role, mobile string) string {
	if role == domain.RoleSurveyAgent || role == domain.RoleAdmin {
		return mobile
	}
	return normalize.MaskPhone(mobile)
}

// Outcome is a call attempt's outcome as sent.
type Outcome struct {
	Outcome domain.SurveyCallStatus
	// Rating is 1–5, given when (and only when) the beneficiary was reached.
	Rating  *int
	Comment string
}

// Check validates an outcome and returns it normalized; the fields at fault
// are an Invalid refusal. A rating given for an outcome other than reached
// is invalid_value on rating.
func Check(in Outcome) (store.SurveyOutcome, error) {
	var errs []refusal.Field
	add := func(field, code string) { errs = append(errs, refusal.Field{Name: field, Code: code}) }
	o := store.SurveyOutcome{Outcome: in.Outcome, Comment: normalize.Text(in.Comment)}
	switch {
	case in.Outcome == "":
		add("outcome", refusal.FieldRequired)
	case !in.Outcome.ValidOutcome():
		add("outcome", refusal.FieldNotInList)
	case in.Outcome == domain.SurveyReached && in.Rating == nil:
		add("rating", refusal.FieldRequired)
	case in.Outcome == domain.SurveyReached && (*in.Rating < 1 || *in.Rating > 5):
		add("rating", refusal.FieldOutOfRange)
	case in.Outcome == domain.SurveyReached:
		o.Rating = *in.Rating
	case in.Rating != nil:
		add("rating", refusal.FieldInvalidValue)
	}
	if utf8.RuneCountInString(o.Comment) > MaxComment {
		add("comment", refusal.FieldTooLong)
	}
	if len(errs) > 0 {
		return store.SurveyOutcome{}, refusal.Fields(errs...)
	}
	return o, nil
}

// Service records call attempts.
type Service struct {
	store *store.Store
	audit *auditlog.Writer
	now   func() time.Time
}

// New is the service over st, auditing to audit; now defaults to time.Now.
func New(st *store.Store, audit *auditlog.Writer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, audit: audit, now: now}
}

// Recorded is a call after an attempt was recorded.
type Recorded struct {
	Line store.SurveyCallLine
	// Replayed: the request was already recorded (the same key, or the
	// very request that made the call final sent again); nothing changed.
	Replayed bool
}

// Record records one attempt by agent on call id, audited in the write's
// transaction. key ("" for none) makes a retry the same attempt; keys are
// scoped to their agent, and another agent repeating a request is another
// attempt. Refusals: Invalid with fields (Check), NotFound, Conflict
// CodeFinal, Invalid idempotency_key_reused.
func (s *Service) Record(ctx context.Context, agent workflows.Actor, id int64, in Outcome, key string) (Recorded, error) {
	o, err := Check(in)
	if err != nil {
		return Recorded{}, err
	}
	line, err := s.store.GetSurveyCall(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Recorded{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return Recorded{}, fmt.Errorf("record survey call %d: %w", id, err)
	}
	o.AgentID, o.At = agent.ID, s.now()
	o.RequestHash = trackcode.SHA256Hex(fmt.Sprintf("%s\x00%d\x00%s\x00%s", o.Outcome, o.Rating, o.Comment, agent.ID))
	if key != "" {
		o.KeyHash = trackcode.SHA256Hex(agent.ID + "\x00" + key)
	}
	var call store.SurveyCall
	err = s.audit.Audited(ctx, agent, AuditRecorded, fmt.Sprintf("survey_call/%d", id), nil, func(ctx context.Context) error {
		call, err = s.store.RecordSurveyOutcome(ctx, id, o)
		return err
	})
	out := Recorded{Line: line}
	switch {
	case errors.Is(err, store.ErrSurveyReplay):
		out.Replayed = true
	case errors.Is(err, store.ErrNotFound):
		return Recorded{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	case errors.Is(err, store.ErrSurveyCallFinal):
		return Recorded{}, refusal.New(refusal.Conflict, CodeFinal)
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return Recorded{}, refusal.New(refusal.Invalid, refusal.CodeIdempotencyReused)
	case err != nil:
		return Recorded{}, fmt.Errorf("record survey call %d: %w", id, err)
	}
	out.Line.SurveyCall = call
	return out, nil
}
