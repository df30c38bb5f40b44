package api

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

const (
	mobileA    = "0501234567" // ticketBody's beneficiary
	mobileB    = "0559876543"
	mobileNone = "0551112222" // never filed anything
)

func e164(t *testing.T, mobile string) string {
	t.Helper()
	m, err := normalize.Mobile(mobile)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fileFor files a portal ticket for mobile (B gets another name and ID too).
func (f *fixture) fileFor(mobile string) created {
	f.t.Helper()
	return f.file("", func(m map[string]any) {
		benef(m)["mobile"] = mobile
		if mobile != mobileA {
			benef(m)["name"], benef(m)["national_id"] = "خالد الحربي", validID("112233445")
		}
	})
}

func (f *fixture) askCode(mobile string) resp {
	f.t.Helper()
	return f.do(req{method: "POST", path: "/api/v1/beneficiary/code", body: map[string]any{"mobile": mobile}})
}

func (f *fixture) redeemCode(mobile, code string) resp {
	f.t.Helper()
	return f.do(req{method: "POST", path: "/api/v1/beneficiary/session", body: map[string]any{"mobile": mobile, "code": code}})
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// codeMessages are the one-time code SMS in the outbox, oldest first.
func (f *fixture) codeMessages() []store.OutboxMessage {
	f.t.Helper()
	ms, err := f.store.Outbox(context.Background(), "") // a code's message names no ticket
	if err != nil {
		f.t.Fatal(err)
	}
	return slices.DeleteFunc(ms, func(m store.OutboxMessage) bool { return m.Template != codeTemplate })
}

// sentCode is the code in the newest SMS to mobile, "" if none was sent.
func (f *fixture) sentCode(mobile string) string {
	f.t.Helper()
	ms := f.codeMessages()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Recipient == e164(f.t, mobile) {
			return sixDigits.FindString(ms[i].Body)
		}
	}
	return ""
}

// signIn asks for a code (a minute after any earlier one, so the throttle
// lets it through), redeems it and returns the session token.
func (f *fixture) signIn(mobile string) string {
	f.t.Helper()
	f.clock.Advance(time.Minute)
	f.askCode(mobile).expect(http.StatusAccepted)
	r := f.redeemCode(mobile, f.sentCode(mobile))
	r.expect(http.StatusOK)
	var s beneficiarySessionJSON
	r.json(&s)
	return s.AccessToken
}

// sameAnswer fails unless a and b have the same status, headers (but the
// request id, and the length, which follows the instance) and body (but the
// instance, the request's path).
func sameAnswer(t *testing.T, what string, a, b resp) {
	t.Helper()
	if a.Code != b.Code {
		t.Fatalf("%s: status %d vs %d", what, a.Code, b.Code)
	}
	ha, hb := a.Header().Clone(), b.Header().Clone()
	for _, h := range []http.Header{ha, hb} {
		h.Del(requestIDHeader)
		h.Del("Content-Length")
	}
	if !mapsEqual(ha, hb) {
		t.Errorf("%s: headers differ:\n%v\n%v", what, ha, hb)
	}
	ba, bb := a.Body.Bytes(), b.Body.Bytes()
	if strings.HasPrefix(a.Header().Get("Content-Type"), "application/problem+json") {
		ba, bb = withoutInstance(t, ba), withoutInstance(t, bb)
	}
	if !bytes.Equal(ba, bb) {
		t.Errorf("%s: bodies differ:\n%s\n%s", what, ba, bb)
	}
}

func mapsEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func openDB(t *testing.T, f *fixture) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", f.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// A code request answers alike whether the mobile has tickets, has none, or
// asked too often; only the first sends a code.
func TestBeneficiaryCodeAnswersAlike(t *testing.T) {
	f := newFixture(t)
	f.fileFor(mobileA)

	with := f.askCode(mobileA)
	with.expect(http.StatusAccepted)
	without := f.askCode(mobileNone)
	throttled := f.askCode("+966501234567") // A again, written otherwise
	sameAnswer(t, "with tickets vs without", with, without)
	sameAnswer(t, "with tickets vs throttled", with, throttled)
	var out codeRequestedJSON
	with.json(&out)
	if out.ExpiresIn != 600 || out.ResendAfter != 60 {
		t.Errorf("answer %+v", out)
	}

	ms := f.codeMessages()
	if len(ms) != 1 {
		t.Fatalf("%d code messages, want 1: %+v", len(ms), ms)
	}
	m := ms[0]
	code := sixDigits.FindString(m.Body)
	if m.Channel != "sms" || m.Recipient != "+966501234567" || m.Status != "pending" || m.TicketNumber != "" ||
		!strings.HasPrefix(m.Key, "beneficiary-code/") || code == "" {
		t.Fatalf("message %+v", m)
	}
	if !strings.Contains(m.Body, "رمز الدخول إلى تواصل: \u2066"+code+"\u2069") || !strings.Contains(m.Body, "sign-in code: "+code) {
		t.Errorf("body %q", m.Body)
	}

	// The database keeps hashes of the mobile and the code, not them.
	var rows []string
	q, err := openDB(t, f).Query(`SELECT mobile_hash || code_hash FROM beneficiary_codes`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var s string
		if err := q.Scan(&s); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, s)
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	_ = q.Close()
	if len(rows) != 1 || strings.Contains(rows[0], "501234567") || strings.Contains(rows[0], code) {
		t.Fatalf("code rows %q", rows)
	}

	// Logs say what happened with the mobile masked, and never the code.
	logs := f.logs.String()
	for _, outcome := range []string{"issued", "no_tickets", "throttled"} {
		if !strings.Contains(logs, `"outcome":"`+outcome+`"`) {
			t.Errorf("no log of outcome %s: %s", outcome, logs)
		}
	}
	for _, secret := range []string{"501234567", "551112222", code} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs reveal %q: %s", secret, logs)
		}
	}

	// A minute later A gets a new code; a mobile without tickets still nothing.
	f.clock.Advance(time.Minute)
	sameAnswer(t, "after a minute", f.askCode(mobileA), f.askCode(mobileNone))
	if n := len(f.codeMessages()); n != 2 {
		t.Fatalf("%d code messages, want 2", n)
	}
}

func TestBeneficiaryCodeBadInput(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.LoginPerMinute = 100 })
	post := func(path string, body any, lang string) resp {
		return f.do(req{offContract: true, method: "POST", path: path, body: body, headers: map[string]string{"Accept-Language": lang}})
	}
	const code, session = "/api/v1/beneficiary/code", "/api/v1/beneficiary/session"
	for _, tc := range []struct {
		path   string
		body   any
		status int
		code   string
		field  string // the field error expected, "field:code"
	}{
		{code, map[string]any{}, 422, codeValidation, "mobile:" + fieldRequired},
		{code, map[string]any{"mobile": "0112345678"}, 422, codeValidation, "mobile:" + fieldInvalidMobile},
		{code, map[string]any{"mobile": 501234567}, 422, codeValidation, "mobile:" + fieldWrongType},
		{code, map[string]any{"mobile": mobileA, "national_id": "1"}, 400, codeUnknownField, "national_id:" + fieldUnknown},
		{code, `{"mobile":`, 400, codeMalformedJSON, ""},
		{session, map[string]any{"mobile": mobileA}, 422, codeValidation, "code:" + fieldRequired},
		{session, map[string]any{"mobile": mobileA, "code": "12a456"}, 422, codeValidation, "code:" + fieldCodeFormat},
		{session, map[string]any{"mobile": mobileA, "code": "1234567"}, 422, codeValidation, "code:" + fieldCodeFormat},
		{session, map[string]any{"mobile": "x", "code": "123456"}, 422, codeValidation, "mobile:" + fieldInvalidMobile},
	} {
		ar := post(tc.path, tc.body, "ar").expectProblem(tc.status, tc.code)
		en := post(tc.path, tc.body, "en").expectProblem(tc.status, tc.code)
		if ar.Title == en.Title || ar.Title == "" || en.Title == "" {
			t.Errorf("%s %v: titles %q / %q", tc.path, tc.body, ar.Title, en.Title)
		}
		if tc.field != "" {
			if len(ar.Errors) != 1 || ar.Errors[0].Field+":"+ar.Errors[0].Code != tc.field ||
				len(en.Errors) != 1 || ar.Errors[0].Message == en.Errors[0].Message {
				t.Errorf("%s %v: errors %+v / %+v, want %s in both languages", tc.path, tc.body, ar.Errors, en.Errors, tc.field)
			}
		}
	}
	if n := len(f.codeMessages()); n != 0 {
		t.Fatalf("bad input sent %d codes", n)
	}
}

// Every refused sign-in is the same 401: a wrong, used, expired or
// superseded code, a mobile that never got one, a code out of attempts.
func TestBeneficiarySignIn(t *testing.T) {
	f := newFixture(t)
	f.fileFor(mobileA)
	f.askCode(mobileA).expect(http.StatusAccepted)
	code := f.sentCode(mobileA)
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}

	refused := f.redeemCode(mobileA, wrong)
	refused.expectProblem(http.StatusUnauthorized, codeInvalidCode)
	same := func(what string, r resp) {
		t.Helper()
		sameAnswer(t, what, refused, r)
	}
	same("unknown mobile", f.redeemCode(mobileNone, code))
	same("another mobile's code", f.redeemCode(mobileB, code))

	// The right code, typed in Arabic-Indic digits with spaces around.
	r := f.redeemCode("+966 50 123 4567", " "+toArabicIndic(code)+" ")
	r.expect(http.StatusOK)
	var s beneficiarySessionJSON
	r.json(&s)
	if !strings.HasPrefix(s.AccessToken, beneficiaryTokenPrefix) || len(s.AccessToken) < 40 ||
		!s.ExpiresAt.Equal(f.clock.Now().Add(30*time.Minute)) {
		t.Fatalf("session %+v", s)
	}
	if r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("a token answer may be cached: %v", r.Header())
	}
	same("used code", f.redeemCode(mobileA, code))

	// Expired after ten minutes.
	f.clock.Advance(time.Hour)
	f.askCode(mobileA).expect(http.StatusAccepted)
	code = f.sentCode(mobileA)
	f.clock.Advance(10 * time.Minute)
	same("expired code", f.redeemCode(mobileA, code))

	// Five attempts, the right one included.
	f.clock.Advance(time.Hour)
	f.askCode(mobileA).expect(http.StatusAccepted)
	code = f.sentCode(mobileA)
	for range 5 {
		same("wrong guess", f.redeemCode(mobileA, wrong))
	}
	same("right code after five attempts", f.redeemCode(mobileA, code))

	// A newer code invalidates the older.
	f.clock.Advance(time.Hour)
	f.askCode(mobileA).expect(http.StatusAccepted)
	older := f.sentCode(mobileA)
	f.clock.Advance(time.Minute)
	f.askCode(mobileA).expect(http.StatusAccepted)
	newer := f.sentCode(mobileA)
	if older != newer {
		same("superseded code", f.redeemCode(mobileA, older))
	}
	f.redeemCode(mobileA, newer).expect(http.StatusOK)

	if logs := f.logs.String(); strings.Contains(logs, "501234567") || strings.Contains(logs, s.AccessToken) {
		t.Errorf("logs reveal the mobile or the token: %s", logs)
	}
}

// A beneficiary session is no staff credential, and no staff credential
// opens a beneficiary route.
func TestBeneficiaryTokenIsNotStaff(t *testing.T) {
	f := newFixture(t)
	c := f.fileFor(mobileA)
	token := f.signIn(mobileA)
	for _, r := range []req{
		{method: "GET", path: "/api/v1/tickets"},
		{method: "GET", path: "/api/v1/tickets/" + c.Number},
		{method: "POST", path: "/api/v1/tickets/" + c.Number + "/responses", body: map[string]any{"message": "تم"}},
		{method: "GET", path: "/api/v1/policies/current"},
		{method: "POST", path: "/api/v1/auth/logout"},
	} {
		r.token = token
		f.do(r).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	}
	for _, staff := range []string{testTokens["admin"], testTokens["coord-ksu"], "tb_not-a-session", "tw_not-a-token"} {
		f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets", token: staff}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
		f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + c.Number, token: staff}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	}
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets"}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets", token: token}).expect(http.StatusOK)
	// Filing with a token that matches nothing is refused rather than filed
	// anonymously (a live session files for its own mobile: TestFileSignedIn).
	for _, bogus := range []string{"tb_not-a-session", "tw_not-a-token"} {
		f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: bogus}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	}
}

type ownList struct {
	Items      []ownSummaryJSON `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// addTimeline gives a ticket a public and an internal event.
func (f *fixture) addTimeline(number string) {
	f.t.Helper()
	row, err := f.store.GetTicket(context.Background(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	at := row.CreatedAt
	err = f.store.ApplyChange(context.Background(), store.TicketChange{
		Number: number, Version: 1, Status: domain.StatusAnswered, ResponsibleEntity: row.ResponsibleEntity,
		PolicyVersion: row.PolicyVersion, SLADueAt: row.SLADueAt,
		Events: []store.TicketEvent{
			{Seq: 1, Type: workflows.EventCreated, At: at, ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary, Public: true},
			{Seq: 2, Type: workflows.EventEscalated, At: at.Add(time.Hour), ActorID: "coord-ksu", ActorRole: domain.RoleCoordinator,
				Message: "INTERNAL-NOTE " + number},
			{Seq: 3, Type: workflows.EventResponded, At: at.Add(2 * time.Hour), ActorID: "coord-ksu", ActorRole: domain.RoleCoordinator,
				Public: true, Message: "صُرفت المكافأة"},
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) listOwn(token, query string) ownList {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets" + query, token: token})
	r.expect(http.StatusOK)
	for _, secret := range []string{"INTERNAL-NOTE", "coord-ksu", "سارة", "خالد", validID("108765432"), validID("112233445"),
		"501234567", "559876543", "beneficiary_mobile"} {
		if strings.Contains(r.Body.String(), secret) {
			f.t.Errorf("the list reveals %q: %s", secret, r.Body.String())
		}
	}
	var l ownList
	r.json(&l)
	return l
}

func TestBeneficiaryListsOwnTickets(t *testing.T) {
	f := newFixture(t)
	var mine []created
	for i := range 3 {
		mine = append(mine, f.fileFor(mobileA))
		if i == 1 {
			f.fileFor(mobileB)
		}
		f.clock.Advance(time.Minute)
	}
	// Filed by the call center for A: A's too.
	mine = append(mine, f.file(testTokens["agent"], func(m map[string]any) { m["channel"] = "call_center" }))
	for _, c := range mine {
		f.addTimeline(c.Number)
	}

	token := f.signIn(mobileA)
	var got []string
	cursor := ""
	for range 5 {
		q := "?limit=3"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		l := f.listOwn(token, q)
		for _, it := range l.Items {
			got = append(got, it.Number)
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{mine[3].Number, mine[2].Number, mine[1].Number, mine[0].Number} // newest first
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	first := f.listOwn(token, "").Items[0]
	if first.Entity.Code != "KSU" || first.Entity.NameAR != "جامعة الملك سعود" || first.Status != domain.StatusAnswered ||
		first.Kind != domain.KindComplaint || first.Subject == "" || first.CreatedAt.IsZero() || first.SLADueAt.IsZero() {
		t.Errorf("summary %+v", first)
	}

	// One's own ticket: exactly what the tracking page shows, public events only.
	own := f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + mine[0].Number, token: token})
	own.expect(http.StatusOK)
	tracked := f.do(req{method: "GET", path: "/api/v1/track/" + mine[0].Number, headers: map[string]string{trackingHeader: mine[0].TrackingCode}})
	if !bytes.Equal(own.Body.Bytes(), tracked.Body.Bytes()) {
		t.Errorf("own ticket and tracking page differ:\n%s\n%s", own.Body, tracked.Body)
	}
	if strings.Contains(own.Body.String(), "INTERNAL-NOTE") {
		t.Errorf("internal note shown: %s", own.Body)
	}

	// Another's ticket reads exactly like a missing one.
	page, err := f.store.ListTickets(context.Background(), store.TicketFilter{Scope: authz.Scope{All: true}, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var bNumber string
	for _, tk := range page.Tickets {
		if tk.BeneficiaryMobile == e164(t, mobileB) {
			bNumber = tk.Number
		}
	}
	theirs := f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + bNumber, token: token})
	theirs.expectProblem(http.StatusNotFound, codeNotFound)
	sameAnswer(t, "another's vs missing", theirs, f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/2026-999999", token: token}))
	sameAnswer(t, "another's vs malformed", theirs, f.do(req{offContract: true, method: "GET", path: "/api/v1/beneficiary/tickets/nonsense", token: token}))

	// B sees B's ticket only.
	if l := f.listOwn(f.signIn(mobileB), ""); len(l.Items) != 1 || l.Items[0].Number != bNumber {
		t.Errorf("B's list %+v", l)
	}

	// Bad queries.
	for q, code := range map[string]string{"?limit=0": codeValidation, "?limit=201": codeValidation, "?status=open": codeValidation} {
		f.do(req{offContract: true, method: "GET", path: "/api/v1/beneficiary/tickets" + q, token: token}).expectProblem(http.StatusUnprocessableEntity, code)
	}
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets?cursor=garbage!", token: token}).expectProblem(http.StatusBadRequest, codeBadCursor)
}

// The list (store.BeneficiaryTickets, in SQL) and the detail
// (beneficiaryOwns, in Go) draw the same line for every ticket and caller.
func TestBeneficiaryListAgreesWithOwnership(t *testing.T) {
	f := newFixture(t)
	mobiles := []string{mobileA, mobileB, "0561234567"}
	for i := range 7 {
		f.fileFor(mobiles[i%2]) // the third mobile files nothing
		f.clock.Advance(time.Second)
	}
	// Anonymous filings naming A and B, their mobiles unproven: nobody's.
	for _, mobile := range mobiles[:2] {
		f.fileAnonymous("", func(m map[string]any) { benef(m)["mobile"] = mobile })
	}
	page, err := f.store.ListTickets(context.Background(), store.TicketFilter{Scope: authz.Scope{All: true}, Limit: 200})
	if err != nil || len(page.Tickets) != 9 {
		t.Fatalf("tickets %d, %v", len(page.Tickets), err)
	}
	for _, mobile := range mobiles {
		token := f.sessionFor(mobile)
		listed := map[string]bool{}
		for _, it := range f.listOwn(token, "?limit=200").Items {
			listed[it.Number] = true
		}
		// The query itself, without the handler's own check behind it.
		direct, err := f.store.BeneficiaryTickets(context.Background(), e164(t, mobile), "", 200)
		if err != nil {
			t.Fatal(err)
		}
		queried := map[string]bool{}
		for _, tk := range direct.Tickets {
			queried[tk.Number] = true
		}
		for _, tk := range page.Tickets {
			owns := beneficiaryOwns(e164(t, mobile), tk)
			if listed[tk.Number] != owns || queried[tk.Number] != owns {
				t.Errorf("%s: ticket %s listed=%v, queried=%v, beneficiaryOwns=%v", mobile, tk.Number, listed[tk.Number], queried[tk.Number], owns)
			}
			r := f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + tk.Number, token: token})
			if (r.Code == http.StatusOK) != owns {
				t.Errorf("%s: detail of %s answered %d, beneficiaryOwns=%v", mobile, tk.Number, r.Code, owns)
			}
		}
	}
}

// sessionFor opens a beneficiary session for mobile in the database
// directly: a mobile without tickets never gets a code, yet the rules must
// hold for its session too.
func (f *fixture) sessionFor(mobile string) string {
	f.t.Helper()
	tok := beneficiaryTokenPrefix + randomID()
	f.sessionWithToken(mobile, tok)
	return tok
}

// sessionWithToken stores a beneficiary session of mobile whose token is tok,
// live for an hour.
func (f *fixture) sessionWithToken(mobile, tok string) {
	f.t.Helper()
	m, now := e164(f.t, mobile), f.clock.Now()
	sealed, err := f.api.keys.Seal(trackcode.SealSessionMobile, tok, tokenHash(tok), m)
	if err != nil {
		f.t.Fatal(err)
	}
	// Instants as the store keeps them on SQLite: integer microseconds.
	if _, err := openDB(f.t, f).Exec(`INSERT INTO beneficiary_sessions (token_hash, mobile_hash, mobile_sealed, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, tokenHash(tok), f.api.mobileHash(m), sealed, now.Add(time.Hour).UnixMicro(), now.UnixMicro()); err != nil {
		f.t.Fatal(err)
	}
}

func TestBeneficiaryLogoutAndExpiry(t *testing.T) {
	f := newFixture(t)
	f.fileFor(mobileA)
	token := f.signIn(mobileA)
	f.do(req{method: "POST", path: "/api/v1/beneficiary/logout", token: token}).expect(http.StatusNoContent)
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets", token: token}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
	f.do(req{method: "POST", path: "/api/v1/beneficiary/logout", token: token}).expectProblem(http.StatusUnauthorized, codeUnauthorized)

	token = f.signIn(mobileA)
	f.clock.Advance(30*time.Minute - time.Second)
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets", token: token}).expect(http.StatusOK)
	f.clock.Advance(time.Second)
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets", token: token}).expectProblem(http.StatusUnauthorized, codeUnauthorized)
}

// Objections and withdrawals take a beneficiary session for one's own
// tickets; the tracking code keeps working.
func TestBeneficiaryActionsWithSession(t *testing.T) {
	f := newFixture(t)
	a, b := f.fileFor(mobileA), f.fileFor(mobileB)
	var seen []client.UpdateWorkflowOptions
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		seen = append(seen, o)
		return stateFor(strings.TrimPrefix(o.WorkflowID, "ticket-")), nil
	}
	token := f.signIn(mobileA)
	reason := map[string]any{"reason": "لم تُحل المشكلة"}
	f.do(req{method: "POST", path: "/api/v1/tickets/" + a.Number + "/objections", token: token, body: reason}).expect(http.StatusOK)
	if len(seen) != 1 || seen[0].UpdateName != workflows.UpdateObject || seen[0].WorkflowID != "ticket-"+a.Number {
		t.Fatalf("updates %+v", seen)
	}
	f.do(req{method: "POST", path: "/api/v1/tickets/" + a.Number + "/withdrawal", token: token}).expect(http.StatusOK)

	// B's ticket: the 404 of a missing one, and nothing reaches Temporal.
	theirs := f.do(req{method: "POST", path: "/api/v1/tickets/" + b.Number + "/objections", token: token, body: reason})
	theirs.expectProblem(http.StatusNotFound, codeNotFound)
	sameAnswer(t, "another's vs missing", theirs,
		f.do(req{method: "POST", path: "/api/v1/tickets/2026-999999/objections", token: token, body: reason}))
	// Even holding B's tracking code, A's session acts as A.
	f.do(req{method: "POST", path: "/api/v1/tickets/" + b.Number + "/withdrawal", token: token,
		headers: map[string]string{trackingHeader: b.TrackingCode}}).expectProblem(http.StatusNotFound, codeNotFound)
	if len(seen) != 2 {
		t.Fatalf("refused actions reached Temporal: %d updates", len(seen))
	}

	// A dead session is refused, not taken for a missing tracking code.
	f.do(req{method: "POST", path: "/api/v1/tickets/" + a.Number + "/withdrawal", token: "tb_expired-or-forged"}).
		expectProblem(http.StatusUnauthorized, codeUnauthorized)
	// The tracking code alone still works.
	f.do(req{method: "POST", path: "/api/v1/tickets/" + b.Number + "/withdrawal",
		headers: map[string]string{trackingHeader: b.TrackingCode}}).expect(http.StatusOK)
	if len(seen) != 3 {
		t.Fatalf("%d updates, want 3", len(seen))
	}
}

// The code request and the sign-in take at least answerFloor whatever the
// outcome, so timing does not tell a mobile with tickets from one without.
func TestBeneficiaryAnswerTiming(t *testing.T) {
	f := newFixture(t)
	f.api.limits.answerFloor = 40 * time.Millisecond
	f.fileFor(mobileA)
	timed := func(what string, do func() resp) {
		t.Helper()
		start := time.Now()
		do()
		if d := time.Since(start); d < f.api.limits.answerFloor {
			t.Errorf("%s answered in %s, before the floor %s", what, d, f.api.limits.answerFloor)
		}
	}
	timed("code, with tickets", func() resp { return f.askCode(mobileA) })
	timed("code, without tickets", func() resp { return f.askCode(mobileNone) })
	timed("code, throttled", func() resp { return f.askCode(mobileA) })
	timed("sign-in, wrong code", func() resp { return f.redeemCode(mobileA, "999999") })
	timed("sign-in, unknown mobile", func() resp { return f.redeemCode(mobileNone, "999999") })
	timed("sign-in, right code", func() resp { return f.redeemCode(mobileA, f.sentCode(mobileA)) })
}

func TestBeneficiaryCodeIsRateLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.LoginPerMinute = 2 })
	f.askCode(mobileNone).expect(http.StatusAccepted)
	f.redeemCode(mobileNone, "123456").expectProblem(http.StatusUnauthorized, codeInvalidCode)
	f.askCode(mobileNone).expectProblem(http.StatusTooManyRequests, codeRateLimited)
}

// A mobile gets at most PerDay codes in any 24 hours; past it the request
// answers 429 code_limit with the seconds until the cap lifts, for a mobile
// with tickets and one without alike.
func TestBeneficiaryCodeDailyCap(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.BeneficiaryCodes.PerDay = 3
		o.LoginPerMinute = 1000
	})
	f.fileFor(mobileA)
	for i := range 3 {
		if i > 0 {
			f.clock.Advance(time.Hour)
		}
		sameAnswer(t, "within the cap", f.askCode(mobileA), f.askCode(mobileNone))
	}
	f.clock.Advance(time.Hour)
	capped := f.askCode(mobileA)
	capped.expectProblem(http.StatusTooManyRequests, codeCodeLimit)
	sameAnswer(t, "capped", capped, f.askCode(mobileNone))
	// The first of the day was 3 hours ago: the cap lifts 21 hours from now.
	if got, want := capped.Header().Get("Retry-After"), strconv.Itoa(21*3600); got != want {
		t.Errorf("Retry-After %s, want %s", got, want)
	}
	if n := len(f.codeMessages()); n != 3 {
		t.Fatalf("%d code messages, want 3", n)
	}
	f.clock.Advance(21*time.Hour + time.Second)
	f.askCode(mobileA).expect(http.StatusAccepted)
	if n := len(f.codeMessages()); n != 4 {
		t.Fatalf("%d code messages after the cap lifted, want 4", n)
	}
}

// Failed sign-ins across mobiles past the threshold within the window raise
// the alarm once a window: an error in the log and one audit entry.
func TestBeneficiaryCodeFailureAlarm(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.BeneficiaryCodes.FailureAlarm = 3
		o.BeneficiaryCodes.FailureWindow = 10 * time.Minute
		o.LoginPerMinute = 1000
	})
	alarms := func() int {
		n := 0
		for _, e := range f.auditLog() {
			if e.Action == auditCodeFailures {
				n++
			}
		}
		return n
	}
	fail := func(mobile string) {
		f.redeemCode(mobile, "000000").expectProblem(http.StatusUnauthorized, codeInvalidCode)
	}
	fail(mobileA)
	fail(mobileB)
	// Two failures, then the oldest leaves the window: still no alarm.
	f.clock.Advance(11 * time.Minute)
	fail(mobileNone)
	fail(mobileA)
	if n := alarms(); n != 0 || strings.Contains(f.logs.String(), "alarm threshold") {
		t.Fatalf("alarm below the threshold: %d entries", n)
	}
	fail(mobileB) // the third within ten minutes, across three mobiles
	if n := alarms(); n != 1 {
		t.Fatalf("%d alarm entries, want 1", n)
	}
	if !strings.Contains(f.logs.String(), `"level":"ERROR","msg":"one-time code failures past the alarm threshold`) {
		t.Errorf("no alarm in the log: %s", f.logs.String())
	}
	fail(mobileNone)
	fail(mobileA)
	if n := alarms(); n != 1 {
		t.Fatalf("%d alarm entries within one window, want 1", n)
	}
	f.clock.Advance(10 * time.Minute)
	fail(mobileA)
	fail(mobileB)
	fail(mobileNone)
	if n := alarms(); n != 2 {
		t.Fatalf("%d alarm entries after a second window, want 2", n)
	}
}
