package sla

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The randomized tests start at random nanoseconds, which almost never fall
// exactly on an opening, a closing, a midnight or the first or last day of a
// holiday: the instants where an off-by-one in Due or WorkingTime lives.
// These tests start there.

// edgeDays are the local dates the edge tests start on: random ones over two
// years, and around every holiday (the day before it, its first and last
// days, the day after).
func edgeDays(rng *rand.Rand, c Calendar, n int) []time.Time {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var days []time.Time
	for range n {
		days = append(days, base.AddDate(0, 0, rng.IntN(2*365)))
	}
	for _, h := range c.Holidays {
		from, err1 := time.Parse(time.DateOnly, h.From)
		to, err2 := time.Parse(time.DateOnly, h.To)
		if err1 != nil || err2 != nil {
			panic("bad holiday in a test calendar")
		}
		days = append(days, from.AddDate(0, 0, -1), from, to, to.AddDate(0, 0, 1))
	}
	return days
}

// wall is the instant of date's hh:mm in the calendar's zone.
func wall(c Calendar, date time.Time, hhmm string) time.Time {
	hm, err := time.Parse("15:04", hhmm)
	if err != nil {
		panic(err)
	}
	y, m, d := date.Date()
	return time.Date(y, m, d, hm.Hour(), hm.Minute(), 0, 0, mustZone(c.TimeZone))
}

// edgeInstants are the instants at the edges of date: its midnight and the
// nanosecond before it, and its opening and closing and a nanosecond either
// side of each.
func edgeInstants(c Calendar, date time.Time) []time.Time {
	midnight := wall(c, date, "00:00")
	open, close := wall(c, date, c.OpensAt), wall(c, date, c.ClosesAt)
	return []time.Time{
		midnight, midnight.Add(-time.Nanosecond),
		open.Add(-time.Nanosecond), open, open.Add(time.Nanosecond),
		close.Add(-time.Nanosecond), close, close.Add(time.Nanosecond),
	}
}

// works says whether a local date is a working day, from the calendar's
// fields alone (ISO dates compare as strings), not from the package's walk.
func works(c Calendar, date time.Time) bool {
	if !slices.Contains(c.WorkDays, date.Weekday()) {
		return false
	}
	iso := date.Format(time.DateOnly)
	for _, h := range c.Holidays {
		if h.From <= iso && iso <= h.To {
			return false
		}
	}
	return true
}

// oneWorkingDay is where one working day from s ends, reasoned day by day
// for a zone without DST: from an opening (or before it, on a working day)
// to that day's closing; from inside the working hours to the same wall
// clock on the next working day; from a closing or a day off to the next
// working day's closing. Due's "exactly at opening: same closing" and
// "exactly at closing: next closing" are the edges.
func oneWorkingDay(c Calendar, s time.Time) time.Time {
	loc := mustZone(c.TimeZone)
	y, m, d := s.In(loc).Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	next := date.AddDate(0, 0, 1)
	for !works(c, next) {
		next = next.AddDate(0, 0, 1)
	}
	open, close := wall(c, date, c.OpensAt), wall(c, date, c.ClosesAt)
	switch {
	case !works(c, date) || !s.Before(close):
		return wall(c, next, c.ClosesAt)
	case !s.After(open):
		return close
	}
	ny, nm, nd := next.Date()
	l := s.In(loc)
	return time.Date(ny, nm, nd, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
}

// From every edge instant, k working days are due where k single days,
// reasoned without the package, end (the earliest instants compose).
func TestDueFromEdgeInstants(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	// Zones without DST, where a working day's wall clock is the same
	// every day; the short one ends a minute before midnight, and Tokyo's
	// openings fall on the previous day in UTC.
	short := Calendar{TimeZone: "UTC", WorkDays: []time.Weekday{time.Saturday, time.Wednesday}, OpensAt: "23:00", ClosesAt: "23:59",
		Holidays: []Holiday{{From: "2025-03-01", To: "2025-03-05"}}}
	tokyo := Calendar{TimeZone: "Asia/Tokyo", WorkDays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		OpensAt: "08:30", ClosesAt: "17:15", Holidays: []Holiday{{From: "2025-05-03", To: "2025-05-06"}, {From: "2025-12-29", To: "2026-01-03"}}}
	for _, c := range []Calendar{RiyadhCalendar(), eidCalendar(), short, tokyo} {
		for _, date := range edgeDays(rng, c, 60) {
			for _, s := range edgeInstants(c, date) {
				k := 1 + rng.IntN(5)
				want := s
				for range k {
					want = oneWorkingDay(c, want)
				}
				got, err := c.Due(s, Allowance{Days: k}, ClockBusiness)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Equal(want) {
					t.Errorf("%s: Due(%s, %dd) = %s, want %s", c.TimeZone, s.In(mustZone(c.TimeZone)), k,
						got.In(mustZone(c.TimeZone)), want.In(mustZone(c.TimeZone)))
				}
			}
		}
	}
}

// The properties of Due (checkDue) from every edge instant, in every test
// calendar (DST included), with allowances that end exactly at a closing
// (whole days, or the rest of a day) beside random ones.
func TestDueRandomizedAtEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 7))
	for _, c := range testCalendars() {
		dayLen := wall(c, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), c.ClosesAt).Sub(wall(c, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), c.OpensAt))
		for _, date := range edgeDays(rng, c, 40) {
			for _, s := range edgeInstants(c, date) {
				for _, a := range []Allowance{
					{Days: 1}, {Days: 1 + rng.IntN(30)}, {Duration: dayLen}, {Duration: time.Second},
					{Duration: dayLen - time.Second}, {Days: rng.IntN(10), Duration: time.Duration(rng.IntN(20*3600)) * time.Second},
				} {
					checkDue(t, c, s, a, Allowance{Days: a.Days + rng.IntN(2), Duration: a.Duration + time.Duration(rng.IntN(3600))*time.Second})
				}
			}
		}
	}
}
