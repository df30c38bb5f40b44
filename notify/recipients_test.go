package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

func TestUserRecipient(t *testing.T) {
	for id, want := range map[string]string{
		"user:alice":      "user:alice",
		"user:oidc:alice": "user:oidc:alice",
		"token:telephony": "user:token:telephony",
		"coord-ksu":       "user:config:coord-ksu",
		// A configured token named like an account reads its own messages.
		"alice": "user:config:alice",
		"":      "",
	} {
		if got := UserRecipient(id); got != want {
			t.Errorf("UserRecipient(%q) = %q, want %q", id, got, want)
		}
	}
}

// The recipients each kind of official reads, against those the workflows
// address: escalation ("<role>@<holder entity>", the ministry root for the
// ministry-wide rungs), follow-ups ("care_center_manager@<entity>",
// "supervisor").
func TestInboxRecipients(t *testing.T) {
	cases := []struct {
		id     string
		role   domain.Role
		entity string
		want   []string
	}{
		{"user:c", domain.RoleCoordinator, "KSU", []string{"user:c", "coordinator@KSU"}},
		{"user:m", domain.RoleCareCenterManager, "KSU", []string{"user:m", "care_center_manager@KSU"}},
		{"user:h", domain.RoleEntityHead, "KSU", []string{"user:h", "entity_head@KSU"}},
		{"user:s", domain.RoleSectorOfficial, "SEC-EDU", []string{"user:s", "sector_official@SEC-EDU"}},
		{"supervisor", domain.RoleSupervisor, "", []string{"user:config:supervisor", "supervisor", "supervisor@MOE"}},
		{"user:o", domain.RoleMinisterOffice, "", []string{"user:o", "minister_office", "minister_office@MOE"}},
		// A ministry-wide role configured with an entity still sits at the ministry.
		{"user:o2", domain.RoleMinisterOffice, "KSU", []string{"user:o2", "minister_office", "minister_office@MOE"}},
		{"user:a", domain.RoleAdmin, "", []string{"user:a", "admin"}},
		{"agent-1", domain.RoleAgent, "", []string{"user:config:agent-1", "agent"}},
	}
	for _, c := range cases {
		got := InboxRecipients(c.id, c.role, c.entity, "MOE")
		if !slices.Equal(got, c.want) {
			t.Errorf("InboxRecipients(%s, %s@%s) = %q, want %q", c.id, c.role, c.entity, got, c.want)
		}
	}
	// What the escalation ladder addresses reaches exactly its holder's role
	// at its place: no other entity's, no other role's.
	coord := InboxRecipients("user:c", domain.RoleCoordinator, "KSU", "MOE")
	for _, r := range []string{RoleRecipient(domain.RoleCareCenterManager, "KSU"), RoleRecipient(domain.RoleCoordinator, "UQU"),
		RoleRecipient(domain.RoleCoordinator, ""), "user:someone"} {
		if slices.Contains(coord, r) {
			t.Errorf("a KSU coordinator reads %q", r)
		}
	}
}

func TestInboxRowsKeepParamsAndLocalize(t *testing.T) {
	params := map[string]string{"number": "2026-000007", "subject": "تأخر المكافأة", "level": "2", "due_at": "2026-03-18T09:30:00Z"}
	row, err := Prepare(Message{Key: "k", TicketNumber: "2026-000007", Audience: "official", Channel: InboxChannel,
		Recipient: "entity_head@KSU", Template: "escalation_assigned", Params: params}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(row.Body, "أُحيل إليكم") || !strings.Contains(row.Body, "escalated to you") {
		t.Fatalf("stored body is not Arabic then English: %q", row.Body)
	}
	ar := Localize(row.Template, row.Params, row.Body, Arabic)
	en := Localize(row.Template, row.Params, row.Body, English)
	if !strings.Contains(ar, "أُحيل إليكم الطلب رقم \u20662026-000007\u2069") || strings.Contains(ar, "escalated") {
		t.Errorf("Arabic: %q", ar)
	}
	if en != "Request 2026-000007 was escalated to you (level 2): \u2068تأخر المكافأة\u2069. Due by 2026-03-18 12:30." {
		t.Errorf("English: %q", en)
	}
	// Rows without parameters (older, or not in-app) show what was stored.
	sms, err := Prepare(Message{Key: "k2", Audience: "beneficiary", Channel: "sms", Recipient: "+966512345678",
		Template: "beneficiary_code", Params: map[string]string{"code": "123456", "minutes": "10"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if sms.Params != "" {
		t.Errorf("an SMS keeps its parameters (a sign-in code among them): %q", sms.Params)
	}
	for _, c := range [][2]string{{"", "stored"}, {"{bad", "stored"}, {`{"number":"1"}`, "stored"}} {
		tmpl := "escalation_assigned"
		if c[0] == `{"number":"1"}` {
			tmpl = "no_such_template"
		}
		if got := Localize(tmpl, c[0], "stored", English); got != c[1] {
			t.Errorf("Localize(%q, %q) = %q, want the stored body", tmpl, c[0], got)
		}
	}
}
