package sla

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var riyadhZone = mustZone("Asia/Riyadh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at builds a Riyadh wall-clock instant. June 2025: Sunday 1st, Thursday 5th,
// Friday 6th, Saturday 7th, Sunday 8th.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2025, month, day, hour, min, 0, 0, riyadhZone)
}

// eidCalendar is Riyadh with an Eid al-Adha holiday from Thursday 5 June to
// Thursday 12 June 2025 inclusive, plus an overlapping one-day entry.
func eidCalendar() Calendar {
	c := RiyadhCalendar()
	c.Holidays = []Holiday{
		{From: "2025-06-05", To: "2025-06-12", Name: "Eid al-Adha"},
		{From: "2025-06-10", To: "2025-06-10", Name: "overlap"},
		{From: "2025-09-23", To: "2025-09-23", Name: "National Day"},
	}
	return c
}

func TestDue(t *testing.T) {
	riyadh := RiyadhCalendar()
	eid := eidCalendar()
	tests := []struct {
		name  string
		cal   Calendar
		start time.Time
		a     string
		clock Clock
		want  time.Time
	}{
		{"working hours, one day", riyadh, at(6, 1, 10, 0), "1d", ClockBusiness, at(6, 2, 10, 0)},
		{"after hours, one day ends at closing", riyadh, at(6, 1, 17, 0), "1d", ClockBusiness, at(6, 2, 15, 0)},
		{"Thursday afternoon rolls to Sunday", riyadh, at(6, 5, 14, 0), "2h", ClockBusiness, at(6, 8, 9, 0)},
		{"minutes across the weekend", riyadh, at(6, 5, 14, 0), "90m", ClockBusiness, at(6, 8, 8, 30)},
		{"seconds across the night", riyadh, time.Date(2025, 6, 1, 14, 59, 45, 0, riyadhZone), "30s", ClockBusiness, time.Date(2025, 6, 2, 8, 0, 15, 0, riyadhZone)},
		{"before opening rolls to opening", riyadh, at(6, 1, 7, 0), "1h", ClockBusiness, at(6, 1, 9, 0)},
		{"midnight rolls to opening", riyadh, at(6, 1, 0, 0), "3h", ClockBusiness, at(6, 1, 11, 0)},
		{"exactly at opening, one day ends same closing", riyadh, at(6, 1, 8, 0), "1d", ClockBusiness, at(6, 1, 15, 0)},
		{"exactly at closing", riyadh, at(6, 1, 15, 0), "1h", ClockBusiness, at(6, 2, 9, 0)},
		{"exactly at closing, one day", riyadh, at(6, 1, 15, 0), "1d", ClockBusiness, at(6, 2, 15, 0)},
		{"landing exactly at closing stays there", riyadh, at(6, 1, 10, 0), "5h", ClockBusiness, at(6, 1, 15, 0)},
		{"days and hours", riyadh, at(6, 1, 10, 0), "1d4h", ClockBusiness, at(6, 2, 14, 0)},
		{"hours spanning two days", riyadh, at(6, 1, 10, 0), "12h", ClockBusiness, at(6, 2, 15, 0)},
		{"Friday filing", riyadh, at(6, 6, 11, 0), "4h", ClockBusiness, at(6, 8, 12, 0)},
		{"Saturday night filing, one day", riyadh, at(6, 7, 23, 0), "1d", ClockBusiness, at(6, 8, 15, 0)},
		{"Thursday after hours, two days", riyadh, at(6, 5, 16, 0), "2d", ClockBusiness, at(6, 9, 15, 0)},
		{"start given in UTC", riyadh, time.Date(2025, 6, 1, 5, 0, 0, 0, time.UTC), "1h", ClockBusiness, at(6, 1, 9, 0)},
		{"two weeks", riyadh, at(6, 1, 10, 0), "10d", ClockBusiness, at(6, 15, 10, 0)},
		{"six weeks", riyadh, at(6, 1, 10, 0), "30d", ClockBusiness, at(7, 13, 10, 0)},
		{"before Eid, hours", eid, at(6, 4, 14, 0), "2h", ClockBusiness, at(6, 15, 9, 0)},
		{"before Eid, days", eid, at(6, 4, 10, 0), "2d", ClockBusiness, at(6, 16, 10, 0)},
		{"filed during Eid", eid, at(6, 9, 10, 0), "1d", ClockBusiness, at(6, 15, 15, 0)},
		{"filed on Eid's last day after hours", eid, at(6, 12, 20, 0), "1h", ClockBusiness, at(6, 15, 9, 0)},
		{"multi-week across Eid", eid, at(6, 1, 10, 0), "10d", ClockBusiness, at(6, 23, 10, 0)},
		{"single-day holiday", eid, at(9, 22, 14, 0), "2h", ClockBusiness, at(9, 24, 9, 0)},
		{"24x7 hours", riyadh, at(6, 5, 14, 0), "4h", ClockAroundTheClock, at(6, 5, 18, 0)},
		{"24x7 through the weekend night", riyadh, at(6, 6, 23, 0), "2h", ClockAroundTheClock, at(6, 7, 1, 0)},
		{"24x7 day is 24 hours", riyadh, at(6, 5, 14, 0), "1d", ClockAroundTheClock, at(6, 6, 14, 0)},
		{"24x7 ignores holidays", eid, at(6, 4, 14, 0), "5d", ClockAroundTheClock, at(6, 9, 14, 0)},
		{"zero allowance is due at start", riyadh, at(6, 6, 11, 0), "0s", ClockBusiness, at(6, 6, 11, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := MustParseAllowance(tt.a)
			got, err := tt.cal.Due(tt.start, a, tt.clock)
			if err != nil {
				t.Fatalf("Due: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("Due(%s, %s, %s) = %s, want %s", tt.start.In(riyadhZone), tt.a, tt.clock,
					got.In(riyadhZone), tt.want)
			}
			if got.Location() != time.UTC {
				t.Fatalf("Due returned location %v, want UTC", got.Location())
			}
			if tt.clock == ClockBusiness {
				length, err := tt.cal.WorkingLength(a, tt.clock)
				if err != nil {
					t.Fatal(err)
				}
				if wt := tt.cal.WorkingTime(tt.start, got); wt != length {
					t.Fatalf("WorkingTime(start, due) = %s, want %s", wt, length)
				}
			}
		})
	}
}

func TestDueErrors(t *testing.T) {
	start := at(6, 1, 10, 0)
	closedForever := RiyadhCalendar()
	closedForever.Holidays = []Holiday{{From: "2025-01-01", To: "2030-12-31"}}
	badZone := RiyadhCalendar()
	badZone.TimeZone = "Mars/Olympus"
	noDays := RiyadhCalendar()
	noDays.WorkDays = nil

	tests := []struct {
		name  string
		cal   Calendar
		a     Allowance
		clock Clock
		want  error
	}{
		{"no working time for years", closedForever, Allowance{Days: 1}, ClockBusiness, ErrNoWorkingTime},
		{"unknown clock", RiyadhCalendar(), Allowance{Days: 1}, "lunar", ErrUnknownClock},
		{"empty clock", RiyadhCalendar(), Allowance{Days: 1}, "", ErrUnknownClock},
		{"negative allowance", RiyadhCalendar(), Allowance{Days: -1}, ClockBusiness, ErrInvalidAllowance},
		{"negative allowance 24x7", RiyadhCalendar(), Allowance{Duration: -time.Hour}, ClockAroundTheClock, ErrInvalidAllowance},
		{"absurd allowance", RiyadhCalendar(), Allowance{Days: 1 << 40}, ClockAroundTheClock, ErrInvalidAllowance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.Due(start, tt.a, tt.clock)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Due = %s, %v; want error %v", got, err, tt.want)
			}
		})
	}

	for name, cal := range map[string]Calendar{"bad zone": badZone, "no work days": noDays} {
		_, err := cal.Due(start, Allowance{Days: 1}, ClockBusiness)
		var verrs ValidationErrors
		if !errors.As(err, &verrs) || len(verrs) == 0 {
			t.Errorf("%s: Due error %v, want ValidationErrors", name, err)
		}
	}
}

func TestWorkingTime(t *testing.T) {
	riyadh := RiyadhCalendar()
	eid := eidCalendar()
	tests := []struct {
		name     string
		cal      Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"same day", riyadh, at(6, 1, 9, 0), at(6, 1, 11, 30), 150 * time.Minute},
		{"overnight", riyadh, at(6, 1, 10, 0), at(6, 2, 10, 0), 7 * time.Hour},
		{"whole week", riyadh, at(5, 31, 0, 0), at(6, 7, 0, 0), 35 * time.Hour},
		{"weekend only", riyadh, at(6, 5, 15, 0), at(6, 8, 8, 0), 0},
		{"empty range", riyadh, at(6, 1, 10, 0), at(6, 1, 10, 0), 0},
		{"reversed is negative", riyadh, at(6, 2, 10, 0), at(6, 1, 10, 0), -7 * time.Hour},
		{"Eid week has no working time", eid, at(6, 5, 0, 0), at(6, 13, 0, 0), 0},
		{"two weeks around Eid", eid, at(6, 1, 0, 0), at(6, 15, 0, 0), 4 * 7 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.WorkingTime(tt.from, tt.to); got != tt.want {
				t.Fatalf("WorkingTime = %s, want %s", got, tt.want)
			}
		})
	}
	invalid := RiyadhCalendar()
	invalid.OpensAt = "late"
	if got := invalid.WorkingTime(at(6, 1, 0, 0), at(6, 8, 0, 0)); got != 0 {
		t.Fatalf("invalid calendar WorkingTime = %s, want 0", got)
	}
}

func TestWorkingLength(t *testing.T) {
	c := RiyadhCalendar()
	a := Allowance{Days: 2, Duration: 3 * time.Hour}
	if got, err := c.WorkingLength(a, ClockBusiness); err != nil || got != 17*time.Hour {
		t.Fatalf("business = %s, %v; want 17h", got, err)
	}
	if got, err := c.WorkingLength(a, ClockAroundTheClock); err != nil || got != 51*time.Hour {
		t.Fatalf("24x7 = %s, %v; want 51h", got, err)
	}
	if _, err := c.WorkingLength(a, "weekly"); !errors.Is(err, ErrUnknownClock) {
		t.Fatalf("unknown clock error = %v", err)
	}
}

// testCalendars exercise the invariants beyond Riyadh: holidays, a zone with
// DST, a short day and a six-day week.
func testCalendars() []Calendar {
	berlin := Calendar{
		TimeZone: "Europe/Berlin",
		WorkDays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		OpensAt:  "09:00", ClosesAt: "17:30",
		Holidays: []Holiday{{From: "2025-12-24", To: "2026-01-01"}},
	}
	short := Calendar{
		TimeZone: "UTC", WorkDays: []time.Weekday{time.Saturday, time.Wednesday},
		OpensAt: "23:00", ClosesAt: "23:59",
	}
	sixDays := Calendar{
		TimeZone: "America/New_York",
		WorkDays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		OpensAt:  "00:00", ClosesAt: "23:59",
	}
	return []Calendar{RiyadhCalendar(), eidCalendar(), berlin, short, sixDays}
}

// checkDue asserts the properties that define Due on the business clock.
func checkDue(t *testing.T, c Calendar, start time.Time, a, bigger Allowance) {
	t.Helper()
	due, err := c.Due(start, a, ClockBusiness)
	if err != nil {
		t.Fatalf("%s: Due(%s, %s): %v", c.TimeZone, start, a, err)
	}
	length, err := c.WorkingLength(a, ClockBusiness)
	if err != nil {
		t.Fatal(err)
	}
	if due.Before(start) {
		t.Fatalf("%s: Due(%s, %s) = %s is before start", c.TimeZone, start, a, due)
	}
	if wt := c.WorkingTime(start, due); wt != length {
		t.Fatalf("%s: WorkingTime(%s, Due=%s) = %s, want %s (allowance %s)", c.TimeZone, start, due, wt, length, a)
	}
	// Earliest such instant: one second sooner the allowance is not yet used up.
	if length > 0 {
		if wt := c.WorkingTime(start, due.Add(-time.Second)); wt >= length {
			t.Fatalf("%s: Due(%s, %s) = %s is not the earliest instant", c.TimeZone, start, a, due)
		}
	}
	later, err := c.Due(start, bigger, ClockBusiness)
	if err != nil {
		t.Fatal(err)
	}
	if later.Before(due) {
		t.Fatalf("%s: not monotonic from %s: Due(%s) = %s after Due(%s) = %s", c.TimeZone, start, a, due, bigger, later)
	}
}

func TestDueRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(2025, 6))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range testCalendars() {
		for range 400 {
			start := base.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour))) + time.Duration(rng.IntN(1000)))
			a := Allowance{Days: rng.IntN(40), Duration: time.Duration(rng.IntN(20*3600)) * time.Second}
			bigger := Allowance{Days: a.Days + rng.IntN(2), Duration: a.Duration + time.Duration(rng.IntN(4*3600))*time.Second}
			checkDue(t, c, start, a, bigger)
		}
	}
}

func FuzzDue(f *testing.F) {
	f.Add(int64(0), uint8(0), uint32(1), uint32(60), uint8(0))
	f.Add(int64(1748761200), uint8(1), uint32(0), uint32(3600), uint8(1)) // Sunday 2025-06-01 10:00 Riyadh
	f.Add(int64(1749132000), uint8(0), uint32(7200), uint32(1), uint8(2))
	f.Add(int64(-1), uint8(255), uint32(1<<31), uint32(0), uint8(3))
	cals := testCalendars()
	f.Fuzz(func(t *testing.T, startSec int64, days uint8, secs, extra uint32, cal uint8) {
		// Keep starts in 2000–2100 and allowances modest so each run is quick.
		const span = 100 * 365 * 24 * 3600
		start := time.Unix(946684800+(startSec%span+span)%span, 0)
		a := Allowance{Days: int(days % 60), Duration: time.Duration(secs%(200*3600)) * time.Second}
		bigger := Allowance{Days: a.Days, Duration: a.Duration + time.Duration(extra%(50*3600))*time.Second}
		checkDue(t, cals[int(cal)%len(cals)], start, a, bigger)
	})
}

func TestCalendarValidate(t *testing.T) {
	type want struct{ field, code string }
	tests := []struct {
		name   string
		mutate func(*Calendar)
		want   []want
	}{
		{"valid", func(*Calendar) {}, nil},
		{"zone required", func(c *Calendar) { c.TimeZone = "" }, []want{{"calendar.time_zone", "required"}}},
		{"zone unknown", func(c *Calendar) { c.TimeZone = "Mars/Olympus" }, []want{{"calendar.time_zone", "invalid_time_zone"}}},
		{"work days required", func(c *Calendar) { c.WorkDays = nil }, []want{{"calendar.work_days", "required"}}},
		{"weekday out of range", func(c *Calendar) { c.WorkDays = append(c.WorkDays, 7) }, []want{{"calendar.work_days[5]", "invalid_weekday"}}},
		{"negative weekday", func(c *Calendar) { c.WorkDays[0] = -1 }, []want{{"calendar.work_days[0]", "invalid_weekday"}}},
		{"duplicate weekday", func(c *Calendar) { c.WorkDays = append(c.WorkDays, time.Monday) }, []want{{"calendar.work_days[5]", "duplicate_weekday"}}},
		{"opens required", func(c *Calendar) { c.OpensAt = "" }, []want{{"calendar.opens_at", "required"}}},
		{"opens without leading zero", func(c *Calendar) { c.OpensAt = "8:00" }, []want{{"calendar.opens_at", "invalid_time"}}},
		{"closes at 24:00", func(c *Calendar) { c.ClosesAt = "24:00" }, []want{{"calendar.closes_at", "invalid_time"}}},
		{"minutes out of range", func(c *Calendar) { c.ClosesAt = "15:60" }, []want{{"calendar.closes_at", "invalid_time"}}},
		{"opens equals closes", func(c *Calendar) { c.ClosesAt = "08:00" }, []want{{"calendar.closes_at", "must_be_after_opening"}}},
		{"opens after closes", func(c *Calendar) { c.OpensAt, c.ClosesAt = "16:00", "08:00" }, []want{{"calendar.closes_at", "must_be_after_opening"}}},
		{"holiday bad to", func(c *Calendar) {
			c.Holidays = append(eidCalendar().Holidays[:2], Holiday{From: "2025-12-01", To: "2025-13-01"})
		}, []want{{"calendar.holidays[2].to", "invalid_date"}}},
		{"holiday reversed", func(c *Calendar) {
			c.Holidays = []Holiday{{From: "2025-06-12", To: "2025-06-05"}}
		}, []want{{"calendar.holidays[0].to", "must_not_be_before_from"}}},
		{"holiday from required", func(c *Calendar) {
			c.Holidays = []Holiday{{To: "2025-06-05"}}
		}, []want{{"calendar.holidays[0].from", "required"}}},
		{"holiday both bad", func(c *Calendar) {
			c.Holidays = []Holiday{{From: "05/06/2025", To: ""}}
		}, []want{{"calendar.holidays[0].from", "invalid_date"}, {"calendar.holidays[0].to", "required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := RiyadhCalendar()
			tt.mutate(&c)
			var got []want
			for _, e := range c.Validate() {
				if e.Message == "" {
					t.Errorf("%s/%s has no message", e.Field, e.Code)
				}
				got = append(got, want{e.Field, e.Code})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Validate() = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkDueMultiWeek(b *testing.B) {
	c := eidCalendar()
	a := Allowance{Days: 60, Duration: 3 * time.Hour}
	start := at(6, 1, 10, 0)
	for b.Loop() {
		if _, err := c.Due(start, a, ClockBusiness); err != nil {
			b.Fatal(err)
		}
	}
}
