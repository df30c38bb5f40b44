package notify

import (
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

// CodeTemplate is the template of a beneficiary's sign-in code by SMS.
const CodeTemplate = "beneficiary_code"

// OutboxStatuses are the statuses an outbox message can have, in the order
// a reader filters by them.
var OutboxStatuses = []string{store.OutboxPending, store.OutboxSent, store.OutboxFailed, store.OutboxSkipped}

// AsStaffSee is m as a staff member of role reads it in the outbox (the
// API's GET /api/v1/outbox and the web's outbox monitor): administrators see
// recipients whole, everyone else masked; a sign-in code's text is hidden
// from everyone (bodyHidden), since whoever read it could sign in as the
// beneficiary. inFull (dev mode, without an SMS gateway) shows everything.
func AsStaffSee(m store.OutboxMessage, role domain.Role, inFull bool) (shown store.OutboxMessage, bodyHidden bool) {
	if !inFull && role != domain.RoleAdmin {
		m.Recipient = MaskRecipient(m.Channel, m.Recipient)
	}
	if m.Template == CodeTemplate && !inFull {
		m.Body, bodyHidden = "", true
	}
	return m, bodyHidden
}
