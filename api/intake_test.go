package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

func TestCreateTicketSelfService(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(func(m map[string]any) {
		m["subject"] = "  تأخـــر صرف\u200f المكافأة  "
		b := benef(m)
		// Arabic-Indic digits in the ID and the mobile are folded.
		b["national_id"] = toArabicIndic(validID("108765432"))
		b["mobile"] = "٠٥٠١٢٣٤٥٦٧"
		b["email"] = "Sara@Example.COM"
	})})
	r.expect(http.StatusCreated)
	var c created
	r.json(&c)

	if !tickets.ValidNumber(c.Number) || !strings.HasPrefix(c.Number, "2026-") {
		t.Errorf("number %q", c.Number)
	}
	if len(c.TrackingCode) != 12 || strings.Trim(c.TrackingCode, trackcode.Alphabet) != "" {
		t.Errorf("tracking code %q: want 12 characters of %s", c.TrackingCode, trackcode.Alphabet)
	}
	if c.Status != "open" || c.Entity != "KSU" || c.Kind != "complaint" || c.Priority != "normal" || c.Channel != "portal" {
		t.Errorf("answer %+v", c)
	}
	if got := r.Header().Get("Location"); got != "/api/v1/track/"+c.Number {
		t.Errorf("Location %q", got)
	}
	if !c.SLADueAt.After(c.CreatedAt) {
		t.Errorf("sla_due_at %v not after created_at %v", c.SLADueAt, c.CreatedAt)
	}

	row, err := f.store.GetTicket(context.Background(), c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if row.BeneficiaryNationalID != validID("108765432") {
		t.Errorf("stored ID %q", row.BeneficiaryNationalID)
	}
	if row.BeneficiaryMobile != "+966501234567" {
		t.Errorf("stored mobile %q", row.BeneficiaryMobile)
	}
	if row.BeneficiaryNationality != domain.NationalityCitizen {
		t.Errorf("nationality %q, want citizen from the ID prefix", row.BeneficiaryNationality)
	}
	if row.Subject != "تأخر صرف المكافأة" {
		t.Errorf("subject not normalized: %q", row.Subject)
	}
	if row.TrackingHash != f.api.keys.TrackingHash(c.TrackingCode) || row.TrackingHash == trackcode.SHA256Hex(c.TrackingCode) {
		t.Error("tracking hash is not the keyed hash of the code")
	}
	if !row.WorkflowStarted {
		t.Error("workflow start not recorded")
	}
	if row.FiledByRole != domain.RoleBeneficiary || row.ResponsibleEntity != "KSU" || row.PolicyVersion != 1 {
		t.Errorf("row %+v", row)
	}

	starts := f.tc.startCalls()
	if len(starts) != 1 {
		t.Fatalf("%d starts, want 1", len(starts))
	}
	s := starts[0]
	if s.opts.ID != "ticket-"+c.Number || s.opts.TaskQueue != workflows.TaskQueue ||
		s.opts.WorkflowIDReusePolicy != enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
		s.opts.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL {
		t.Errorf("start options %+v", s.opts)
	}
	if s.workflow != workflows.TicketWorkflowName || len(s.args) != 1 {
		t.Fatalf("started %v with %d args", s.workflow, len(s.args))
	}
	in, ok := s.args[0].(workflows.TicketInput)
	if !ok {
		t.Fatalf("input is %T", s.args[0])
	}
	if in.Number != c.Number || in.Policy.Version != 1 || !in.FiledAt.Equal(f.clock.Now()) ||
		in.Beneficiary.Mobile != "+966501234567" || in.FiledBy.Role != domain.RoleBeneficiary {
		t.Errorf("input %+v", in)
	}
	want, _, _ := in.Policy.FirstResponseDue(f.clock.Now(), domain.KindComplaint, domain.PriorityNormal)
	if !c.SLADueAt.Equal(want) {
		t.Errorf("sla_due_at %v, want %v", c.SLADueAt, want)
	}
}

func toArabicIndic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

func TestCreateTicketRefusals(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ب", n) }
	cases := []struct {
		name    string
		body    any
		token   string
		headers map[string]string
		status  int
		code    string
		fields  []string // "field:code"
	}{
		{name: "unknown field", body: ticketBody(func(m map[string]any) { m["urgent"] = true }),
			status: 400, code: codeUnknownField, fields: []string{"urgent:unknown_field"}},
		{name: "unknown nested field", body: ticketBody(func(m map[string]any) { benef(m)["age"] = 3 }),
			status: 400, code: codeUnknownField},
		{name: "invalid utf-8", body: []byte("{\"kind\":\"complaint\",\"subject\":\"\xff\xfe\"}"),
			status: 400, code: codeInvalidUTF8},
		{name: "malformed json", body: `{"kind":`, status: 400, code: codeMalformedJSON},
		{name: "two documents", body: `{} {}`, status: 400, code: codeMalformedJSON},
		{name: "wrong type", body: ticketBody(func(m map[string]any) { m["subject"] = 7 }),
			status: 422, code: codeValidation, fields: []string{"subject:wrong_type"}},
		{name: "too large", body: `{"description":"` + strings.Repeat("a", maxBody) + `"}`,
			status: 413, code: codeBodyTooLarge},
		{name: "bad enums", body: ticketBody(func(m map[string]any) {
			m["kind"], m["priority"] = "praise", "asap"
			benef(m)["type"], benef(m)["gender"] = "alien", "x"
		}), status: 422, code: codeValidation,
			fields: []string{"kind:invalid_value", "priority:invalid_value", "beneficiary.type:invalid_value", "beneficiary.gender:invalid_value"}},
		{name: "beneficiary sets priority", body: ticketBody(func(m map[string]any) { m["priority"] = "urgent" }),
			status: 422, code: codeValidation, fields: []string{"priority:staff_only"}},
		{name: "bad channel", body: ticketBody(func(m map[string]any) { m["channel"] = "fax" }),
			status: 422, code: codeValidation, fields: []string{"channel:invalid_value"}},
		{name: "missing fields", body: map[string]any{"channel": "portal"}, status: 422, code: codeValidation,
			fields: []string{"kind:required", "subject:required", "description:required", "entity:required", "beneficiary:required"}},
		{name: "missing beneficiary fields", body: ticketBody(func(m map[string]any) { m["beneficiary"] = map[string]any{} }),
			status: 422, code: codeValidation,
			fields: []string{"beneficiary.name:required", "beneficiary.national_id:required", "beneficiary.mobile:required", "beneficiary.type:required"}},
		{name: "bad national id prefix", body: ticketBody(func(m map[string]any) { benef(m)["national_id"] = "3123456789" }),
			status: 422, code: codeValidation, fields: []string{"beneficiary.national_id:invalid_national_id"}},
		{name: "bad national id checksum", body: ticketBody(func(m map[string]any) {
			id := validID("108765432")
			benef(m)["national_id"] = id[:9] + string('0'+(id[9]-'0'+1)%10)
		}), status: 422, code: codeValidation, fields: []string{"beneficiary.national_id:invalid_national_id"}},
		{name: "bad mobile", body: ticketBody(func(m map[string]any) { benef(m)["mobile"] = "0112345678" }),
			status: 422, code: codeValidation, fields: []string{"beneficiary.mobile:invalid_mobile"}},
		{name: "bad email", body: ticketBody(func(m map[string]any) { benef(m)["email"] = "not an email" }),
			status: 422, code: codeValidation, fields: []string{"beneficiary.email:invalid_email"}},
		{name: "nationality against id", body: ticketBody(func(m map[string]any) { benef(m)["nationality"] = "resident" }),
			status: 422, code: codeValidation, fields: []string{"beneficiary.nationality:nationality_mismatch"}},
		{name: "unknown language", body: ticketBody(func(m map[string]any) { benef(m)["language"] = "fr" }),
			status: 422, code: codeValidation, fields: []string{"beneficiary.language:invalid_value"}},
		{name: "unknown entity", body: ticketBody(func(m map[string]any) { m["entity"] = "NOPE" }),
			status: 422, code: codeValidation, fields: []string{"entity:unknown_entity"}},
		{name: "subject too long", body: ticketBody(func(m map[string]any) { m["subject"] = long(maxSubject + 1) }),
			status: 422, code: codeValidation, fields: []string{"subject:too_long"}},
		{name: "description too long", body: ticketBody(func(m map[string]any) { m["description"] = long(maxDescription + 1) }),
			status: 422, code: codeValidation, fields: []string{"description:too_long"}},
		{name: "blank after normalization", body: ticketBody(func(m map[string]any) { m["subject"] = "\u200f\u0640 \u200b" }),
			status: 422, code: codeValidation, fields: []string{"subject:required"}},
		{name: "staff channel without token", body: ticketBody(func(m map[string]any) { m["channel"] = "call_center" }),
			status: 403, code: codeForbidden, fields: []string{"channel:staff_only_channel"}},
		{name: "auditor may not file", body: ticketBody(func(m map[string]any) { m["channel"] = "walk_in" }),
			token: testTokens["auditor"], status: 403, code: codeForbidden},
		{name: "unknown token", body: ticketBody(), token: "nobody", status: 401, code: codeUnauthorized},
		{name: "not json", body: ticketBody(), headers: map[string]string{"Content-Type": "text/plain"},
			status: 415, code: codeUnsupportedMedia},
		{name: "bad idempotency key", body: ticketBody(), headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)},
			status: 400, code: codeBadIdempotencyKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.do(req{offContract: true, method: "POST", path: "/api/v1/tickets", body: tc.body, token: tc.token, headers: tc.headers})
			p := r.expectProblem(tc.status, tc.code)
			got := map[string]bool{}
			for _, e := range p.Errors {
				got[e.Field+":"+e.Code] = true
				if e.Message == "" {
					t.Errorf("field error %s without message", e.Field)
				}
			}
			for _, want := range tc.fields {
				if !got[want] {
					t.Errorf("missing field error %s in %s", want, r.Body.String())
				}
			}
			if n := f.ticketCount(); n != 0 {
				t.Errorf("%d tickets created by a refused request", n)
			}
			if n := len(f.tc.startCalls()); n != 0 {
				t.Errorf("%d workflow starts for a refused request", n)
			}
		})
	}
}

func TestCreateTicketStaffChannels(t *testing.T) {
	f := newFixture(t)
	for _, ch := range []string{"call_center", "walk_in", "social", "email", "portal"} {
		c := f.file(testTokens["agent"], func(m map[string]any) { m["channel"] = ch; m["priority"] = "urgent" })
		if c.Channel != ch || c.Priority != "urgent" {
			t.Errorf("filed %+v", c)
		}
		row, err := f.store.GetTicket(context.Background(), c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if row.FiledByID != "agent" || row.FiledByRole != domain.RoleAgent {
			t.Errorf("filed by %q/%q", row.FiledByID, row.FiledByRole)
		}
	}
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: testTokens["coord-ksu"]})
	r.expect(http.StatusCreated)
	if loc := r.Header().Get("Location"); !strings.HasPrefix(loc, "/api/v1/tickets/") {
		t.Errorf("staff Location %q", loc)
	}
}

// The beneficiary's language reaches the read model and the workflow input;
// Arabic, the default, is left out of the input.
func TestCreateTicketLanguage(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ given, row, input string }{
		{"", "ar", ""}, {"ar", "ar", ""}, {" EN ", "en", "en"},
	} {
		body := ticketBody(func(m map[string]any) {
			if tc.given != "" {
				benef(m)["language"] = tc.given
			}
		})
		// The contract lists "ar" and "en"; the API also takes them spaced
		// and in capitals.
		r := f.do(req{method: "POST", path: "/api/v1/tickets", body: body, offContract: tc.given == " EN "})
		r.expect(http.StatusCreated)
		var c created
		r.json(&c)
		row, err := f.store.GetTicket(context.Background(), c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if row.BeneficiaryLanguage != tc.row {
			t.Errorf("language %q: row has %q, want %q", tc.given, row.BeneficiaryLanguage, tc.row)
		}
		starts := f.tc.startCalls()
		in := starts[len(starts)-1].args[0].(workflows.TicketInput)
		if in.Number != c.Number || in.Beneficiary.Language != tc.input {
			t.Errorf("language %q: input %s has %q, want %q", tc.given, in.Number, in.Beneficiary.Language, tc.input)
		}
	}
}

func TestCreateTicketResidentDefaultsNationality(t *testing.T) {
	f := newFixture(t)
	c := f.file("", func(m map[string]any) { benef(m)["national_id"] = validID("212345678") })
	row, err := f.store.GetTicket(context.Background(), c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if row.BeneficiaryNationality != domain.NationalityResident {
		t.Errorf("nationality %q", row.BeneficiaryNationality)
	}
}

func TestIdempotentReplay(t *testing.T) {
	f := newFixture(t)
	h := map[string]string{"Idempotency-Key": "order-7f3a"}
	first := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), headers: h})
	first.expect(http.StatusCreated)
	var a created
	first.json(&a)
	if first.Header().Get("Idempotent-Replayed") != "" {
		t.Error("first answer marked replayed")
	}

	// The same request again, with cosmetic differences normalization erases.
	again := f.do(req{method: "POST", path: "/api/v1/tickets", headers: h, body: ticketBody(func(m map[string]any) {
		benef(m)["mobile"] = "+966 50 123 4567"
	})})
	again.expect(http.StatusCreated)
	var b created
	again.json(&b)
	if again.Header().Get("Idempotent-Replayed") != "true" {
		t.Error("replay not marked")
	}
	if a != b {
		t.Errorf("replay differs:\n%+v\n%+v", a, b)
	}
	if n := f.ticketCount(); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
	if n := len(f.tc.startCalls()); n != 1 {
		t.Errorf("%d starts, want 1 (the replay finds the start confirmed)", n)
	}

	// The same key with another body is refused and changes nothing.
	other := f.do(req{method: "POST", path: "/api/v1/tickets", headers: h, body: ticketBody(func(m map[string]any) { m["kind"] = "inquiry" })})
	other.expectProblem(http.StatusUnprocessableEntity, codeIdempotencyReused)
	if n := f.ticketCount(); n != 1 {
		t.Errorf("%d tickets after a reused key, want 1", n)
	}

	// A different key files a new ticket.
	c := f.do(req{method: "POST", path: "/api/v1/tickets", headers: map[string]string{"Idempotency-Key": "order-7f3b"}, body: ticketBody()})
	c.expect(http.StatusCreated)
	if f.ticketCount() != 2 {
		t.Error("a new key did not file a new ticket")
	}
}

func TestTemporalDownThenRetryCompletes(t *testing.T) {
	f := newFixture(t)
	f.tc.startErr = serviceerror.NewUnavailable("connection refused")
	h := map[string]string{"Idempotency-Key": "retry-me"}

	// Accepted anyway: the row is durable and the start is only deferred.
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), headers: h})
	r.expect(http.StatusCreated)
	var first created
	r.json(&first)
	if f.ticketCount() != 1 || first.TrackingCode == "" {
		t.Fatal("the ticket row must stay, and the caller must get its code")
	}
	p, _ := f.store.UnstartedTickets(context.Background(), f.clock.Now().Add(time.Hour), 10)
	if len(p) != 1 {
		t.Fatalf("%d unstarted tickets, want 1", len(p))
	}

	// Retrying while still down: the same ticket again, still one row.
	again := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), headers: h})
	again.expect(http.StatusCreated)
	var second created
	again.json(&second)
	if second.Number != first.Number || second.TrackingCode != first.TrackingCode || f.ticketCount() != 1 {
		t.Fatalf("retry while down: %+v vs %+v, %d rows", second, first, f.ticketCount())
	}

	f.tc.mu.Lock()
	f.tc.startErr = nil
	f.tc.mu.Unlock()
	ok := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), headers: h})
	ok.expect(http.StatusCreated)
	var c created
	ok.json(&c)
	if c.Number != p[0].Number || f.api.keys.TrackingHash(c.TrackingCode) != p[0].TrackingHash {
		t.Errorf("retry answered %s/%s, want the saved ticket %s and its code", c.Number, c.TrackingCode, p[0].Number)
	}
	row, _ := f.store.GetTicket(context.Background(), c.Number)
	if !row.WorkflowStarted {
		t.Error("start not recorded after the retry")
	}
	if f.ticketCount() != 1 {
		t.Error("retries created tickets")
	}
	starts := f.tc.startCalls()
	last := starts[len(starts)-1].args[0].(workflows.TicketInput)
	if last.Policy.Version != 1 || !last.FiledAt.Equal(row.CreatedAt) {
		t.Errorf("restart input policy v%d filed %v, want v1 filed %v", last.Policy.Version, last.FiledAt, row.CreatedAt)
	}
}

func TestStartPending(t *testing.T) {
	f := newFixture(t)
	f.tc.startErr = serviceerror.NewUnavailable("down")
	f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody()}).expect(http.StatusCreated)

	f.tc.mu.Lock()
	f.tc.startErr = nil
	f.tc.mu.Unlock()
	// Too fresh: a request may still be finishing it.
	if n, err := f.api.tickets.StartPending(context.Background()); err != nil || n != 0 {
		t.Fatalf("fresh row: started %d, %v", n, err)
	}
	f.clock.Advance(11 * time.Second)
	n, err := f.api.tickets.StartPending(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("started %d, %v; want 1", n, err)
	}
	left, _ := f.store.UnstartedTickets(context.Background(), f.clock.Now().Add(time.Hour), 10)
	if len(left) != 0 {
		t.Errorf("%d still unstarted", len(left))
	}
	starts := f.tc.startCalls()
	in := starts[len(starts)-1].args[0].(workflows.TicketInput)
	if in.FiledBy.Role != domain.RoleBeneficiary || in.Policy.Version != 1 {
		t.Errorf("pending start input %+v", in)
	}
	if n, _ := f.api.tickets.StartPending(context.Background()); n != 0 {
		t.Errorf("second pass started %d", n)
	}
}

func TestAlreadyStartedCountsAsStarted(t *testing.T) {
	f := newFixture(t)
	f.tc.startErr = serviceerror.NewWorkflowExecutionAlreadyStarted("exists", "", "run")
	c := f.file("")
	row, _ := f.store.GetTicket(context.Background(), c.Number)
	if !row.WorkflowStarted {
		t.Error("already-started workflow not recorded as started")
	}
}

func TestConcurrentCreates(t *testing.T) {
	f := newFixture(t)
	const n = 20
	numbers := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: testTokens["agent"],
				headers: map[string]string{"Idempotency-Key": fmt.Sprintf("key-%d", i)}})
			if hr.Code != http.StatusCreated {
				errs[i] = fmt.Errorf("status %d: %s", hr.Code, hr.Body.String())
				return
			}
			var c created
			hr.json(&c)
			numbers[i] = c.Number
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if seen[numbers[i]] {
			t.Errorf("number %s given twice", numbers[i])
		}
		seen[numbers[i]] = true
	}
	if f.ticketCount() != n {
		t.Errorf("%d tickets, want %d", f.ticketCount(), n)
	}
}

func TestConcurrentSameKeyOneTicket(t *testing.T) {
	f := newFixture(t)
	const n = 8
	numbers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: testTokens["agent"],
				headers: map[string]string{"Idempotency-Key": "same"}})
			if hr.Code == http.StatusCreated {
				var c created
				hr.json(&c)
				numbers[i] = c.TrackingCode + "/" + c.Number
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if numbers[i] == "" || numbers[i] != numbers[0] {
			t.Fatalf("answers differ: %q", numbers)
		}
	}
	if f.ticketCount() != 1 {
		t.Errorf("%d tickets for one key", f.ticketCount())
	}
}

func TestIntakeRateLimit(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.IntakePerMinute = 2 })
	f.file("")
	f.file("")
	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody()})
	r.expectProblem(http.StatusTooManyRequests, codeRateLimited)
	if r.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if f.ticketCount() != 2 {
		t.Errorf("%d tickets; the limited request must create none", f.ticketCount())
	}
	// Staff are not limited per IP.
	f.file(testTokens["agent"])
	// A forged X-Forwarded-For does not buy a fresh bucket.
	f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), headers: map[string]string{"X-Forwarded-For": "203.0.113.9"}}).
		expectProblem(http.StatusTooManyRequests, codeRateLimited)
	// Tokens come back with time.
	f.clock.Advance(31 * time.Second)
	f.file("")
}

func TestNoPolicyIs503(t *testing.T) {
	f := newFixtureOpts(t, false)
	f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody()}).
		expectProblem(http.StatusServiceUnavailable, codeNoPolicy)
	if f.ticketCount() != 0 || len(f.tc.startCalls()) != 0 {
		t.Error("a refused intake had effects")
	}
}

// Each staffed channel records how the ticket came in; a field of another
// channel is refused; a walk-in visitor gets a queue number.
func TestChannelDetails(t *testing.T) {
	f := newFixture(t)
	file := func(token string, edit func(m map[string]any)) resp {
		return f.do(req{offContract: true, method: "POST", path: "/api/v1/tickets", token: token, body: ticketBody(edit)})
	}
	cases := []struct {
		name   string
		edit   func(m map[string]any)
		fields []string
	}{
		{"call center without verification", func(m map[string]any) { m["channel"] = "call_center"; m["channel_details"] = nil },
			[]string{"channel_details.verification:required"}},
		{"call center, unknown verification", func(m map[string]any) {
			m["channel"] = "call_center"
			m["channel_details"] = map[string]any{"verification": "gut_feeling"}
		}, []string{"channel_details.verification:not_in_list"}},
		{"social without platform and handle", func(m map[string]any) { m["channel"] = "social"; m["channel_details"] = map[string]any{} },
			[]string{"channel_details.platform:required", "channel_details.handle:required"}},
		{"social, bad handle and url", func(m map[string]any) {
			m["channel"] = "social"
			m["channel_details"] = map[string]any{"platform": "x", "handle": "two words", "post_url": "javascript:alert(1)"}
		}, []string{"channel_details.handle:invalid_value", "channel_details.post_url:invalid_value"}},
		{"a call-center field on a walk-in", func(m map[string]any) {
			m["channel"] = "walk_in"
			m["channel_details"] = map[string]any{"verification": "absher_otp"}
		}, []string{"channel_details.verification:not_for_channel"}},
		{"e-mail without the address to answer", func(m map[string]any) { m["channel"] = "email"; m["channel_details"] = map[string]any{} },
			[]string{"beneficiary.email:required"}},
	}
	for _, c := range cases {
		p := file(testTokens["agent"], c.edit).expectProblem(http.StatusUnprocessableEntity, codeValidation)
		var got []string
		for _, e := range p.Errors {
			got = append(got, e.Field+":"+e.Code)
		}
		slices.Sort(got)
		want := slices.Clone(c.fields)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: errors %v, want %v", c.name, got, want)
		}
	}
	if n := f.ticketCount(); n != 0 {
		t.Fatalf("%d tickets written by refused filings", n)
	}

	// Recorded and shown to staff; a walk-in gets its number in the answer.
	r := file(testTokens["agent"], func(m map[string]any) {
		m["channel"] = "social"
		m["channel_details"] = map[string]any{"platform": "X", "handle": "@student_1", "post_url": "https://x.com/student_1/status/1"}
	})
	r.expect(http.StatusCreated)
	var c created
	r.json(&c)
	detail := f.do(req{method: "GET", path: "/api/v1/tickets/" + c.Number, token: testTokens["admin"]})
	detail.expect(http.StatusOK)
	if !strings.Contains(detail.Body.String(), `"platform":"x"`) || !strings.Contains(detail.Body.String(), `"handle":"@student_1"`) {
		t.Errorf("channel details not recorded: %s", detail.Body.String())
	}
	w := file(testTokens["reception"], func(m map[string]any) { m["channel"] = "walk_in" })
	w.expect(http.StatusCreated)
	var wq struct {
		QueueNumber string `json:"queue_number"`
	}
	w.json(&wq)
	if wq.QueueNumber != "001" {
		t.Errorf("walk-in queue number %q, want 001", wq.QueueNumber)
	}
}
