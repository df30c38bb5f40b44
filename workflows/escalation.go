package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// EscalationWorkflow is one rung of the ladder: it tells the level's holder the
// ticket is theirs, reminds them halfway, and reports when their allowance
// expires. The parent cancels it the moment the ticket is answered.
func EscalationWorkflow(ctx workflow.Context, in EscalationInput) (EscalationResult, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	notify := func(template string) error {
		n := Notification{
			Key:          fmt.Sprintf("%s/%s", id, template),
			TicketNumber: in.Number,
			Audience:     "official",
			Channel:      "inbox",
			Recipient:    fmt.Sprintf("%s@%s", in.Holder.Role, in.Holder.Entity),
			Template:     template,
			Params: map[string]string{
				"number":  in.Number,
				"subject": in.Subject,
				"level":   fmt.Sprint(in.Level),
				"due_at":  in.DueAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
			},
		}
		return step(ctx, ActivityNotify, n).Get(ctx, nil)
	}
	if err := notify("escalation_assigned"); err != nil {
		return EscalationResult{}, fmt.Errorf("notifying level %d: %w", in.Level, err)
	}
	if !in.RemindAt.IsZero() && in.RemindAt.Before(in.DueAt) {
		if err := sleepUntil(ctx, in.RemindAt); err != nil {
			return EscalationResult{}, err
		}
		if err := notify("escalation_reminder"); err != nil {
			return EscalationResult{}, fmt.Errorf("reminding level %d: %w", in.Level, err)
		}
	}
	if err := sleepUntil(ctx, in.DueAt); err != nil {
		return EscalationResult{}, err
	}
	return EscalationResult{Expired: true, At: workflow.Now(ctx)}, nil
}

// sleepUntil sleeps on a durable timer until at; a moment already past returns at once.
func sleepUntil(ctx workflow.Context, at time.Time) error {
	d := at.Sub(workflow.Now(ctx))
	if d <= 0 {
		return nil
	}
	return workflow.Sleep(ctx, d)
}

// EscalationInput starts one rung's child workflow.
type EscalationInput struct {
	Number  string      `json:"number"`
	Subject string      `json:"subject"`
	Round   int         `json:"round"`
	Level   int         `json:"level"`
	Holder  LevelHolder `json:"holder"`
	DueAt   time.Time   `json:"due_at"`
	// RemindAt, when set and before DueAt, sends the holder a reminder.
	RemindAt time.Time `json:"remind_at,omitempty"`
}

// EscalationResult says how a rung ended.
type EscalationResult struct {
	Expired bool      `json:"expired"`
	At      time.Time `json:"at"`
}
