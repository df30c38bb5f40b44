package web

import (
	"strings"
	"time"

	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// explanation writes a deadline's arithmetic (tickets.ExplainDeadline) in
// the reader's words.
func explanation(l i18n.Lang, e tickets.Explanation) *views.Explain {
	b := e.Basis
	x := &views.Explain{
		Policy:    l.Format("explain.version", l.Num(e.Policy.Version)),
		Allowance: b.Allowance.String(),
		Clock:     l.T("clock." + string(b.Clock)),
		Calendar:  calendarWords(l, e.Policy.Calendar),
		Start:     b.Start, Due: b.Due,
		Differs: !e.Agrees, Recorded: e.Recorded,
	}
	switch b.Counting {
	case sla.CountingRung:
		role := ""
		if b.Level-1 < len(b.Ladder) {
			role = l.T("role." + string(b.Ladder[b.Level-1].Role))
		}
		x.Counting = l.Format("counting.rung", role)
	default:
		x.Counting = l.T("counting." + b.Counting)
	}
	if b.Paused > 0 {
		x.Paused = l.Span(b.Paused)
	}
	for _, h := range e.Holidays {
		when := h.From
		if h.To != h.From {
			when += " – " + h.To
		}
		if from, err := time.ParseInLocation(time.DateOnly, h.From, i18n.Riyadh); err == nil {
			if hj := l.Hijri(from); hj != "" {
				when += " (" + hj + ")"
			}
		}
		name := h.Name
		if name == "" {
			name = l.T("explain.holiday")
		}
		x.Holidays = append(x.Holidays, views.Fact{Label: name, Value: when})
	}
	return x
}

// calendarWords is a working week in words: its days and hours.
func calendarWords(l i18n.Lang, c sla.Calendar) string {
	days := make([]string, 0, len(c.WorkDays))
	for _, d := range c.WorkDays {
		days = append(days, l.T("weekday."+strings.ToLower(d.String())))
	}
	return strings.Join(days, l.T("list.sep")) + " " + c.OpensAt + "–" + c.ClosesAt + " (" + c.TimeZone + ")"
}
