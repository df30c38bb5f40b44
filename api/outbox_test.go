package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/store"
)

type outboxPage struct {
	Items      []outboxMessageJSON `json:"items"`
	NextCursor string              `json:"next_cursor"`
}

// seedOutbox queues a ticket's SMS and e-mail and a sign-in code, and
// records a failed attempt at the SMS.
func seedOutbox(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	for _, m := range []store.OutboxMessage{
		{Key: "ticket-2026-000001/1/created", TicketNumber: "2026-000001", Channel: "sms", Recipient: "+966512345678",
			Template: "created", Body: "استلمنا طلبكم رقم 2026-000001"},
		{Key: "ticket-2026-000001/1/created/email", TicketNumber: "2026-000001", Channel: "email", Recipient: "sara@example.com",
			Template: "created", Subject: "استلام طلبكم رقم 2026-000001", Body: "استلمنا طلبكم رقم 2026-000001"},
		{Key: "beneficiary-code/1", Channel: "sms", Recipient: "+966512345678", Template: codeTemplate, Body: "رمز الدخول إلى تواصل: 042917"},
	} {
		if _, err := f.store.EnqueueOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := f.store.ClaimOutbox(ctx, store.OutboxClaim{Channels: []string{"sms"}, Now: time.Now().Add(time.Minute), Limit: 1, Lease: time.Minute})
	if err != nil || len(ms) != 1 {
		t.Fatalf("claim: %v, %v", ms, err)
	}
	if err := f.store.RetryOutbox(ctx, ms[0].ID, 1, time.Now().Add(time.Hour), "sms gateway https://sms.example: HTTP 503"); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxAsAdminAndSupervisorSeeIt(t *testing.T) {
	f := newFixture(t)
	seedOutbox(t, f)
	list := func(token, query string) outboxPage {
		t.Helper()
		r := f.do(req{method: "GET", path: "/api/v1/outbox" + query, token: testTokens[token]})
		r.expect(http.StatusOK)
		var p outboxPage
		r.json(&p)
		return p
	}

	admin := list("admin", "")
	if len(admin.Items) != 3 || admin.NextCursor != "" {
		t.Fatalf("admin sees %+v", admin)
	}
	code, mail, sms := admin.Items[0], admin.Items[1], admin.Items[2]
	if code.Template != codeTemplate || code.Body != "" || !code.BodyHidden || code.Recipient != "+966512345678" {
		t.Errorf("a sign-in code as the admin sees it: %+v", code)
	}
	if mail.Subject != "استلام طلبكم رقم 2026-000001" || mail.Recipient != "sara@example.com" || mail.Status != "pending" ||
		mail.NextAttemptAt == nil || mail.Attempts != 0 {
		t.Errorf("e-mail: %+v", mail)
	}
	if sms.Attempts != 1 || sms.LastError != "sms gateway https://sms.example: HTTP 503" || sms.Body == "" || sms.TicketNumber != "2026-000001" {
		t.Errorf("failed SMS: %+v", sms)
	}

	sup := list("supervisor", "?ticket=2026-000001")
	if len(sup.Items) != 2 || sup.Items[0].Recipient != "s***@example.com" || strings.Contains(sup.Items[1].Recipient, "12345678") ||
		sup.Items[1].Body == "" {
		t.Fatalf("supervisor sees %+v", sup.Items)
	}
	page := list("admin", "?status=pending&limit=2")
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	if rest := list("admin", "?status=pending&limit=2&cursor="+page.NextCursor); len(rest.Items) != 1 || rest.NextCursor != "" {
		t.Fatalf("second page %+v", rest)
	}
	if none := list("admin", "?status=sent"); len(none.Items) != 0 {
		t.Fatalf("sent: %+v", none)
	}

	for query, field := range map[string]string{"?status=lost": "status", "?ticket=abc": "ticket", "?limit=0": "limit", "?to=x": "to"} {
		p := f.do(req{offContract: true, method: "GET", path: "/api/v1/outbox" + query, token: testTokens["admin"]}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %+v", query, p.Errors)
		}
	}
	f.do(req{method: "GET", path: "/api/v1/outbox?cursor=x", token: testTokens["admin"]}).expectProblem(http.StatusBadRequest, codeBadCursor)
}

// In dev the outbox is shown in full: a developer reads the sign-in code there.
func TestOutboxInFullInDev(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.OutboxInFull = true })
	seedOutbox(t, f)
	r := f.do(req{method: "GET", path: "/api/v1/outbox", token: testTokens["supervisor"]})
	r.expect(http.StatusOK)
	var p outboxPage
	r.json(&p)
	if len(p.Items) != 3 || p.Items[0].Body != "رمز الدخول إلى تواصل: 042917" || p.Items[0].BodyHidden ||
		p.Items[0].Recipient != "+966512345678" || p.Items[1].Recipient != "sara@example.com" {
		t.Fatalf("dev outbox %+v", p.Items)
	}
}
