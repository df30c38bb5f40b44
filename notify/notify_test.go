package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

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
	if !strings.Contains(body, "2026-000001") || !strings.Contains(body, "استلمنا طلبكم") || !strings.Contains(body, "We received") {
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
		"subject": "s", "due_at": "z", "entity": "KSU", "role": "entity_head", "status": "open",
		"code": "123456", "minutes": "10", "question": "q?", "until": "u", "entity_name": "جامعة الملك سعود", "rating": "2",
		"at": "2026-03-01T09:00:00Z", "place": "مكتب معالي الوزير", "confirm_by": "c", "reason": "r"}
	for _, name := range Templates() {
		body, err := Render(name, Both, params)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "{") {
			t.Errorf("%s leaves a placeholder: %q", name, body)
		}
		subject, err := Subject(name, Both, params)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(subject, "{") || !strings.Contains(subject, " | ") {
			t.Errorf("%s: subject %q", name, subject)
		}
	}
	if _, err := Render("nope", Both, nil); err == nil {
		t.Fatal("unknown template rendered")
	}
}

func TestBeneficiaryCodeTemplate(t *testing.T) {
	body, err := Render("beneficiary_code", Both, map[string]string{"code": "042917", "minutes": "10"})
	if err != nil {
		t.Fatal(err)
	}
	ar, en, ok := strings.Cut(body, "\n")
	if !ok {
		t.Fatalf("want Arabic then English on two lines: %q", body)
	}
	if !strings.Contains(ar, "رمز الدخول إلى تواصل: \u2066042917\u2069") || !strings.Contains(ar, "\u206610\u2069 دقائق") {
		t.Errorf("Arabic: %q", ar)
	}
	if !strings.Contains(en, "sign-in code: 042917") || !strings.Contains(en, "10 minutes") {
		t.Errorf("English: %q", en)
	}

	row, err := Prepare(Message{Channel: "sms", Recipient: "+966512345678", Template: "beneficiary_code",
		Params: map[string]string{"code": "042917", "minutes": "10"}}, time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("AST", 3*3600)))
	if err != nil {
		t.Fatal(err)
	}
	if row.Body != body || row.Status != "pending" || row.Key != "" || row.CreatedAt.Location() != time.UTC || row.Recipient != "+966512345678" {
		t.Errorf("prepared row %+v", row)
	}
	if _, err := Prepare(Message{Channel: "sms", Template: "beneficiary_code"}, time.Now()); err == nil {
		t.Error("prepared a message without a recipient")
	}
}

// A beneficiary reads the language chosen at intake, subject included;
// officials read Arabic then English; instants show as Riyadh wall time.
func TestLanguagesAndDates(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	params := map[string]string{"number": "2026-000007", "objection_until": "2026-03-08T12:30:00Z"}
	prep := func(audience, channel, lang string) store.OutboxMessage {
		t.Helper()
		row, err := Prepare(Message{Key: "k", Audience: audience, Channel: channel, Recipient: "r@example.com",
			Template: "answered", Params: params, Language: lang}, at)
		if err != nil {
			t.Fatal(err)
		}
		return row
	}
	en := prep("beneficiary", "email", English)
	if en.Body != "Your request 2026-000007 has been answered. You may object until 2026-03-08 15:30." {
		t.Errorf("English body %q", en.Body)
	}
	if en.Subject != "Your request 2026-000007 has been answered" {
		t.Errorf("English subject %q", en.Subject)
	}
	ar := prep("beneficiary", "email", Arabic)
	if ar.Body != "صدر الرد على طلبكم رقم \u20662026-000007\u2069، ويمكنكم الاعتراض عليه حتى \u20662026-03-08 15:30\u2069." {
		t.Errorf("Arabic body %q", ar.Body)
	}
	if ar.Subject != "الرد على طلبكم رقم \u20662026-000007\u2069" {
		t.Errorf("Arabic subject %q", ar.Subject)
	}
	if sms := prep("beneficiary", "sms", English); sms.Subject != "" {
		t.Errorf("an SMS has a subject: %q", sms.Subject)
	}
	official := prep("official", "inbox", English)
	if !strings.HasPrefix(official.Body, "صدر الرد") || !strings.Contains(official.Body, "\nYour request") {
		t.Errorf("an official's message is not Arabic then English: %q", official.Body)
	}
	for in, want := range map[string]string{"": Arabic, "ar": Arabic, "en": English, "fr": Arabic} {
		if got := Language(in); got != want {
			t.Errorf("Language(%q) = %q, want %q", in, got, want)
		}
	}
	// A value that is no instant is shown as given.
	body, _ := Render("answered", English, map[string]string{"number": "1", "objection_until": "soon"})
	if !strings.HasSuffix(body, "until soon.") {
		t.Errorf("body %q", body)
	}
}
