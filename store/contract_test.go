package store

import (
	"context"
	"time"

	"github.com/tawasul/tawasul/sla"
)

// The exported surface other packages code against (once contract.go). A
// change to any of these signatures fails to compile here first: change them
// only by agreement with the packages that call them.
var (
	_ func(context.Context, string) (*Store, error) = Open

	_ func(*Store) string                                                   = (*Store).Dialect
	_ func(*Store, context.Context) error                                   = (*Store).Migrate
	_ func(*Store, context.Context) (int, error)                            = (*Store).PendingMigrations
	_ func(*Store, context.Context) error                                   = (*Store).Ping
	_ func(*Store) error                                                    = (*Store).Close
	_ func(*Store, context.Context, []Entity) error                         = (*Store).UpsertEntities
	_ func(*Store, context.Context) ([]Entity, error)                       = (*Store).ListEntities
	_ func(*Store, context.Context, string) (Entity, error)                 = (*Store).GetEntity
	_ func(*Store, context.Context) (sla.Policy, error)                     = (*Store).CurrentPolicy
	_ func(*Store, context.Context, int) (sla.Policy, error)                = (*Store).GetPolicy
	_ func(*Store, context.Context, sla.Policy, string) (sla.Policy, error) = (*Store).SavePolicy
	_ func(*Store, context.Context, sla.Policy) (sla.Policy, error)         = (*Store).EnsurePolicy
	_ func(*Store, context.Context, string) (IdempotencyRecord, error)      = (*Store).FindIdempotency

	_ func(*Store, context.Context, NewTicket, *IdempotencyRecord) (Ticket, *IdempotencyRecord, bool, error) = (*Store).CreateTicket

	_ func(*Store, context.Context, string) error                         = (*Store).MarkWorkflowStarted
	_ func(*Store, context.Context, time.Time, int) ([]Ticket, error)     = (*Store).UnstartedTickets
	_ func(*Store, context.Context, string) (Ticket, error)               = (*Store).GetTicket
	_ func(*Store, context.Context, TicketFilter) (Page, error)           = (*Store).ListTickets
	_ func(*Store, context.Context, string, bool) ([]TicketEvent, error)  = (*Store).Timeline
	_ func(*Store, context.Context, TicketChange) error                   = (*Store).ApplyChange
	_ func(*Store, context.Context, OutboxMessage) (bool, error)          = (*Store).EnqueueOutbox
	_ func(*Store, context.Context, string) ([]OutboxMessage, error)      = (*Store).Outbox
	_ func(*Store, context.Context, OutboxClaim) ([]OutboxMessage, error) = (*Store).ClaimOutbox
	_ func(*Store, context.Context, int64, time.Time) error               = (*Store).MarkOutboxSent
	_ func(*Store, context.Context, int64, int, time.Time, string) error  = (*Store).RetryOutbox
	_ func(*Store, context.Context, int64, string, string) error          = (*Store).FinishOutbox
	_ func(*Store, context.Context, OutboxFilter) (OutboxPage, error)     = (*Store).ListOutbox

	_ func(*Store, context.Context, AuditEntry) (AuditEntry, error)     = (*Store).AppendAudit
	_ func(*Store, context.Context, int64, int) ([]AuditEntry, error)   = (*Store).ListAudit
	_ func(*Store, context.Context, []AuditAnchor) (AuditReport, error) = (*Store).VerifyAudit
	_ func(*Store, context.Context) (AuditAnchor, error)                = (*Store).AuditHead

	_ func(*Store, context.Context, Attachment, int) (Attachment, error) = (*Store).AddAttachment
	_ func(*Store, context.Context, string, bool) (int, error)           = (*Store).CountAttachments
	_ func(*Store, context.Context, string) ([]Attachment, error)        = (*Store).Attachments
	_ func(*Store, context.Context, string, string) (Attachment, error)  = (*Store).GetAttachment
	_ func(*Store, context.Context, string) (bool, error)                = (*Store).AttachmentKeyInUse

	_ = []error{ErrNotFound, ErrIdempotencyMismatch, ErrBadCursor, ErrAttachmentLimit}
)
