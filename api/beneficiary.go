package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

// Beneficiaries sign in with a one-time code sent to their mobile (through
// the notifier's outbox) and then list and open their own tickets: those
// filed with that mobile. The tracking code keeps working for one ticket.
// Neither step tells whether a mobile has tickets: the code request answers
// the same 202 either way, every refused code the same 401, both no sooner
// than answerFloor.

const (
	codeTTL = 10 * time.Minute
	// codeDigits is the length of a one-time code.
	codeDigits = 6
	// beneficiarySessionTTL is a beneficiary session's life; it is not renewed.
	beneficiarySessionTTL = 30 * time.Minute
	// beneficiaryTokenPrefix starts every beneficiary session token, so the
	// routes that also take a tracking code tell it from a staff token
	// without a lookup.
	beneficiaryTokenPrefix = "tb_"
	// defaultAnswerFloor is how long the code and session requests take at
	// least, well above the database work that differs between a mobile with
	// tickets and one without.
	defaultAnswerFloor = 250 * time.Millisecond

	beneficiaryKey = "tawasul.beneficiary"
	codeTemplate   = notify.CodeTemplate

	// defaultCodeFailureAlarm failed sign-ins in defaultCodeFailureWindow,
	// across all mobiles, raise the alarm. Typing slips at the ministry's
	// peak are a few a minute; a guesser spreading over many mobiles (each
	// allows 5 guesses a code, 5 codes an hour, so 25 guesses an hour and
	// one chance in 40,000 of a hit) needs about 700,000 guesses for even
	// odds of one hit: at 100 per 10 minutes that is months of alarms,
	// raised from the first window.
	defaultCodeFailureAlarm  = 100
	defaultCodeFailureWindow = 10 * time.Minute
	auditCodeFailures        = "beneficiary.code_failures"
)

// BeneficiaryCodeOptions bound the one-time codes beyond the per-mobile
// throttle of the store; zero values take the defaults.
type BeneficiaryCodeOptions struct {
	// PerDay caps the code requests of one mobile in any 24 hours
	// (store.DefaultCodesPerDay); past it the request answers 429.
	PerDay int
	// FailureAlarm failed sign-ins across all mobiles within FailureWindow
	// log an alarm and write an audit entry, once a window.
	FailureAlarm  int
	FailureWindow time.Duration
}

// codeFailures counts failed sign-ins across mobiles over a sliding window.
// It is the process's own count (each API instance alarms on its share): it
// watches for a spread attack, the per-mobile limits being in the store.
type codeFailures struct {
	threshold int
	window    time.Duration

	mu sync.Mutex
	// at holds the times of the last threshold failures, oldest first.
	at        []time.Time
	lastAlarm time.Time
}

func newCodeFailures(o BeneficiaryCodeOptions) *codeFailures {
	f := &codeFailures{threshold: o.FailureAlarm, window: o.FailureWindow}
	if f.threshold <= 0 {
		f.threshold = defaultCodeFailureAlarm
	}
	if f.window <= 0 {
		f.window = defaultCodeFailureWindow
	}
	return f
}

// record counts a failure at now and reports whether it raises the alarm:
// threshold failures within the window, and no alarm in the last window.
func (f *codeFailures) record(now time.Time) (count int, alarm bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.at) == f.threshold {
		f.at = f.at[1:]
	}
	f.at = append(f.at, now)
	from := now.Add(-f.window)
	for _, t := range f.at {
		if t.After(from) {
			count++
		}
	}
	if count < f.threshold || (!f.lastAlarm.IsZero() && now.Sub(f.lastAlarm) < f.window) {
		return count, false
	}
	f.lastAlarm = now
	return count, true
}

// beneficiary is the caller of a beneficiary route signed in with a code.
type beneficiary struct {
	sessionID int64
	mobile    string // E.164
}

// beneficiaryOwns asks the authorization policy (authz.Decide) whether a
// beneficiary signed in with a one-time code may read t: the tickets filed
// with their mobile, nothing else. Every beneficiary path decides by it;
// store.BeneficiaryTickets is the rule's SQL form (authz.ReadScope's Mobile),
// and TestBeneficiaryListAgreesWithOwnership holds the two together. The
// beneficiary's rule does not look at the hierarchy.
func beneficiaryOwns(mobile string, t store.Ticket) bool {
	return authz.Decide(beneficiarySubject(mobile, false), authz.Read, tickets.PolicyTicket(t), nil) == authz.Allowed
}

// beneficiarySubject is a beneficiary to the policy: signed in with a
// one-time code to mobile, or (codeOnly) holding one ticket's tracking code,
// which stands for that ticket's mobile.
func beneficiarySubject(mobile string, codeOnly bool) authz.Subject {
	return authz.Subject{ID: tickets.BeneficiaryActor.ID, Role: domain.RoleBeneficiary, Mobile: mobile, CodeOnly: codeOnly}
}

func (a *API) mobileHash(mobile string) string {
	return a.keys.Hash("tawasul beneficiary mobile v1", mobile)
}

// codeHash binds a code to its mobile, so a code hash is worth nothing for another number.
func (a *API) codeHash(mobile, code string) string {
	return a.keys.Hash("tawasul beneficiary code v1", mobile, code)
}

// newOneTimeCode is codeDigits uniformly random decimal digits.
func newOneTimeCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("one-time code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// answerNoSooner holds the answer until answerFloor has passed since start
// (or the client is gone), so its timing does not tell a mobile with tickets
// from one without.
func (a *API) answerNoSooner(ctx context.Context, start time.Time) {
	wait := a.limits.answerFloor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// checkMobile normalizes a mobile field to E.164.
func checkMobile(raw string) (string, []fieldErr) {
	if strings.TrimSpace(raw) == "" {
		return "", []fieldErr{{field: "mobile", code: fieldRequired}}
	}
	m, err := normalize.Mobile(raw)
	if err != nil {
		return "", []fieldErr{{field: "mobile", code: fieldInvalidMobile}}
	}
	return m, nil
}

type codeRequestIn struct {
	Mobile string `json:"mobile"`
}

// codeRequestedJSON is the one answer to every well-formed code request.
type codeRequestedJSON struct {
	ExpiresIn   int `json:"expires_in"`   // seconds a code is valid, if one was sent
	ResendAfter int `json:"resend_after"` // seconds before another request may send one
}

// requestBeneficiaryCode sends a one-time code to a mobile that has tickets.
// The answer is the same 202 whether a code was sent, the mobile has no
// ticket, or it asked too often (the last two send nothing and are only logged).
func (a *API) requestBeneficiaryCode(c *gin.Context) error {
	start := time.Now()
	var in codeRequestIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	mobile, fe := checkMobile(in.Mobile)
	if len(fe) > 0 {
		return invalid(fe...)
	}
	ctx := c.Request.Context()
	code, err := newOneTimeCode()
	if err != nil {
		return err
	}
	now := a.now()
	msg, err := notify.Prepare(notify.Message{
		Audience: "beneficiary", Channel: "sms", Recipient: mobile, Template: codeTemplate,
		Params: map[string]string{"code": code, "minutes": strconv.Itoa(int(codeTTL / time.Minute))},
	}, now)
	if err != nil {
		return fmt.Errorf("beneficiary code: %w", err)
	}
	res, issued, err := a.store.IssueBeneficiaryCode(ctx, store.NewBeneficiaryCode{
		Mobile: mobile, MobileHash: a.mobileHash(mobile), CodeHash: a.codeHash(mobile, code),
		ExpiresAt: now.Add(codeTTL), PerDay: a.codeOpts.PerDay, Message: msg,
	}, now)
	if err != nil {
		return fmt.Errorf("beneficiary code: %w", err)
	}
	if res == store.CodeCapped {
		// Counted over requests, not codes: a mobile without tickets is
		// capped alike, so the 429 does not tell it has any.
		lifts, err := a.store.CodeCapLifts(ctx, a.mobileHash(mobile), a.codeOpts.PerDay, now)
		if err != nil {
			return fmt.Errorf("beneficiary code: %w", err)
		}
		a.log.InfoContext(ctx, "beneficiary code requested", "outcome", res.String(),
			"recipient", notify.MaskRecipient("sms", mobile), "request_id", c.GetString(requestIDKey))
		a.answerNoSooner(ctx, start)
		e := problem(http.StatusTooManyRequests, codeCodeLimit)
		e.headers = map[string]string{"Retry-After": strconv.Itoa(max(1, int(math.Ceil(lifts.Sub(now).Seconds()))))}
		return e
	}
	attrs := []any{"outcome", res.String(), "recipient", notify.MaskRecipient("sms", mobile),
		"request_id", c.GetString(requestIDKey)}
	if res == store.CodeIssued {
		attrs = append(attrs, "code_id", issued.ID)
	}
	a.log.InfoContext(ctx, "beneficiary code requested", attrs...)
	a.answerNoSooner(ctx, start)
	return writeJSON(c, http.StatusAccepted, codeRequestedJSON{
		ExpiresIn: int(codeTTL / time.Second), ResendAfter: int(store.CodeEvery / time.Second),
	})
}

type sessionIn struct {
	Mobile string `json:"mobile"`
	Code   string `json:"code"`
}

type beneficiarySessionJSON struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// openBeneficiarySession exchanges a mobile and its one-time code for a
// session token. A wrong, expired, used or superseded code, a mobile that
// never got one and a code out of attempts are all the same 401.
func (a *API) openBeneficiarySession(c *gin.Context) error {
	start := time.Now()
	var in sessionIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	mobile, fe := checkMobile(in.Mobile)
	code := strings.TrimSpace(normalize.Digits(in.Code))
	switch {
	case code == "":
		fe = append(fe, fieldErr{field: "code", code: fieldRequired})
	case len(code) != codeDigits || strings.Trim(code, "0123456789") != "":
		fe = append(fe, fieldErr{field: "code", code: fieldCodeFormat})
	}
	if len(fe) > 0 {
		return invalid(fe...)
	}
	ctx := c.Request.Context()
	token, err := signin.NewToken()
	if err != nil {
		return err
	}
	token = beneficiaryTokenPrefix + token
	// Sealed before the code is checked: the same work whatever the outcome.
	sealed, err := a.keys.Seal(trackcode.SealSessionMobile, token, tokenHash(token), mobile)
	if err != nil {
		return err
	}
	now := a.now()
	sess, err := a.store.RedeemBeneficiaryCode(ctx, a.mobileHash(mobile), a.codeHash(mobile, code),
		store.NewBeneficiarySession{TokenHash: tokenHash(token), MobileSealed: sealed, ExpiresAt: now.Add(beneficiarySessionTTL)}, now)
	masked := notify.MaskRecipient("sms", mobile)
	switch {
	case errors.Is(err, store.ErrCodeRejected):
		a.log.InfoContext(ctx, "beneficiary code rejected", "recipient", masked, "request_id", c.GetString(requestIDKey))
		if n, alarm := a.codeFailures.record(now); alarm {
			w := a.codeFailures.window
			a.log.ErrorContext(ctx, "one-time code failures past the alarm threshold, across mobiles",
				"failures", n, "window", w.String(), "threshold", a.codeFailures.threshold)
			// appendAudit logs its own failure; the refusal stands either way.
			_ = a.auditAs(c, workflows.Actor{ID: "system", Role: domain.RoleSystem}, auditCodeFailures, "beneficiary-codes",
				gin.H{"failures": n, "window_seconds": int(w / time.Second), "threshold": a.codeFailures.threshold})
		}
		a.answerNoSooner(ctx, start)
		return problem(http.StatusUnauthorized, codeInvalidCode)
	case err != nil:
		return fmt.Errorf("beneficiary session: %w", err)
	}
	a.log.InfoContext(ctx, "beneficiary session opened", "recipient", masked, "session_id", sess.ID,
		"request_id", c.GetString(requestIDKey))
	a.answerNoSooner(ctx, start)
	return writeJSON(c, http.StatusOK, beneficiarySessionJSON{AccessToken: token, ExpiresAt: sess.ExpiresAt.UTC()})
}

// beneficiaryOf authenticates a beneficiary session token: 401 for anything
// but a live session.
func (a *API) beneficiaryOf(c *gin.Context) (beneficiary, error) {
	token, _ := bearer(c.Request)
	if !strings.HasPrefix(token, beneficiaryTokenPrefix) {
		return beneficiary{}, problem(http.StatusUnauthorized, codeUnauthorized)
	}
	sess, err := a.store.BeneficiarySessionByToken(c.Request.Context(), tokenHash(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return beneficiary{}, problem(http.StatusUnauthorized, codeUnauthorized)
	} else if err != nil {
		return beneficiary{}, fmt.Errorf("beneficiary session: %w", err)
	}
	mobile, err := a.keys.Open(trackcode.SealSessionMobile, token, sess.TokenHash, sess.MobileSealed)
	if err != nil {
		// Only a changed tracking secret gets here: the beneficiary signs in again.
		a.log.Error("beneficiary session unreadable", "session_id", sess.ID, "error", err)
		return beneficiary{}, problem(http.StatusUnauthorized, codeUnauthorized)
	}
	return beneficiary{sessionID: sess.ID, mobile: mobile}, nil
}

// requireBeneficiary admits beneficiary session tokens only (never staff ones).
func (a *API) requireBeneficiary() gin.HandlerFunc {
	return func(c *gin.Context) {
		b, err := a.beneficiaryOf(c)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Set(beneficiaryKey, b)
		c.Next()
	}
}

func beneficiaryFrom(c *gin.Context) beneficiary {
	b, _ := c.Get(beneficiaryKey)
	v, _ := b.(beneficiary)
	return v
}

// ownTicket loads the ticket of the path for b; another beneficiary's
// ticket answers the very 404 of a missing one.
func (a *API) ownTicket(c *gin.Context, b beneficiary) (store.Ticket, error) {
	t, err := a.tickets.Get(c.Request.Context(), c.Param("number"))
	if err != nil {
		return store.Ticket{}, err
	}
	if !beneficiaryOwns(b.mobile, t) {
		return store.Ticket{}, problem(http.StatusNotFound, codeNotFound)
	}
	return t, nil
}

// ownSummaryJSON is one line of a beneficiary's own list: no personal data,
// no staff identities.
type ownSummaryJSON struct {
	Number    string        `json:"number"`
	Kind      domain.Kind   `json:"kind"`
	Status    domain.Status `json:"status"`
	Subject   string        `json:"subject"`
	Entity    entityRef     `json:"entity"`
	CreatedAt time.Time     `json:"created_at"`
	SLADueAt  time.Time     `json:"sla_due_at"`
}

// listOwnTickets lists the caller's own tickets, newest first.
func (a *API) listOwnTickets(c *gin.Context) error {
	b := beneficiaryFrom(c)
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	errs := onlyParams(q, "cursor", "limit")
	limit, limitErrs := limitParam(q)
	errs = append(errs, limitErrs...)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	page, err := a.store.BeneficiaryTickets(ctx, b.mobile, q.Get("cursor"), limit)
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("beneficiary tickets: %w", err)
	}
	items := make([]ownSummaryJSON, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		if !beneficiaryOwns(b.mobile, t) {
			// The query and the rule disagree: a bug, never someone else's ticket shown.
			a.log.Error("beneficiary list returned a ticket the ownership rule refuses", "number", t.Number)
			continue
		}
		ref, err := a.entityRefOf(ctx, t.Entity)
		if err != nil {
			return err
		}
		items = append(items, ownSummaryJSON{Number: t.Number, Kind: t.Kind, Status: t.Status, Subject: t.Subject,
			Entity: ref, CreatedAt: t.CreatedAt.UTC(), SLADueAt: t.SLADueAt.UTC()})
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}

// getOwnTicket is the tracking page's view of one of the caller's own tickets.
func (a *API) getOwnTicket(c *gin.Context) error {
	b := beneficiaryFrom(c)
	t, err := a.ownTicket(c, b)
	if err != nil {
		return err
	}
	return a.writePublicView(c, t, beneficiarySubject(b.mobile, false))
}

// beneficiaryLogout ends the caller's beneficiary session.
func (a *API) beneficiaryLogout(c *gin.Context) error {
	b := beneficiaryFrom(c)
	if err := a.store.RevokeBeneficiarySession(c.Request.Context(), b.sessionID, a.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("beneficiary logout: %w", err)
	}
	c.Status(http.StatusNoContent)
	return nil
}
