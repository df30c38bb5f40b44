// Package policies holds the escalation policy's use cases, shared by the
// JSON API and the staff's web pages: read a stored version, save a new one
// (its rules: the reason, validation, the audit entry in the save's own
// transaction), preview what a version would do to the open tickets, and
// start its roll-out with the audit entries that record it. Front ends
// decode, authorize and render; the rules live here, in package sla and in
// the roll-out workflow.
package policies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/texts"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

// The bounds of a version's reason, in characters after normalization.
const (
	MinReasonLen = 3
	MaxReasonLen = 500
)

// MaxPerSecond bounds a roll-out's pace as a caller may ask for it.
const MaxPerSecond = 500

// ReasonText is what a refused reason's code means for the reason field.
var ReasonText = texts.Text{AR: "اكتب سبب الإصدار في 3 إلى 500 حرف.", EN: "Give the reason for the version in 3 to 500 characters."}

// Options configure a Service. Store, Audit and Tickets are required.
type Options struct {
	Store   *store.Store
	Audit   *auditlog.Writer
	Tickets *tickets.Service
	Logger  *slog.Logger
	Now     func() time.Time // default time.Now
	// PreviewPageSize is how many open tickets a preview reads at a time
	// (default 500; tests walk several pages of a few tickets).
	PreviewPageSize int
}

// Service runs the policy's use cases.
type Service struct {
	store    *store.Store
	audit    *auditlog.Writer
	tickets  *tickets.Service
	log      *slog.Logger
	now      func() time.Time
	pageSize int
}

// New checks opts and builds the Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Audit == nil || opts.Tickets == nil {
		return nil, errors.New("policies: Options.Store, Audit and Tickets are required")
	}
	s := &Service{store: opts.Store, audit: opts.Audit, tickets: opts.Tickets, log: opts.Logger, now: opts.Now, pageSize: opts.PreviewPageSize}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.pageSize <= 0 {
		s.pageSize = 500
	}
	return s, nil
}

// Version is stored version v; NotFound when there is none.
func (s *Service) Version(ctx context.Context, v int) (sla.Policy, error) {
	if v < 1 {
		return sla.Policy{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	p, err := s.store.GetPolicy(ctx, v)
	if errors.Is(err, store.ErrNotFound) {
		return sla.Policy{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return sla.Policy{}, fmt.Errorf("load policy v%d: %w", v, err)
	}
	return p, nil
}

// Current is the newest stored version; NotFound when none is stored yet.
func (s *Service) Current(ctx context.Context) (sla.Policy, error) {
	p, err := s.store.CurrentPolicy(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return sla.Policy{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return sla.Policy{}, fmt.Errorf("load current policy: %w", err)
	}
	return p, nil
}

// Save stores p as a new version by actor, with its reason. It applies to
// tickets filed from now on; open tickets keep the version they were filed
// under until it is rolled out to them. Invalid, it is refused with every
// field at fault (Validate's paths, "reason"); nothing is stored.
func (s *Service) Save(ctx context.Context, actor workflows.Actor, p sla.Policy) (sla.Policy, error) {
	// The store numbers and stamps versions; what the caller sent is ignored.
	p.Version, p.CreatedAt, p.CreatedBy = 0, time.Time{}, actor.ID
	p.Reason = normalize.Text(p.Reason)
	// A holiday's name is free text that every ticket filed under the
	// policy carries into its workflow.
	if p.Calendar.Holidays != nil {
		hs := make([]sla.Holiday, len(p.Calendar.Holidays))
		for i, h := range p.Calendar.Holidays {
			h.Name = normalize.Text(h.Name)
			hs[i] = h
		}
		p.Calendar.Holidays = hs
	}
	if fields := Check(p); len(fields) > 0 {
		return sla.Policy{}, refusal.Fields(fields...)
	}
	var saved sla.Policy
	// The store names the entry "policy/<version>" once it has numbered it.
	err := s.audit.Audited(ctx, actor, auditlog.PolicyCreated, "policy", map[string]any{"reason": p.Reason}, func(ctx context.Context) error {
		var err error
		saved, err = s.store.SavePolicy(ctx, p, actor.ID)
		return err
	})
	if err != nil {
		return sla.Policy{}, fmt.Errorf("save policy: %w", err)
	}
	s.log.Info("policy saved", "version", saved.Version, "actor", actor.ID)
	return saved, nil
}

// Check is every field Save would refuse p for: its reason (normalized, as
// Save stores it) and sla's validation. A front end that found faults of its
// own in what was sent shows these beside them, without saving.
func Check(p sla.Policy) []refusal.Field {
	return append(checkReason(normalize.Text(p.Reason)), Fields(p, "")...)
}

// checkReason wants 3 to 500 characters once normalized (so invisible marks
// and surrounding spaces do not count).
func checkReason(reason string) []refusal.Field {
	code := ""
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		code = refusal.FieldRequired
	case n < MinReasonLen:
		code = refusal.FieldTooShort
	case n > MaxReasonLen:
		code = refusal.FieldTooLong
	default:
		return nil
	}
	return []refusal.Field{{Name: "reason", Code: code, Text: &ReasonText}}
}

// Fields are sla.Policy.Validate's errors as the fields of a refusal, their
// paths under prefix. The reader gets the code's text in their language
// (package texts); sla's own English message is for logs, never a reader.
func Fields(p sla.Policy, prefix string) []refusal.Field {
	var out []refusal.Field
	for _, f := range p.Validate() {
		out = append(out, refusal.Field{Name: prefix + f.Field, Code: f.Code, Args: f.Args})
	}
	return out
}

// Rollout applies stored version p to every open ticket — an explicit
// administrator's choice: without it open tickets keep the version they were
// filed under — at most perSecond a second (0: the workflow's default). The
// roll-out is a workflow (rate-limited, resumable after any crash); starting
// it again while it runs finds the running one. It answers the workflow's id.
func (s *Service) Rollout(ctx context.Context, actor workflows.Actor, p sla.Policy, perSecond int) (string, error) {
	if perSecond < 0 || perSecond > MaxPerSecond {
		return "", refusal.Fields(refusal.Field{Name: "per_second", Code: refusal.FieldOutOfRange})
	}
	// The entry comes first: a roll-out changes every open ticket's
	// deadlines, so none may start unrecorded. A start that then fails
	// leaves a second entry saying so (best effort: the first already
	// records the attempt).
	subject := fmt.Sprintf("policy/%d", p.Version)
	detail := map[string]any{"version": p.Version, "workflow_id": workflows.PolicyRolloutWorkflowID(p.Version), "per_second": perSecond}
	if err := s.audit.Append(ctx, actor, auditlog.PolicyApplied, subject, detail); err != nil {
		return "", err
	}
	id, err := s.tickets.StartRollout(ctx, p, actor, perSecond)
	if err != nil {
		_ = s.audit.Append(ctx, actor, auditlog.PolicyNotApplied, subject, detail) // Append logs its own failure
		return "", err
	}
	return id, nil
}
