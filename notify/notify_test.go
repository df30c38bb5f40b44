package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/store"
)

type memOutbox struct {
	rows map[string]store.OutboxMessage
}

func (m *memOutbox) EnqueueOutbox(_ context.Context, msg store.OutboxMessage) (bool, error) {
	if _, ok := m.rows[msg.Key]; ok {
		return false, nil
	}
	m.rows[msg.Key] = msg
	return true, nil
}

func TestNotifyIsKeyedAndMasksTheRecipient(t *testing.T) {
	var logs bytes.Buffer
	ob := &memOutbox{rows: map[string]store.OutboxMessage{}}
	n := New(ob, slog.New(slog.NewJSONHandler(&logs, nil)))
	m := Message{Key: "ticket-2026-000001/1/created", TicketNumber: "2026-000001", Audience: "beneficiary",
		Channel: "sms", Recipient: "+966512345678", Template: "created",
		Params: map[string]string{"number": "2026-000001", "sla_due_at": "2026-11-23T07:00:00Z"}}
	for range 2 {
		if err := n.Notify(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if len(ob.rows) != 1 {
		t.Fatalf("want one outbox row, got %d", len(ob.rows))
	}
	body := ob.rows[m.Key].Body
	if !strings.Contains(body, "2026-000001") || !strings.Contains(body, "تم استلام طلبكم") || !strings.Contains(body, "We received") {
		t.Fatalf("body: %q", body)
	}
	if strings.Contains(logs.String(), "+966512345678") {
		t.Fatalf("log leaks the mobile number: %s", logs.String())
	}
	if strings.Count(logs.String(), "notification queued") != 1 {
		t.Fatalf("a duplicate was logged as queued: %s", logs.String())
	}
}

func TestEveryTemplateRendersWithoutPlaceholdersLeft(t *testing.T) {
	params := map[string]string{"number": "1", "sla_due_at": "x", "level": "2", "objection_until": "y",
		"subject": "s", "due_at": "z", "entity": "KSU", "role": "entity_head", "status": "open"}
	for _, name := range Templates() {
		body, err := Render(name, params)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "{") {
			t.Errorf("%s leaves a placeholder: %q", name, body)
		}
	}
	if _, err := Render("nope", nil); err == nil {
		t.Fatal("unknown template rendered")
	}
}
