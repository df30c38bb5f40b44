package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notifications"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
)

type notificationPage struct {
	Items      []notificationJSON `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

// queueInApp writes in-app messages as the Notify activity does (one per
// recipient, in order), each about its own ticket number 2026-0000NN where
// NN is its position from 1, so a list tells which it holds.
func queueInApp(t *testing.T, f *fixture, recipients ...string) {
	t.Helper()
	n := notify.New(f.store, nil)
	for i, r := range recipients {
		number := fmt.Sprintf("2026-%06d", i+1)
		err := n.Notify(context.Background(), notify.Message{
			Key: "ticket-" + number + "/escalation-2/escalation_assigned", TicketNumber: number,
			Audience: "official", Channel: notify.InboxChannel, Recipient: r, Template: "escalation_assigned",
			Params: map[string]string{"number": number, "subject": "تأخر صرف المكافأة", "level": "2",
				"due_at": "2026-03-18T09:30:00Z"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) notifications(token, query string, headers map[string]string) notificationPage {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/notifications" + query, token: token, headers: headers})
	r.expect(http.StatusOK)
	var p notificationPage
	r.json(&p)
	return p
}

func (f *fixture) unread(token string) int {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/notifications/unread-count", token: token})
	r.expect(http.StatusOK)
	var c struct {
		Unread *int `json:"unread"`
	}
	r.json(&c)
	if c.Unread == nil {
		f.t.Fatalf("no unread in %s", r.Body.String())
	}
	return *c.Unread
}

type markAnswer struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

func (f *fixture) markRead(token string, body any) markAnswer {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/notifications/read", token: token, body: body})
	r.expect(http.StatusOK)
	var m markAnswer
	r.json(&m)
	return m
}

func numbersIn(p notificationPage) []string {
	out := []string{}
	for _, n := range p.Items {
		out = append(out, n.TicketNumber)
	}
	return out
}

// Each official reads what is addressed to their role at their own place
// (the ladder's recipients as the workflows write them) and to them in
// person, nothing else.
func TestNotificationsReachTheirOfficialsOnly(t *testing.T) {
	f := newFixture(t)
	queueInApp(t, f,
		"care_center_manager@KSU",                 // 1
		"care_center_manager@UQU",                 // 2
		"entity_head@KSU",                         // 3
		"sector_official@SEC-UNI",                 // 4
		"sector_official@SEC-EDU",                 // 5
		"supervisor@MOE",                          // 6: a ministry-wide rung, at the root
		"supervisor",                              // 7: a follow-up overdue
		"minister_office@MOE",                     // 8
		notify.UserRecipient("coord-ksu"),         // 9: the configured token in person
		"coordinator@KSU",                         // 10
		notify.UserRecipient("user:coord-ksu"),    // 11: an account of the same name
		notify.UserRecipient("token:mx-anything"), // 12
	)
	for token, want := range map[string][]string{
		"coord-ksu":      {"2026-000010", "2026-000009"},
		"manager-ksu":    {"2026-000001"},
		"head-ksu":       {"2026-000003"},
		"sector-uni":     {"2026-000004"},
		"supervisor":     {"2026-000007", "2026-000006"},
		"minister":       {"2026-000008"},
		"coord-elsewher": {},
		"coord-edu":      {},
		"admin":          {},
		"auditor":        {},
		"agent":          {},
	} {
		p := f.notifications(testTokens[token], "", nil)
		if got := numbersIn(p); !slices.Equal(got, want) {
			t.Errorf("%s reads %q, want %q", token, got, want)
		}
		if n := f.unread(testTokens[token]); n != len(want) {
			t.Errorf("%s: unread-count %d, want %d", token, n, len(want))
		}
	}
}

func TestNotificationsInTheCallersLanguage(t *testing.T) {
	f := newFixture(t)
	queueInApp(t, f, "care_center_manager@KSU")
	ar := f.do(req{method: "GET", path: "/api/v1/notifications", token: testTokens["manager-ksu"]})
	ar.expect(http.StatusOK)
	if ar.Header().Get("Content-Language") != "ar" {
		t.Errorf("Content-Language %q", ar.Header().Get("Content-Language"))
	}
	var p notificationPage
	ar.json(&p)
	if len(p.Items) != 1 {
		t.Fatalf("items %+v", p.Items)
	}
	n := p.Items[0]
	if n.Body != "أُحيل إليكم الطلب رقم \u20662026-000001\u2069 تصعيدًا (المستوى \u20662\u2069): \u2068تأخر صرف المكافأة\u2069. يُرجى الرد قبل \u20662026-03-18 12:30\u2069." {
		t.Errorf("Arabic body %q", n.Body)
	}
	if n.ID == 0 || n.Template != "escalation_assigned" || n.Read || n.ReadAt != nil || n.Link != "/api/v1/tickets/2026-000001" || n.CreatedAt.IsZero() {
		t.Errorf("item %+v", n)
	}
	en := f.notifications(testTokens["manager-ksu"], "", map[string]string{"Accept-Language": "en-GB, ar;q=0.5"})
	if got := en.Items[0].Body; got != "Request 2026-000001 was escalated to you (level 2): \u2068تأخر صرف المكافأة\u2069. Due by 2026-03-18 12:30." {
		t.Errorf("English body %q", got)
	}
}

// Two managers of one entity read the same notifications; each marks their own.
func TestNotificationReadStatePerAccount(t *testing.T) {
	f := loginFixture(t)
	f.account("omar", domain.RoleCareCenterManager, "KSU", goodPassword)
	f.account("huda", domain.RoleCareCenterManager, "KSU", goodPassword)
	omar, huda := f.mustLogin("omar", goodPassword).AccessToken, f.mustLogin("huda", goodPassword).AccessToken
	queueInApp(t, f, "care_center_manager@KSU", "care_center_manager@KSU", notify.UserRecipient("user:omar"),
		"care_center_manager@UQU", notify.UserRecipient("user:huda"))
	if f.unread(omar) != 3 || f.unread(huda) != 3 {
		t.Fatalf("unread: omar %d, huda %d; want 3 each", f.unread(omar), f.unread(huda))
	}
	ids := map[string]int64{}
	for _, n := range f.notifications(omar, "", nil).Items {
		ids[n.TicketNumber] = n.ID
	}
	for _, n := range f.notifications(huda, "", nil).Items {
		ids[n.TicketNumber] = n.ID
	}
	if len(ids) != 4 {
		t.Fatalf("ids %v", ids)
	}
	got := f.markRead(omar, map[string]any{"ids": []int64{ids["2026-000001"], ids["2026-000003"]}})
	if got != (markAnswer{Marked: 2, Unread: 1}) {
		t.Fatalf("mark = %+v", got)
	}
	// Twice changes nothing; huda's own and a missing ID are not omar's to
	// mark and answer alike.
	if got := f.markRead(omar, map[string]any{"ids": []int64{ids["2026-000001"]}}); got != (markAnswer{Marked: 0, Unread: 1}) {
		t.Fatalf("mark again = %+v", got)
	}
	if got := f.markRead(omar, map[string]any{"ids": []int64{ids["2026-000005"], 987654}}); got != (markAnswer{Marked: 0, Unread: 1}) {
		t.Fatalf("mark others' = %+v", got)
	}
	if f.unread(huda) != 3 {
		t.Fatalf("omar's marks changed huda's count to %d", f.unread(huda))
	}
	unread := f.notifications(omar, "?unread=true", nil)
	if got := numbersIn(unread); !slices.Equal(got, []string{"2026-000002"}) {
		t.Fatalf("omar's unread %q", got)
	}
	all := f.notifications(omar, "?unread=false", nil)
	for _, n := range all.Items {
		if n.Read != (n.TicketNumber != "2026-000002") || n.Read != (n.ReadAt != nil) {
			t.Errorf("omar's %s: read %v at %v", n.TicketNumber, n.Read, n.ReadAt)
		}
	}
	if got := f.markRead(huda, map[string]any{"all": true}); got != (markAnswer{Marked: 3, Unread: 0}) {
		t.Fatalf("huda marks all = %+v", got)
	}
	if f.unread(omar) != 1 {
		t.Fatalf("huda's all changed omar's count to %d", f.unread(omar))
	}
}

func TestNotificationPages(t *testing.T) {
	f := newFixture(t)
	queueInApp(t, f, slices.Repeat([]string{"entity_head@KSU"}, 5)...)
	var got []string
	query := "?limit=2"
	for range 4 {
		p := f.notifications(testTokens["head-ksu"], query, nil)
		if len(p.Items) > 2 {
			t.Fatalf("page of %d", len(p.Items))
		}
		got = append(got, numbersIn(p)...)
		if p.NextCursor == "" {
			break
		}
		query = "?limit=2&cursor=" + p.NextCursor
	}
	if want := []string{"2026-000005", "2026-000004", "2026-000003", "2026-000002", "2026-000001"}; !slices.Equal(got, want) {
		t.Fatalf("pages %q, want %q", got, want)
	}
}

func TestNotificationsBadInput(t *testing.T) {
	f := newFixture(t)
	tok := testTokens["manager-ksu"]
	for _, c := range []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"/api/v1/notifications?page=2", http.StatusUnprocessableEntity, codeValidation, "page"},
		{"/api/v1/notifications?unread=yes", http.StatusUnprocessableEntity, codeValidation, "unread"},
		{"/api/v1/notifications?limit=0", http.StatusUnprocessableEntity, codeValidation, "limit"},
		{"/api/v1/notifications?limit=201", http.StatusUnprocessableEntity, codeValidation, "limit"},
		{"/api/v1/notifications?cursor=abc", http.StatusBadRequest, codeBadCursor, ""},
		{"/api/v1/notifications/unread-count?unread=true", http.StatusUnprocessableEntity, codeValidation, "unread"},
	} {
		p := f.do(req{offContract: true, method: "GET", path: c.path, token: tok}).expectProblem(c.status, c.code)
		if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: errors %+v, want one on %s", c.path, p.Errors, c.field)
		}
	}
	many := make([]int64, notifications.MaxMarkIDs+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	for _, c := range []struct {
		body  any
		field string
		code  string
	}{
		{map[string]any{}, "ids", fieldRequired},
		{map[string]any{"ids": []int64{}}, "ids", fieldRequired},
		{map[string]any{"all": false}, "all", fieldInvalidValue},
		{map[string]any{"all": true, "ids": []int64{1}}, "ids", fieldInvalidValue},
		{map[string]any{"ids": []int64{3, 0}}, "ids[1]", fieldInvalidValue},
		{map[string]any{"ids": many}, "ids", fieldOutOfRange},
	} {
		r := f.do(req{offContract: true, method: "POST", path: "/api/v1/notifications/read", token: tok, body: c.body,
			headers: map[string]string{"Accept-Language": "en"}})
		p := r.expectProblem(http.StatusUnprocessableEntity, codeValidation)
		if len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Code != c.code || p.Errors[0].Message == "" {
			t.Errorf("%v: errors %+v, want %s on %s", c.body, p.Errors, c.code, c.field)
		}
		if p.Title != "Invalid data" {
			t.Errorf("%v: English title %q", c.body, p.Title)
		}
	}
	f.do(req{offContract: true, method: "POST", path: "/api/v1/notifications/read", token: tok, body: `{"ids":[1],"extra":1}`}).
		expectProblem(http.StatusBadRequest, codeUnknownField)
	f.do(req{offContract: true, method: "POST", path: "/api/v1/notifications/read", token: tok, body: `{"ids":["1"]}`}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	// Arabic by default.
	p := f.do(req{method: "GET", path: "/api/v1/notifications?unread=1", token: tok}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if !strings.ContainsFunc(p.Title, func(r rune) bool { return r >= 0x0600 && r <= 0x06FF }) {
		t.Errorf("default title %q is not Arabic", p.Title)
	}
}

// Integration tokens have no one to read a screen; anonymous callers and
// beneficiaries are no staff.
func TestNotificationsRefuseIntegrationsAndStrangers(t *testing.T) {
	f := newFixture(t)
	const secret = "tw_notifications-integration"
	if _, err := f.store.CreateAPIToken(context.Background(), store.NewAPIToken{Name: "telephony", TokenHash: tokenHash(secret),
		Role: domain.RoleCareCenterManager, Entity: "KSU", ExpiresAt: f.clock.Now().Add(24 * time.Hour), CreatedBy: "admin"},
		f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/notifications", "/api/v1/notifications/unread-count"} {
		f.do(req{method: "GET", path: path, token: secret}).expectProblem(http.StatusForbidden, codeForbidden)
		f.do(req{method: "GET", path: path}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	}
	f.do(req{method: "POST", path: "/api/v1/notifications/read", token: secret, body: map[string]any{"all": true}}).
		expectProblem(http.StatusForbidden, codeForbidden)
	f.do(req{method: "POST", path: "/api/v1/notifications/read", body: map[string]any{"all": true}}).
		expectProblem(http.StatusUnauthorized, codeUnauthorized)
}
