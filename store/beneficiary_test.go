package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	mobileA = "+966500000001" // sampleTicket's beneficiary
	mobileB = "+966500000002"
)

// codeFor is a stand-in for the API's keyed hashes: the store only compares them.
func codeFor(mobile, code string) NewBeneficiaryCode {
	return NewBeneficiaryCode{
		Mobile: mobile, MobileHash: hashOf("m" + mobile), CodeHash: hashOf("c" + mobile + code),
		Message: OutboxMessage{Channel: "sms", Recipient: mobile, Template: "beneficiary_code", Body: "code " + code},
	}
}

func mustIssue(tb testing.TB, s *Store, mobile, code string, at time.Time) BeneficiaryCode {
	tb.Helper()
	n := codeFor(mobile, code)
	n.ExpiresAt = at.Add(10 * time.Minute)
	res, c, err := s.IssueBeneficiaryCode(context.Background(), n, at)
	if err != nil || res != CodeIssued {
		tb.Fatalf("IssueBeneficiaryCode(%s) = %v, %v; want issued", code, res, err)
	}
	return c
}

// redeem tries code for mobile at at; the session token is derived from tag.
func redeem(s *Store, mobile, code, tag string, at time.Time) (BeneficiarySession, error) {
	return s.RedeemBeneficiaryCode(context.Background(), hashOf("m"+mobile), hashOf("c"+mobile+code),
		NewBeneficiarySession{TokenHash: hashOf("t" + tag), MobileSealed: []byte("sealed " + tag), ExpiresAt: at.Add(30 * time.Minute)}, at)
}

func mustReject(tb testing.TB, s *Store, mobile, code string, at time.Time, why string) {
	tb.Helper()
	if _, err := redeem(s, mobile, code, "x", at); !errors.Is(err, ErrCodeRejected) {
		tb.Fatalf("%s: redeem = %v, want ErrCodeRejected", why, err)
	}
}

func attemptsOf(tb testing.TB, s *Store, id int64) int {
	tb.Helper()
	var c BeneficiaryCode
	if err := s.db.Where("id = ?", id).Take(&c).Error; err != nil {
		tb.Fatal(err)
	}
	return c.Attempts
}

func TestIssueBeneficiaryCode(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		at := baseTime.In(riyadh).Add(time.Hour + 123*time.Nanosecond)

		// A mobile without tickets gets nothing, and nothing is written.
		n := codeFor(mobileB, "111111")
		n.ExpiresAt = at.Add(10 * time.Minute)
		if res, _, err := s.IssueBeneficiaryCode(ctx, n, at); err != nil || res != CodeNoTickets {
			t.Fatalf("no tickets: %v, %v", res, err)
		}
		if countRows(t, s, "beneficiary_codes") != 0 || countRows(t, s, "outbox") != 0 {
			t.Fatal("rows written for a mobile without tickets")
		}

		// The code row and its message, keyed by the row.
		c := mustIssue(t, s, mobileA, "123456", at)
		if c.ID == 0 || c.Attempts != 0 || !c.CreatedAt.Equal(utc(at)) || !c.ExpiresAt.Equal(utc(at).Add(10*time.Minute)) {
			t.Fatalf("code %+v", c)
		}
		var msgs []OutboxMessage
		if err := s.db.Order("id").Find(&msgs).Error; err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Key != "beneficiary-code/"+strconv.FormatInt(c.ID, 10) || msgs[0].Recipient != mobileA ||
			msgs[0].Status != "pending" || msgs[0].Template != "beneficiary_code" || msgs[0].Body != "code 123456" {
			t.Fatalf("outbox %+v", msgs)
		}
		// The code row keeps hashes only.
		var raw []string
		if err := s.db.Raw(`SELECT mobile_hash || ' ' || code_hash FROM beneficiary_codes`).Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if len(raw) != 1 || strings.Contains(raw[0], "966") || strings.Contains(raw[0], "123456") {
			t.Fatalf("code row holds clear data: %q", raw)
		}

		// Throttle: nothing within a minute, then one a minute, at most 5 an hour.
		for _, d := range []time.Duration{0, time.Second, CodeEvery - time.Microsecond} {
			n := codeFor(mobileA, "222222")
			n.ExpiresAt = at.Add(d + 10*time.Minute)
			if res, _, err := s.IssueBeneficiaryCode(ctx, n, at.Add(d)); err != nil || res != CodeThrottled {
				t.Fatalf("+%s: %v, %v; want throttled", d, res, err)
			}
		}
		for i := 1; i < CodesPerHour; i++ {
			mustIssue(t, s, mobileA, "33333"+strconv.Itoa(i), at.Add(time.Duration(i)*CodeEvery))
		}
		n = codeFor(mobileA, "444444")
		late := at.Add(time.Hour - time.Microsecond)
		if res, _, err := s.IssueBeneficiaryCode(ctx, n, late); err != nil || res != CodeThrottled {
			t.Fatalf("6th within the hour: %v, %v; want throttled", res, err)
		}
		mustIssue(t, s, mobileA, "555555", at.Add(time.Hour+CodeEvery))
		if got := countRows(t, s, "beneficiary_codes"); got != CodesPerHour+1 {
			t.Fatalf("%d codes, want %d", got, CodesPerHour+1)
		}
		if got := countRows(t, s, "outbox"); got != CodesPerHour+1 {
			t.Fatalf("%d messages, want one per code", got)
		}
		// Every older code was revoked by the newer one: one live code.
		if got := countRows(t, s, "beneficiary_codes WHERE revoked_at IS NULL"); got != 1 {
			t.Fatalf("%d live codes, want 1", got)
		}
	})
}

func TestRedeemBeneficiaryCode(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		at := baseTime.Add(time.Hour)

		mustReject(t, s, mobileA, "123456", at, "no code yet")
		mustReject(t, s, mobileB, "123456", at, "unknown mobile")
		c := mustIssue(t, s, mobileA, "123456", at)
		mustReject(t, s, mobileA, "654321", at, "wrong code")
		mustReject(t, s, mobileB, "123456", at, "right code, other mobile")
		if got := attemptsOf(t, s, c.ID); got != 1 {
			t.Fatalf("attempts %d, want 1 (another mobile's try costs this code nothing)", got)
		}

		sess, err := redeem(s, mobileA, "123456", "1", at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if sess.ID == 0 || sess.MobileHash != hashOf("m"+mobileA) || string(sess.MobileSealed) != "sealed 1" ||
			!sess.ExpiresAt.Equal(at.Add(31*time.Minute)) {
			t.Fatalf("session %+v", sess)
		}
		got, err := s.BeneficiarySessionByToken(ctx, hashOf("t1"), at.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "session read back", got, sess)
		mustReject(t, s, mobileA, "123456", at.Add(2*time.Minute), "used code")

		// Expiry.
		mustIssue(t, s, mobileA, "222222", at.Add(time.Hour))
		mustReject(t, s, mobileA, "222222", at.Add(time.Hour+10*time.Minute), "expired code")

		// A newer code invalidates the older one.
		mustIssue(t, s, mobileA, "333333", at.Add(2*time.Hour))
		mustIssue(t, s, mobileA, "444444", at.Add(2*time.Hour+CodeEvery))
		mustReject(t, s, mobileA, "333333", at.Add(2*time.Hour+CodeEvery), "superseded code")
		if _, err := redeem(s, mobileA, "444444", "2", at.Add(2*time.Hour+CodeEvery)); err != nil {
			t.Fatalf("newest code: %v", err)
		}

		// Five attempts, the right one included: the sixth is refused even when right.
		c = mustIssue(t, s, mobileA, "555555", at.Add(3*time.Hour))
		for i := range MaxCodeAttempts {
			mustReject(t, s, mobileA, "00000"+strconv.Itoa(i), at.Add(3*time.Hour), "wrong guess")
		}
		mustReject(t, s, mobileA, "555555", at.Add(3*time.Hour), "right code after 5 attempts")
		if got := attemptsOf(t, s, c.ID); got != MaxCodeAttempts {
			t.Fatalf("attempts %d, want %d (refusals without an attempt left are not counted)", got, MaxCodeAttempts)
		}

		// Sessions: expiry and revocation.
		if _, err := s.BeneficiarySessionByToken(ctx, hashOf("t1"), sess.ExpiresAt); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
		if _, err := s.BeneficiarySessionByToken(ctx, hashOf("nope"), at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown session: %v", err)
		}
		for range 2 {
			if err := s.RevokeBeneficiarySession(ctx, sess.ID, at.Add(3*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.BeneficiarySessionByToken(ctx, hashOf("t1"), at.Add(4*time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked session: %v", err)
		}
		if err := s.RevokeBeneficiarySession(ctx, 987654, at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
	})
}

// Guesses racing for the last attempts: exactly MaxCodeAttempts are counted
// in all, and of many right guesses racing for the 5th try one wins.
func TestRedeemBeneficiaryCodeConcurrently(t *testing.T) {
	race := func(n int, try func(i int) error) []error {
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = try(i)
			})
		}
		close(start)
		wg.Wait()
		return errs
	}
	forEachDialect(t, func(t *testing.T, s *Store) {
		mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		at := baseTime.Add(time.Hour)

		// Wrong guesses only: five are counted, and then the right code is refused.
		c := mustIssue(t, s, mobileA, "123456", at)
		for _, err := range race(12, func(i int) error {
			_, err := redeem(s, mobileA, "99999"+strconv.Itoa(i%10), "w"+strconv.Itoa(i), at)
			return err
		}) {
			if !errors.Is(err, ErrCodeRejected) {
				t.Fatalf("wrong guess: %v", err)
			}
		}
		if got := attemptsOf(t, s, c.ID); got != MaxCodeAttempts {
			t.Fatalf("attempts %d after 12 concurrent guesses, want %d", got, MaxCodeAttempts)
		}
		mustReject(t, s, mobileA, "123456", at, "right code after the race")

		// Four wrong, then right guesses race for the fifth: one session.
		c = mustIssue(t, s, mobileA, "654321", at.Add(time.Hour))
		for i := range MaxCodeAttempts - 1 {
			mustReject(t, s, mobileA, "00000"+strconv.Itoa(i), at.Add(time.Hour), "wrong guess")
		}
		won := 0
		for _, err := range race(8, func(i int) error {
			_, err := redeem(s, mobileA, "654321", "r"+strconv.Itoa(i), at.Add(time.Hour))
			return err
		}) {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrCodeRejected):
				t.Fatalf("right guess: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d right guesses opened a session, want exactly 1", won)
		}
		if got := attemptsOf(t, s, c.ID); got != MaxCodeAttempts {
			t.Fatalf("attempts %d, want %d", got, MaxCodeAttempts)
		}
		if got := countRows(t, s, "beneficiary_sessions"); got != 1 {
			t.Fatalf("%d sessions, want 1", got)
		}
	})
}

// Concurrent requests for one mobile cannot both pass the throttle.
func TestIssueBeneficiaryCodeConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		at := baseTime.Add(time.Hour)
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]CodeIssue, 8)
		for i := range results {
			wg.Go(func() {
				<-start
				n := codeFor(mobileA, "12345"+strconv.Itoa(i))
				n.ExpiresAt = at.Add(10 * time.Minute)
				res, _, err := s.IssueBeneficiaryCode(context.Background(), n, at)
				if err != nil {
					t.Error(err)
				}
				results[i] = res
			})
		}
		close(start)
		wg.Wait()
		issued := 0
		for _, r := range results {
			if r == CodeIssued {
				issued++
			}
		}
		if issued != 1 || countRows(t, s, "beneficiary_codes") != 1 || countRows(t, s, "outbox") != 1 {
			t.Fatalf("issued %d (results %v), want exactly one code and one message", issued, results)
		}
	})
}

func TestBeneficiaryTickets(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var mine []string
		for i := range 5 {
			nt := sampleTicket(baseTime.Add(48 * time.Hour))
			// Filing times in another zone, one pair at the same instant.
			nt.CreatedAt = baseTime.In(riyadh).Add(time.Duration(i/2) * time.Hour)
			if i == 2 {
				nt.BeneficiaryMobile = mobileB
			}
			tk := mustCreate(t, s, nt)
			if i != 2 {
				mine = append(mine, tk.Number)
			}
		}
		// Newest first: (created_at, number) descending.
		want := []string{mine[3], mine[2], mine[1], mine[0]}
		var got []string
		cur := ""
		for range 10 {
			p, err := s.BeneficiaryTickets(ctx, mobileA, cur, 3)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, numbersOf(p.Tickets)...)
			if cur = p.NextCursor; cur == "" {
				break
			}
		}
		mustEqual(t, "pages", got, want)

		p, err := s.BeneficiaryTickets(ctx, mobileB, "", 0)
		if err != nil || len(p.Tickets) != 1 || p.Tickets[0].BeneficiaryMobile != mobileB {
			t.Fatalf("B's list: %+v, %v", p, err)
		}
		if p, err := s.BeneficiaryTickets(ctx, "", "", 0); err != nil || len(p.Tickets) != 0 {
			t.Fatalf("an empty mobile owns %+v, %v", p, err)
		}
		if _, err := s.BeneficiaryTickets(ctx, mobileA, "garbage!", 0); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// The daily cap counts a mobile's requests over a sliding day, for a mobile
// with tickets and one without alike, and says when it lifts.
func TestBeneficiaryCodeDailyCap(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustCreate(t, s, sampleTicket(baseTime))
		at := baseTime.Add(time.Hour)
		issue := func(mobile string, when time.Time) CodeIssue {
			t.Helper()
			n := codeFor(mobile, "123456")
			n.ExpiresAt, n.PerDay = when.Add(10*time.Minute), 3
			res, _, err := s.IssueBeneficiaryCode(ctx, n, when)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		for mobile, first := range map[string]CodeIssue{mobileA: CodeIssued, mobileB: CodeNoTickets} {
			for i := range 3 {
				if res := issue(mobile, at.Add(time.Duration(i)*2*time.Hour)); res != first {
					t.Fatalf("%s request %d: %v, want %v", mobile, i+1, res, first)
				}
			}
			// Hours later, the fourth of the day is capped, not just throttled.
			if res := issue(mobile, at.Add(10*time.Hour)); res != CodeCapped {
				t.Fatalf("%s 4th of the day: %v, want capped", mobile, res)
			}
			lifts, err := s.CodeCapLifts(ctx, hashOf("m"+mobile), 3, at.Add(10*time.Hour))
			if err != nil || !lifts.Equal(utc(at).Add(24*time.Hour)) {
				t.Fatalf("%s cap lifts at %v, %v; want a day after the first", mobile, lifts, err)
			}
			if res := issue(mobile, at.Add(24*time.Hour+time.Second)); res != first {
				t.Fatalf("%s a day later: %v, want %v", mobile, res, first)
			}
		}
		if got := countRows(t, s, "outbox"); got != 4 {
			t.Fatalf("%d messages, want 4 (3 + 1 a day later, all to the mobile with tickets)", got)
		}
	})
}

// An anonymous filing naming a mobile is not in that mobile's list until
// ProveMobile, which keeps the first proof's time and refuses another mobile.
func TestBeneficiaryTicketsUnproven(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mine := mustCreate(t, s, sampleTicket(baseTime.Add(48*time.Hour)))
		nt := sampleTicket(baseTime.Add(48 * time.Hour))
		nt.MobileProvenAt = nil
		anon := mustCreate(t, s, nt)
		list := func() []string {
			t.Helper()
			p, err := s.BeneficiaryTickets(ctx, mobileA, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			return numbersOf(p.Tickets)
		}
		mustEqual(t, "before the proof", list(), []string{mine.Number})
		if err := s.ProveMobile(ctx, anon.Number, mobileB, baseTime); !errors.Is(err, ErrNotFound) {
			t.Fatalf("proof for another mobile: %v", err)
		}
		if err := s.ProveMobile(ctx, "2026-999999", mobileA, baseTime); !errors.Is(err, ErrNotFound) {
			t.Fatalf("proof for no ticket: %v", err)
		}
		mustEqual(t, "after a refused proof", list(), []string{mine.Number})
		at := baseTime.Add(time.Hour)
		for range 2 {
			if err := s.ProveMobile(ctx, anon.Number, mobileA, at); err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Hour) // a second proof keeps the first one's time
		}
		got, err := s.GetTicket(ctx, anon.Number)
		if err != nil || got.MobileProvenAt == nil || !got.MobileProvenAt.Equal(baseTime.Add(time.Hour)) {
			t.Fatalf("proven at %v, %v", got.MobileProvenAt, err)
		}
		mustEqual(t, "after the proof", len(list()), 2)
	})
}
