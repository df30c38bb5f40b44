package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
)

// TestOutboxMonitor: the administrator reads recipients whole, the
// supervisor masked, nobody a sign-in code; the status filter narrows the
// list, and the poll answers 204 until a message changes.
func TestOutboxMonitor(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	for _, m := range []store.OutboxMessage{
		{Key: "t/1", TicketNumber: "2026-000001", Channel: "sms", Recipient: "+966512345678", Template: "created", Body: "استلمنا طلبكم"},
		{Key: "code/1", Channel: "sms", Recipient: "+966512345678", Template: notify.CodeTemplate, Body: "رمز الدخول: 042917"},
	} {
		if _, err := f.store.EnqueueOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	admin := f.do("GET", "/admin/outbox", nil, f.signIn(t, "admin")).Body.String()
	if !strings.Contains(admin, "+966512345678") || strings.Contains(admin, "042917") {
		t.Error("admin: want the recipient whole and the code hidden")
	}
	supervisor := f.do("GET", "/admin/outbox", nil, f.signIn(t, "supervisor")).Body.String()
	if strings.Contains(supervisor, "+966512345678") || !strings.Contains(supervisor, notify.MaskRecipient("sms", "+966512345678")) {
		t.Error("supervisor: want the recipient masked")
	}
	if strings.Contains(supervisor, `href="/admin/entities"`) {
		t.Error("supervisor: offered the organization page they may not open")
	}

	cookies := f.signIn(t, "admin")
	if sent := f.do("GET", "/admin/outbox?status=sent", nil, cookies).Body.String(); strings.Contains(sent, `data-status="pending"`) {
		t.Error("status=sent lists pending messages")
	}
	if rec := f.do("GET", "/admin/outbox?status=lost", nil, cookies); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("status=lost: HTTP %d, want 422", rec.Code)
	}
	poll := regexp.MustCompile(`hx-get="(/admin/outbox/list\?[^"]+)"`).FindStringSubmatch(admin)
	if poll == nil {
		t.Fatal("the list does not poll")
	}
	url := strings.ReplaceAll(poll[1], "&amp;", "&")
	if rec := f.do("GET", url, nil, cookies); rec.Code != http.StatusNoContent {
		t.Errorf("unchanged poll: HTTP %d, want 204", rec.Code)
	}
	if _, err := f.store.EnqueueOutbox(ctx, store.OutboxMessage{Key: "t/2", TicketNumber: "2026-000002", Channel: "sms",
		Recipient: "+966512345679", Template: "created", Body: "استلمنا"}); err != nil {
		t.Fatal(err)
	}
	if rec := f.do("GET", url, nil, cookies); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "2026-000002") {
		t.Errorf("changed poll: HTTP %d, want 200 with the new message", rec.Code)
	}
}
