package sla

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	// Workers must not depend on the host having /usr/share/zoneinfo: a worker
	// image without it would fail every deadline computation.
	_ "time/tzdata"
)

var (
	// ErrNoWorkingTime means the calendar offers no working time for too long
	// (e.g. a holiday range covering years): the deadline cannot be found.
	ErrNoWorkingTime = errors.New("sla: calendar has no working time within the search horizon")
	// ErrUnknownClock is returned for a Clock other than the declared ones.
	ErrUnknownClock = errors.New("sla: unknown clock")
)

const (
	// noWorkGiveUp is how many consecutive days without any working time Due
	// tolerates before deciding the calendar never opens again.
	noWorkGiveUp = 2 * 366
	// maxSearchDays bounds Due's walk even when working time keeps coming in
	// crumbs (a one-minute working day and a huge allowance).
	maxSearchDays = 100 * 366
)

// RiyadhCalendar is the ministry's standard week: Sunday to Thursday,
// 08:00–15:00 Asia/Riyadh, with no holidays (they vary per year and are
// configured in the policy).
func RiyadhCalendar() Calendar {
	return Calendar{
		TimeZone: "Asia/Riyadh",
		WorkDays: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday},
		OpensAt:  "08:00",
		ClosesAt: "15:00",
		Holidays: []Holiday{},
	}
}

// zones caches loaded locations: LoadLocation may read files on every call,
// and Due runs often inside workflows. The result for a name never changes
// within a process, so caching keeps Due deterministic.
var zones sync.Map // string -> *time.Location

func loadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// Zone is a location by name, loaded once; an unknown name (a validated
// policy has none) is UTC.
func Zone(name string) *time.Location {
	loc, err := loadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// parseHHMM reads a strict "HH:MM" (00:00–23:59) as minutes after midnight.
func parseHHMM(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// parseDate reads "YYYY-MM-DD" as UTC midnight, the representation of a local
// calendar date used throughout this file.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Validate reports every problem with the calendar; nil means valid. Field
// names are JSON paths rooted at "calendar", as in a Policy.
func (c Calendar) Validate() []FieldError {
	var errs []FieldError
	add := func(field, code, msg string) {
		errs = append(errs, FieldError{Field: "calendar." + field, Code: code, Message: msg})
	}

	switch {
	case c.TimeZone == "":
		add("time_zone", CodeRequired, "time zone is required (e.g. Asia/Riyadh)")
	default:
		if _, err := loadZone(c.TimeZone); err != nil {
			add("time_zone", CodeInvalidTimeZone, fmt.Sprintf("unknown time zone %q", c.TimeZone))
		}
	}

	if len(c.WorkDays) == 0 {
		add("work_days", CodeRequired, "at least one work day is required")
	}
	var seen [7]bool
	// Field names are formatted only on error: Due validates on every call.
	for i, d := range c.WorkDays {
		switch {
		case d < time.Sunday || d > time.Saturday:
			add(fmt.Sprintf("work_days[%d]", i), CodeInvalidWeekday, "weekday must be 0 (Sunday) to 6 (Saturday)")
		case seen[d]:
			add(fmt.Sprintf("work_days[%d]", i), CodeDuplicateWeekday, fmt.Sprintf("%s is listed more than once", d))
		default:
			seen[d] = true
		}
	}

	opens, okOpen := parseHHMM(c.OpensAt)
	closes, okClose := parseHHMM(c.ClosesAt)
	for _, t := range []struct {
		field, value string
		ok           bool
	}{{"opens_at", c.OpensAt, okOpen}, {"closes_at", c.ClosesAt, okClose}} {
		switch {
		case t.value == "":
			add(t.field, CodeRequired, "time of day is required (HH:MM)")
		case !t.ok:
			add(t.field, CodeInvalidTime, fmt.Sprintf("%q is not a time of day HH:MM (00:00–23:59)", t.value))
		}
	}
	if okOpen && okClose && opens >= closes {
		add("closes_at", CodeMustBeAfterOpening, "closing time must be after opening time")
	}

	for i, h := range c.Holidays {
		from, okFrom := parseDate(h.From)
		to, okTo := parseDate(h.To)
		if okFrom && okTo && !to.Before(from) {
			continue
		}
		f := fmt.Sprintf("holidays[%d]", i)
		for _, d := range []struct {
			field, value string
			ok           bool
		}{{f + ".from", h.From, okFrom}, {f + ".to", h.To, okTo}} {
			switch {
			case d.value == "":
				add(d.field, CodeRequired, "date is required (YYYY-MM-DD)")
			case !d.ok:
				add(d.field, CodeInvalidDate, fmt.Sprintf("%q is not a date YYYY-MM-DD", d.value))
			}
		}
		if okFrom && okTo {
			add(f+".to", CodeMustNotBeBeforeFrom, "last day of the holiday is before its first day")
		}
	}
	return errs
}

// workCalendar is a Calendar parsed once per call, so the day loop does no
// string work.
type workCalendar struct {
	loc           *time.Location
	work          [7]bool
	opens, closes int // minutes after local midnight
	dayLen        time.Duration
	holidays      []dateRange
}

type dateRange struct{ from, to time.Time } // inclusive, UTC midnights

func (c Calendar) compile() (*workCalendar, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("sla: invalid calendar: %w", ValidationErrors(errs))
	}
	loc, _ := loadZone(c.TimeZone)
	w := &workCalendar{loc: loc}
	for _, d := range c.WorkDays {
		w.work[d] = true
	}
	w.opens, _ = parseHHMM(c.OpensAt)
	w.closes, _ = parseHHMM(c.ClosesAt)
	w.dayLen = time.Duration(w.closes-w.opens) * time.Minute
	for _, h := range c.Holidays {
		from, _ := parseDate(h.From)
		to, _ := parseDate(h.To)
		w.holidays = append(w.holidays, dateRange{from, to})
	}
	return w, nil
}

// localDay returns the local calendar date of t as UTC midnight. Stepping
// dates in UTC avoids DST surprises; the zone matters only when a date is
// turned back into instants (window).
func (w *workCalendar) localDay(t time.Time) time.Time {
	y, m, d := t.In(w.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// window returns the working interval of a local date, if it has one.
func (w *workCalendar) window(day time.Time) (open, close time.Time, ok bool) {
	if !w.work[day.Weekday()] {
		return time.Time{}, time.Time{}, false
	}
	for _, h := range w.holidays {
		if !day.Before(h.from) && !day.After(h.to) {
			return time.Time{}, time.Time{}, false
		}
	}
	y, m, d := day.Date()
	open = time.Date(y, m, d, w.opens/60, w.opens%60, 0, 0, w.loc)
	close = time.Date(y, m, d, w.closes/60, w.closes%60, 0, 0, w.loc)
	// A DST jump can shrink a window to nothing; treat it as closed.
	return open, close, close.After(open)
}

// WorkingLength is how much counted time the allowance grants on the clock:
// on the business clock a day is one full working day (ClosesAt − OpensAt), on
// 24x7 it is 24 hours.
func (c Calendar) WorkingLength(a Allowance, clock Clock) (time.Duration, error) {
	if !a.valid() {
		return 0, fmt.Errorf("%w: %s", ErrInvalidAllowance, a)
	}
	switch clock {
	case ClockAroundTheClock:
		return time.Duration(a.Days)*24*time.Hour + a.Duration, nil
	case ClockBusiness:
		w, err := c.compile()
		if err != nil {
			return 0, err
		}
		return time.Duration(a.Days)*w.dayLen + a.Duration, nil
	default:
		return 0, fmt.Errorf("%w %q", ErrUnknownClock, clock)
	}
}

// Due returns, in UTC, the instant at which allowance a has elapsed after start
// on the given clock.
//
// On the business clock it is the earliest instant by which a's working length
// of working time (work days, between opening and closing, outside holidays,
// in the calendar's zone) has passed since start: a start outside working
// hours effectively rolls to the next opening, and a deadline that uses up a
// day exactly ends at that day's closing time, not the next morning. A zero
// allowance is due at start itself.
//
// The 24x7 clock ignores the calendar: start + days×24h + duration.
func (c Calendar) Due(start time.Time, a Allowance, clock Clock) (time.Time, error) {
	if !a.valid() {
		return time.Time{}, fmt.Errorf("%w: %s", ErrInvalidAllowance, a)
	}
	switch clock {
	case ClockAroundTheClock:
		return start.Add(time.Duration(a.Days)*24*time.Hour + a.Duration).UTC(), nil
	case ClockBusiness:
	default:
		return time.Time{}, fmt.Errorf("%w %q", ErrUnknownClock, clock)
	}

	w, err := c.compile()
	if err != nil {
		return time.Time{}, err
	}
	remaining := time.Duration(a.Days)*w.dayLen + a.Duration
	if remaining == 0 {
		return start.UTC(), nil
	}
	// One step per calendar day: non-working days cost a weekday and holiday
	// check each, working days a subtraction, whatever the allowance.
	day := w.localDay(start)
	for idle, n := 0, 0; idle < noWorkGiveUp; day, n = day.AddDate(0, 0, 1), n+1 {
		if n >= maxSearchDays {
			return time.Time{}, fmt.Errorf("%w: allowance %s does not fit in %d days", ErrNoWorkingTime, a, maxSearchDays)
		}
		open, close, ok := w.window(day)
		if !ok || !close.After(start) {
			idle++
			continue
		}
		idle = 0
		from := open
		if start.After(from) {
			from = start
		}
		avail := close.Sub(from)
		if remaining <= avail {
			return from.Add(remaining).UTC(), nil
		}
		remaining -= avail
	}
	return time.Time{}, fmt.Errorf("%w: no working day in the %d days after %s",
		ErrNoWorkingTime, noWorkGiveUp, day.AddDate(0, 0, -noWorkGiveUp).Format(time.DateOnly))
}

// Elapsed is the time between from and to as clock counts it: working time on
// the business clock, wall time on 24x7. It is what a paused SLA has left.
func (c Calendar) Elapsed(from, to time.Time, clock Clock) time.Duration {
	if clock == ClockAroundTheClock {
		return to.Sub(from)
	}
	return c.WorkingTime(from, to)
}

// WorkingTime is the working time of the calendar between two instants:
// negative when to is before from, zero for an invalid calendar (check
// Validate first). It is the inverse of Due on the business clock:
// WorkingTime(start, Due(start, a)) equals a's working length. Its cost is one
// step per calendar day in the range.
func (c Calendar) WorkingTime(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.WorkingTime(to, from)
	}
	w, err := c.compile()
	if err != nil {
		return 0
	}
	var total time.Duration
	last := w.localDay(to)
	for day := w.localDay(from); !day.After(last); day = day.AddDate(0, 0, 1) {
		open, close, ok := w.window(day)
		if !ok {
			continue
		}
		if from.After(open) {
			open = from
		}
		if to.Before(close) {
			close = to
		}
		if close.After(open) {
			total += close.Sub(open)
		}
	}
	return total
}
