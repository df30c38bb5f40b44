package i18n

import (
	"time"

	"github.com/tawasul/tawasul/sla"
)

// Riyadh is where the ministry works: every date and time a page shows is
// Riyadh's, whatever the server's or the browser's zone.
var Riyadh = mustZone("Asia/Riyadh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Saudi Arabia has kept UTC+3 without daylight saving since 1950;
		// a host without the zone database still shows the right hour.
		return time.FixedZone(name, 3*60*60)
	}
	return loc
}

// Date is the Gregorian date of t in Riyadh, written the same in both
// languages as year-month-day with Western digits ("2026-12-07"): the one
// form no reader of either language misreads, and it sits in an LTR isolate
// on the page, so an Arabic sentence around it keeps its order.
func (l Lang) Date(t time.Time) string { return t.In(Riyadh).Format(time.DateOnly) }

// DateTime is the date and the hour of t in Riyadh, 24-hour clock.
func (l Lang) DateTime(t time.Time) string { return t.In(Riyadh).Format("2006-01-02 15:04") }

// Hijri is the Umm al-Qura date of t's day in Riyadh ("" outside the tables).
func (l Lang) Hijri(t time.Time) string {
	return l.HijriOf(t.In(Riyadh).Format(time.DateOnly))
}

// HijriOf is the Umm al-Qura date of a Gregorian date written YYYY-MM-DD (a
// holiday's day), "" outside the tables or for what is not a date.
func (l Lang) HijriOf(date string) string {
	h, err := sla.UmmAlQura(date)
	if err != nil {
		return ""
	}
	if l == EN {
		return h.English()
	}
	return h.Arabic()
}

// ISO is t as an RFC 3339 instant, for <time datetime>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Span is a length of time in the largest whole units that say it well:
// "3 ساعات", "45 minutes", "2 days" (working or calendar, as the caller's
// words say around it). Under a minute is "less than a minute".
func (l Lang) Span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return l.T("span.under_minute")
	case d < time.Hour:
		return l.Count(int(d/time.Minute), "n.minutes")
	case d < 48*time.Hour:
		return l.Count(int(d/time.Hour), "n.hours")
	}
	return l.Count(int(d/(24*time.Hour)), "n.days")
}
