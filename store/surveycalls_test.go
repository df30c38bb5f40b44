package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// riyadhDay is 00:00 of a day in the survey's default zone (UTC+3, no DST).
func riyadhDay(day int) time.Time { return time.Date(2026, 3, day, 0, 0, 0, 0, riyadh) }

// closeTicket files a ticket and projects it closed (or withdrawn) at at.
func closeTicket(tb testing.TB, s *Store, st domain.Status, at time.Time, edit ...func(*NewTicket)) string {
	tb.Helper()
	in := sampleTicket(baseTime)
	for _, e := range edit {
		e(&in)
	}
	tk := mustCreate(tb, s, in)
	err := s.ApplyChange(context.Background(), TicketChange{Number: tk.Number, Version: 1, Status: st,
		ResponsibleEntity: tk.ResponsibleEntity, SLADueAt: tk.SLADueAt, ClosedAt: &at})
	if err != nil {
		tb.Fatal(err)
	}
	return tk.Number
}

func listedNumbers(tb testing.TB, s *Store, date string) []string {
	tb.Helper()
	page, err := s.ListSurveyCalls(context.Background(), SurveyCallFilter{Date: date, Limit: 200})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range page.Calls {
		out = append(out, c.TicketNumber)
	}
	return out
}

// topRanked is the sample the rule promises: the k candidates of lowest rank.
func topRanked(date string, candidates []string, k int) []string {
	c := slices.Clone(candidates)
	slices.SortFunc(c, func(a, b string) int { return cmp.Compare(surveyRank(date, a), surveyRank(date, b)) })
	return c[:k]
}

// The list of the 15th samples the tickets closed on the 14th in Riyadh —
// closed, not withdrawn — by share rounded up, in rank order; drawing the
// day again adds nothing, and neither does a third run in another store
// session.
func TestSampleSurveyCallsIsDeterministicAndIdempotent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var candidates []string
		for i := range 23 {
			candidates = append(candidates, closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(time.Duration(i)*time.Hour)))
		}
		// 23:30 on the 14th in Riyadh is 20:30 UTC: in. 00:30 on the 15th is
		// 21:30 UTC on the 14th: out, as are the days around and withdrawals.
		candidates = append(candidates, closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(23*time.Hour+30*time.Minute)))
		closeTicket(t, s, domain.StatusClosed, riyadhDay(15).Add(30*time.Minute))
		closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(-time.Second))
		closeTicket(t, s, domain.StatusWithdrawn, riyadhDay(14).Add(10*time.Hour))
		closeTicket(t, s, domain.StatusAnswered, riyadhDay(14).Add(10*time.Hour))

		p := SurveySampling{Share: 0.2, MaxPerDay: 200}
		got, err := s.SampleSurveyCalls(ctx, "2026-03-15", p, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		// ceil(0.2 × 24) = 5.
		mustEqual(t, "first sample", got, SurveySample{Date: "2026-03-15", Closed: 24, Target: 5, Inserted: 5, Total: 5})
		want := topRanked("2026-03-15", candidates, 5)
		mustEqual(t, "the day's list, in rank order", listedNumbers(t, s, "2026-03-15"), want)

		again, err := s.SampleSurveyCalls(ctx, "2026-03-15", p, baseTime.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "second sample", again, SurveySample{Date: "2026-03-15", Closed: 24, Target: 5, Inserted: 0, Total: 5})
		mustEqual(t, "list after the second sample", listedNumbers(t, s, "2026-03-15"), want)

		// Another day draws another order from the same kind of pool.
		if topRanked("2026-03-16", candidates, 5)[0] == want[0] && topRanked("2026-03-17", candidates, 5)[0] == want[0] {
			t.Error("the rank does not depend on the day")
		}

		// The cap bounds a day; a zero-ticket day is an empty list.
		capped, err := s.SampleSurveyCalls(ctx, "2026-03-16", SurveySampling{Share: 1, MaxPerDay: 1}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "capped sample", capped, SurveySample{Date: "2026-03-16", Closed: 1, Target: 1, Inserted: 1, Total: 1})
		empty, err := s.SampleSurveyCalls(ctx, "2026-04-01", p, baseTime)
		if err != nil || empty.Total != 0 || empty.Closed != 0 {
			t.Fatalf("empty day: %+v, %v", empty, err)
		}
	})
}

// Tickets whose closing reached the read model after the day was drawn are
// added by the next run, up to the target; a ticket already on a list is
// never drawn again; the list never shrinks.
func TestSampleSurveyCallsFillsUpToTheTarget(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		p := SurveySampling{Share: 0.5, MaxPerDay: 3}
		var first []string
		for i := range 2 {
			first = append(first, closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(time.Duration(9+i)*time.Hour)))
		}
		got, err := s.SampleSurveyCalls(ctx, "2026-03-15", p, baseTime)
		if err != nil || got.Inserted != 1 {
			t.Fatalf("first run: %+v, %v", got, err)
		}
		listed := listedNumbers(t, s, "2026-03-15")
		if len(listed) != 1 || !slices.Contains(first, listed[0]) {
			t.Fatalf("first run listed %v, want one of %v", listed, first)
		}
		for range 6 {
			closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(15*time.Hour))
		}
		got, err = s.SampleSurveyCalls(ctx, "2026-03-15", p, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "late run", got, SurveySample{Date: "2026-03-15", Closed: 8, Target: 3, Inserted: 2, Total: 3})
		after := listedNumbers(t, s, "2026-03-15")
		if after[0] != listed[0] {
			t.Fatalf("the first call moved: %v then %v", listed, after)
		}

		// A listed ticket whose closing moved a day later is not drawn for the
		// next day's list.
		moved := after[0]
		if err := s.ApplyChange(ctx, TicketChange{Number: moved, Version: 2, Status: domain.StatusClosed,
			ResponsibleEntity: "UNI-KSU", SLADueAt: baseTime, ClosedAt: ptr(riyadhDay(15).Add(time.Hour))}); err != nil {
			t.Fatal(err)
		}
		next, err := s.SampleSurveyCalls(ctx, "2026-03-16", SurveySampling{Share: 1, MaxPerDay: 10}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "next day", next, SurveySample{Date: "2026-03-16", Closed: 1, Target: 1, Inserted: 0, Total: 0})
	})
}

func TestSampleSurveyCallsRefusesNonDates(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		for _, d := range []string{"2026-02-30", "2026-3-5", "", "15/03/2026"} {
			if _, err := s.SampleSurveyCalls(context.Background(), d, SurveySampling{Share: 0.1, MaxPerDay: 5}, baseTime); !errors.Is(err, ErrBadSurveyDate) {
				t.Errorf("%q: %v", d, err)
			}
		}
		if _, err := s.SampleSurveyCalls(context.Background(), "2026-03-15", SurveySampling{Share: 0, MaxPerDay: 5}, baseTime); err == nil {
			t.Error("a zero share was accepted")
		}
	})
}

// A sampling under WithAudit commits its entry, detail and all, with the calls.
func TestSampleSurveyCallsAudited(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(9*time.Hour))
		actx, pending, err := WithAudit(ctx, AuditEntry{ActorID: "admin", ActorRole: "admin",
			Action: "survey_calls.sampled", Subject: "survey_calls/2026-03-15"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SampleSurveyCalls(actx, "2026-03-15", SurveySampling{Share: 1, MaxPerDay: 5}, baseTime); err != nil {
			t.Fatal(err)
		}
		if !pending.Appended() {
			t.Fatal("the sampling did not take its audit entry")
		}
		mustEqual(t, "audit detail", pending.Stored().Detail,
			`{"date":"2026-03-15","closed":1,"target":1,"inserted":1,"total":1}`)
	})
}

// oneCall samples one call and returns its id.
func oneCall(t *testing.T, s *Store) SurveyCallLine {
	t.Helper()
	closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(9*time.Hour), func(n *NewTicket) {
		n.BeneficiaryName, n.BeneficiaryMobile, n.BeneficiaryLanguage = "نورة", "+966512345678", "en"
	})
	if _, err := s.SampleSurveyCalls(context.Background(), "2026-03-15", SurveySampling{Share: 1, MaxPerDay: 5}, baseTime); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListSurveyCalls(context.Background(), SurveyCallFilter{Date: "2026-03-15"})
	if err != nil || len(page.Calls) != 1 {
		t.Fatalf("list: %+v, %v", page, err)
	}
	return page.Calls[0]
}

func outcome(o domain.SurveyCallStatus, rating int, key string) SurveyOutcome {
	return SurveyOutcome{Outcome: o, Rating: rating, AgentID: "user:huda", KeyHash: key,
		RequestHash: string(o) + string(rune('0'+rating)), At: baseTime}
}

// An unanswered call is tried again until its third attempt makes it final;
// a final call is not overwritten.
func TestSurveyOutcomeUnreachableRetriesThenFinal(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		call := oneCall(t, s)
		if call.Kind != domain.KindComplaint || call.Entity != "UNI-KSU" || call.BeneficiaryName != "نورة" ||
			call.BeneficiaryMobile != "+966512345678" || call.BeneficiaryLanguage != "en" || call.ClosedAt == nil ||
			!call.ClosedAt.Equal(riyadhDay(14).Add(9*time.Hour)) || call.Status != domain.SurveyPending {
			t.Fatalf("line: %+v", call)
		}
		for i, want := range []domain.SurveyCallStatus{domain.SurveyPending, domain.SurveyPending, domain.SurveyUnreachable} {
			got, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyUnreachable, 0, ""))
			if err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			if got.Status != want || got.Attempts != i+1 || got.AgentID != "user:huda" || got.RecordedAt == nil {
				t.Fatalf("after attempt %d: %+v", i+1, got)
			}
		}
		_, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyReached, 5, ""))
		if !errors.Is(err, ErrSurveyCallFinal) {
			t.Fatalf("reached after unreachable: %v", err)
		}
		if _, err := s.RecordSurveyOutcome(ctx, 999, outcome(domain.SurveyReached, 5, "")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown call: %v", err)
		}
	})
}

// The same request under the same key is a replay, not another attempt; the
// same key with another request is refused; without a key, repeating the
// request that made the call final is a replay too.
func TestSurveyOutcomeIdempotence(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		call := oneCall(t, s)
		first, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyUnreachable, 0, "k1"))
		if err != nil || first.Attempts != 1 {
			t.Fatalf("first: %+v, %v", first, err)
		}
		replay, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyUnreachable, 0, "k1"))
		if !errors.Is(err, ErrSurveyReplay) || replay.Attempts != 1 {
			t.Fatalf("replay: %+v, %v", replay, err)
		}
		if _, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyReached, 4, "k1")); !errors.Is(err, ErrIdempotencyMismatch) {
			t.Fatalf("same key, other request: %v", err)
		}
		reached, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyReached, 4, ""))
		if err != nil || reached.Status != domain.SurveyReached || reached.Rating != 4 || reached.Attempts != 2 {
			t.Fatalf("reached: %+v, %v", reached, err)
		}
		again, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyReached, 4, ""))
		if !errors.Is(err, ErrSurveyReplay) || again.Attempts != 2 {
			t.Fatalf("repeated final request: %+v, %v", again, err)
		}
		if _, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyReached, 2, "")); !errors.Is(err, ErrSurveyCallFinal) {
			t.Fatalf("another rating: %v", err)
		}
		if _, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyDeclined, 0, "k2")); !errors.Is(err, ErrSurveyCallFinal) {
			t.Fatalf("another outcome under a new key: %v", err)
		}
		// The rule on ratings holds in the store too (and in the table's CHECK).
		for _, o := range []SurveyOutcome{outcome(domain.SurveyReached, 0, ""), outcome(domain.SurveyDeclined, 3, ""), outcome(domain.SurveyPending, 0, "")} {
			if _, err := s.RecordSurveyOutcome(ctx, call.ID, o); err == nil || errors.Is(err, ErrSurveyCallFinal) {
				t.Errorf("%+v: %v", o, err)
			}
		}
		if err := s.db.Exec(`UPDATE survey_calls SET rating = 0 WHERE id = ?`, call.ID).Error; err == nil {
			t.Error("a reached call without a rating passed the table's CHECK")
		}
	})
}

// Two agents recording the last attempt at once: one makes the call final,
// the other is told it is final — never two attempts counted as the third.
func TestSurveyOutcomeLastAttemptRace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		call := oneCall(t, s)
		for range domain.SurveyMaxAttempts - 1 {
			if _, err := s.RecordSurveyOutcome(ctx, call.ID, outcome(domain.SurveyUnreachable, 0, "")); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				o := outcome(domain.SurveyUnreachable, 0, "")
				// Another agent is another request (the API hashes the agent in).
				o.AgentID = "user:agent-" + string(rune('a'+i))
				o.RequestHash += o.AgentID
				_, errs[i] = s.RecordSurveyOutcome(ctx, call.ID, o)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrSurveyCallFinal):
				t.Errorf("loser: %v", err)
			}
		}
		got, err := s.GetSurveyCall(ctx, call.ID)
		if ok != 1 || err != nil || got.Attempts != domain.SurveyMaxAttempts || got.Status != domain.SurveyUnreachable {
			t.Fatalf("%d winners; call %+v, %v", ok, got, err)
		}
	})
}

// An attempt under WithAudit commits its entry, which says which attempt it was.
func TestSurveyOutcomeAudited(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		call := oneCall(t, s)
		actx, pending, err := WithAudit(ctx, AuditEntry{ActorID: "user:huda", ActorRole: "survey_agent",
			Action: "survey_call.recorded", Subject: "survey_call/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordSurveyOutcome(actx, call.ID, outcome(domain.SurveyReached, 5, "")); err != nil {
			t.Fatal(err)
		}
		if !pending.Appended() {
			t.Fatal("the attempt did not take its audit entry")
		}
		mustEqual(t, "audit detail", pending.Stored().Detail,
			`{"ticket":"`+call.TicketNumber+`","call_date":"2026-03-15","outcome":"reached","status":"reached","attempt":1,"rating":5}`)

		// A replay writes nothing, its audit entry included.
		actx, pending, _ = WithAudit(ctx, AuditEntry{ActorID: "user:huda", Action: "survey_call.recorded"})
		if _, err := s.RecordSurveyOutcome(actx, call.ID, outcome(domain.SurveyReached, 5, "")); !errors.Is(err, ErrSurveyReplay) || pending.Appended() {
			t.Fatalf("replay: %v, audited %v", err, pending.Appended())
		}
	})
}

// The list pages in sampling order and filters by status.
func TestListSurveyCallsPages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i := range 5 {
			closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(time.Duration(8+i)*time.Hour))
		}
		if _, err := s.SampleSurveyCalls(ctx, "2026-03-15", SurveySampling{Share: 1, MaxPerDay: 10}, baseTime); err != nil {
			t.Fatal(err)
		}
		all := listedNumbers(t, s, "2026-03-15")
		var paged []string
		f := SurveyCallFilter{Date: "2026-03-15", Limit: 2}
		for pages := 0; ; pages++ {
			page, err := s.ListSurveyCalls(ctx, f)
			if err != nil || pages > 5 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, c := range page.Calls {
				paged = append(paged, c.TicketNumber)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		mustEqual(t, "paged list", paged, all)

		first, _ := s.ListSurveyCalls(ctx, SurveyCallFilter{Date: "2026-03-15", Limit: 1})
		if _, err := s.RecordSurveyOutcome(ctx, first.Calls[0].ID, outcome(domain.SurveyDeclined, 0, "")); err != nil {
			t.Fatal(err)
		}
		declined, err := s.ListSurveyCalls(ctx, SurveyCallFilter{Date: "2026-03-15", Status: domain.SurveyDeclined})
		if err != nil || len(declined.Calls) != 1 || declined.Calls[0].ID != first.Calls[0].ID {
			t.Fatalf("declined: %+v, %v", declined, err)
		}
		pending, _ := s.ListSurveyCalls(ctx, SurveyCallFilter{Date: "2026-03-15", Status: domain.SurveyPending})
		if len(pending.Calls) != 4 {
			t.Fatalf("pending: %d", len(pending.Calls))
		}
		if _, err := s.ListSurveyCalls(ctx, SurveyCallFilter{Date: "2026-03-15", Cursor: "x"}); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// The summary counts calls by status over a range of days, with the mean
// rating of the reached ones, overall and by entity.
func TestSummarizeSurveyCalls(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		entityOf := map[string]string{}
		for i, e := range []string{"UNI-KSU", "UNI-KSU", "UNI-KSU", "EDU-RIY"} {
			n := closeTicket(t, s, domain.StatusClosed, riyadhDay(14).Add(time.Duration(8+i)*time.Hour), func(n *NewTicket) {
				n.Entity, n.ResponsibleEntity = e, e
			})
			entityOf[n] = e
		}
		closeTicket(t, s, domain.StatusClosed, riyadhDay(20).Add(9*time.Hour)) // drawn for the 21st: out of range
		for _, d := range []string{"2026-03-15", "2026-03-21"} {
			if _, err := s.SampleSurveyCalls(ctx, d, SurveySampling{Share: 1, MaxPerDay: 10}, baseTime); err != nil {
				t.Fatal(err)
			}
		}
		page, _ := s.ListSurveyCalls(ctx, SurveyCallFilter{Date: "2026-03-15"})
		// EDU-RIY's call rates 2; two of KSU's rate 5 and 4, the third is pending.
		ksuRatings := []int{5, 4}
		for _, c := range page.Calls {
			rating := 2
			if entityOf[c.TicketNumber] == "UNI-KSU" {
				if len(ksuRatings) == 0 {
					continue
				}
				rating, ksuRatings = ksuRatings[0], ksuRatings[1:]
			}
			if _, err := s.RecordSurveyOutcome(ctx, c.ID, outcome(domain.SurveyReached, rating, "")); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := s.SummarizeSurveyCalls(ctx, "2026-03-01", "2026-03-20", true)
		if err != nil {
			t.Fatal(err)
		}
		o := sum.Overall
		if o.Calls != 4 || o.ByStatus[domain.SurveyReached] != 3 || o.ByStatus[domain.SurveyPending] != 1 || o.RatingSum != 2+5+4 {
			t.Fatalf("overall: %+v", o)
		}
		if avg, ok := o.AverageRating(); !ok || avg != 11.0/3 {
			t.Fatalf("average %v %v", avg, ok)
		}
		if len(sum.Entities) != 2 || sum.Entities[0].Entity != "EDU-RIY" || sum.Entities[0].Calls != 1 ||
			sum.Entities[1].Entity != "UNI-KSU" || sum.Entities[1].Calls != 3 || sum.Entities[1].RatingSum != 9 {
			t.Fatalf("by entity: %+v", sum.Entities)
		}
		plain, err := s.SummarizeSurveyCalls(ctx, "2026-03-01", "2026-03-31", false)
		if err != nil || plain.Overall.Calls != 5 || plain.Entities != nil {
			t.Fatalf("whole month: %+v, %v", plain, err)
		}
		none, err := s.SummarizeSurveyCalls(ctx, "2025-01-01", "2025-01-31", false)
		if _, ok := none.Overall.AverageRating(); err != nil || none.Overall.Calls != 0 || ok {
			t.Fatalf("empty range: %+v, %v", none, err)
		}
	})
}
