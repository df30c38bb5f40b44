// Package tickets holds the ticket's use cases, the application core every
// front end shares (the JSON API now, the web pages next): file a ticket and
// start its workflow (and the loop that starts what intake could not), act on
// it through the workflow's updates, find it by its tracking code, read its
// workflow history, and roll a policy out to open tickets.
//
// It owns every call to Temporal. Its answers are typed results, and when it
// will not do what was asked a *refusal.Error that each front end maps to its
// own answer once. Front ends decode, authorize (authz) and render; the rules
// of the ticket live here and in its workflow.
package tickets

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/payload"
	"github.com/tawasul/tawasul/store"
)

// Temporal is the part of the Temporal client the use cases need; narrow so
// tests can substitute a recording fake.
type Temporal interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	GetWorkflowExecutionHistory(ctx context.Context, req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error)
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
}

// FromClient narrows an SDK client to Temporal.
func FromClient(c client.Client) Temporal { return sdkClient{c} }

type sdkClient struct{ client.Client }

func (c sdkClient) GetWorkflowExecutionHistory(ctx context.Context, req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	return c.WorkflowService().GetWorkflowExecutionHistory(ctx, req)
}

// Options configure the Service. Store, Temporal and Entities are required.
type Options struct {
	Store    *store.Store
	Temporal Temporal
	// Entities is the hierarchy cache the front ends share.
	Entities *entities.Cache
	// Keys hold the tracking secret: tracking codes are kept as keyed hashes
	// and sealed for idempotent replays under it.
	Keys   trackcode.Keys
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
	// Timeout bounds each call to Temporal, so a missing worker answers
	// "busy" instead of hanging (default 10s).
	Timeout time.Duration
	// Namespace is the Temporal namespace, for raw history requests
	// (default "default").
	Namespace string
	// Codec opens the sealed payloads of a raw history (History); nil shows
	// them as Temporal holds them.
	Codec *payload.Codec
}

// Service runs the ticket's use cases.
type Service struct {
	store     *store.Store
	temporal  Temporal
	entities  *entities.Cache
	keys      trackcode.Keys
	log       *slog.Logger
	now       func() time.Time
	timeout   time.Duration
	namespace string
	codec     *payload.Codec
}

// New checks opts and fills in the defaults.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("tickets: Options.Store is required")
	case opts.Temporal == nil:
		return nil, errors.New("tickets: Options.Temporal is required")
	case opts.Entities == nil:
		return nil, errors.New("tickets: Options.Entities is required")
	}
	s := &Service{
		store: opts.Store, temporal: opts.Temporal, entities: opts.Entities, keys: opts.Keys,
		log: opts.Logger, now: opts.Now, timeout: opts.Timeout, namespace: opts.Namespace,
		codec: opts.Codec,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.namespace == "" {
		s.namespace = "default"
	}
	return s, nil
}

// Keys are the tracking secret's keys, for the front ends' own short secrets
// (beneficiary sign-in codes and sessions) under the same secret.
func (s *Service) Keys() trackcode.Keys { return s.keys }
