package api

import (
	"github.com/tawasul/tawasul/sla"
)

// The policy as the API shows and takes it: the stored sla.Policy with, beside
// each holiday's Gregorian dates, their Umm al-Qura dates. The Hijri dates are
// a view computed on every read: never stored, and accepted but ignored on
// input, so that a policy read back can be edited and sent again as it is.

// hijriJSON is one date of the Umm al-Qura calendar.
type hijriJSON struct {
	Date string `json:"date"` // 1447-10-01
	AR   string `json:"ar"`   // 1 شوال 1447
	EN   string `json:"en"`   // 1 Shawwal 1447
}

type holidayJSON struct {
	sla.Holiday
	FromHijri *hijriJSON `json:"from_hijri,omitempty"`
	ToHijri   *hijriJSON `json:"to_hijri,omitempty"`
}

// calendarJSON and policyJSON shadow the embedded Holidays and Calendar
// fields (encoding/json takes the shallower of two fields with one name).
type calendarJSON struct {
	sla.Calendar
	Holidays []holidayJSON `json:"holidays"`
}

type policyJSON struct {
	sla.Policy
	Calendar calendarJSON `json:"calendar"`
}

// hijriOf is nil for a date outside the Umm al-Qura tables (1937–2077): the
// Gregorian date alone is shown.
func hijriOf(date string) *hijriJSON {
	h, err := sla.UmmAlQura(date)
	if err != nil {
		return nil
	}
	return &hijriJSON{Date: h.String(), AR: h.Arabic(), EN: h.English()}
}

func viewHoliday(h sla.Holiday) holidayJSON {
	return holidayJSON{Holiday: h, FromHijri: hijriOf(h.From), ToHijri: hijriOf(h.To)}
}

func viewPolicy(p sla.Policy) policyJSON {
	v := policyJSON{Policy: p, Calendar: calendarJSON{Calendar: p.Calendar}}
	if p.Calendar.Holidays != nil {
		v.Calendar.Holidays = make([]holidayJSON, len(p.Calendar.Holidays))
		for i, h := range p.Calendar.Holidays {
			v.Calendar.Holidays[i] = viewHoliday(h)
		}
	}
	return v
}

// policy is what was sent, without the view's fields.
func (v policyJSON) policy() sla.Policy {
	p := v.Policy
	p.Calendar = v.Calendar.Calendar
	p.Calendar.Holidays = nil
	if v.Calendar.Holidays != nil {
		p.Calendar.Holidays = make([]sla.Holiday, len(v.Calendar.Holidays))
		for i, h := range v.Calendar.Holidays {
			p.Calendar.Holidays[i] = h.Holiday
		}
	}
	return p
}

// viewChanges shows the holidays a diff adds or removes with their Hijri dates.
func viewChanges(cs []sla.Change) []sla.Change {
	out := make([]sla.Change, len(cs))
	for i, c := range cs {
		if h, ok := c.From.(sla.Holiday); ok {
			c.From = viewHoliday(h)
		}
		if h, ok := c.To.(sla.Holiday); ok {
			c.To = viewHoliday(h)
		}
		out[i] = c
	}
	return out
}
