package notify

import (
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

func TestAsStaffSee(t *testing.T) {
	sms := store.OutboxMessage{Channel: "sms", Recipient: "+966512345678", Template: "created", Body: "استلمنا"}
	code := store.OutboxMessage{Channel: "sms", Recipient: "+966512345678", Template: CodeTemplate, Body: "042917"}
	masked := MaskRecipient("sms", "+966512345678")
	for _, c := range []struct {
		name       string
		m          store.OutboxMessage
		role       domain.Role
		inFull     bool
		recipient  string
		body       string
		bodyHidden bool
	}{
		{"admin reads recipients whole", sms, domain.RoleAdmin, false, sms.Recipient, sms.Body, false},
		{"supervisor reads them masked", sms, domain.RoleSupervisor, false, masked, sms.Body, false},
		{"nobody reads a sign-in code", code, domain.RoleAdmin, false, code.Recipient, "", true},
		{"dev mode shows everything", code, domain.RoleSupervisor, true, code.Recipient, code.Body, false},
	} {
		got, hidden := AsStaffSee(c.m, c.role, c.inFull)
		if got.Recipient != c.recipient || got.Body != c.body || hidden != c.bodyHidden {
			t.Errorf("%s: recipient %q body %q hidden %v; want %q %q %v", c.name, got.Recipient, got.Body, hidden, c.recipient, c.body, c.bodyHidden)
		}
	}
}
