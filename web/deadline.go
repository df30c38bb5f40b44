package web

import (
	"context"
	"sync"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// calendars keeps each policy version's working calendar: a version never
// changes once saved, so a list of fifty tickets loads each version once.
type calendars struct {
	mu   sync.Mutex
	byV  map[int]knownCalendar
	load func(ctx context.Context, version int) (sla.Policy, error)
}

// knownCalendar is a version's calendar, or that the version has none to
// read (gone, or unreadable): remembered too, so a list of tickets under a
// missing version asks once, not once a row.
type knownCalendar struct {
	cal   sla.Calendar
	known bool
}

func (cs *calendars) of(ctx context.Context, version int) (sla.Calendar, bool) {
	cs.mu.Lock()
	k, ok := cs.byV[version]
	cs.mu.Unlock()
	if ok {
		return k.cal, k.known
	}
	p, err := cs.load(ctx, version)
	if ctx.Err() != nil {
		return sla.Calendar{}, false // the reader left; ask again next time
	}
	k = knownCalendar{cal: p.Calendar, known: err == nil}
	cs.mu.Lock()
	if cs.byV == nil {
		cs.byV = map[int]knownCalendar{}
	}
	cs.byV[version] = k
	cs.mu.Unlock()
	return k.cal, k.known
}

// soon is how much working time left makes a deadline urgent.
const soon = 2 * time.Hour

// badge says where a ticket stands against its deadline, in working time on
// the calendar of the policy it runs under (the workflow's own arithmetic,
// package sla): "due in 3 hours", "overdue by 1 working day", "paused"
// while the beneficiary is asked, or the status itself once nothing runs.
func badge(l i18n.Lang, t store.Ticket, cal sla.Calendar, known bool, now time.Time) views.Badge {
	switch {
	case t.Status == domain.StatusAwaitingInfo:
		return views.Badge{Class: "paused", Text: l.T("badge.paused")}
	case !t.Status.Pending():
		return views.Badge{Class: "done", Text: l.T("status." + string(t.Status))}
	}
	if !known {
		cal = sla.RiyadhCalendar()
	}
	if t.SLADueAt.Before(now) {
		return views.Badge{Class: "overdue", Text: l.Format("badge.overdue", workingSpan(l, cal, cal.WorkingTime(t.SLADueAt, now)))}
	}
	left := cal.WorkingTime(now, t.SLADueAt)
	class := "due"
	if left <= soon {
		class = "soon"
	}
	return views.Badge{Class: class, Text: l.Format("badge.due", workingSpan(l, cal, left))}
}

// workingSpan writes working time: hours and minutes within a working day,
// whole working days (of the calendar's length) beyond one.
func workingSpan(l i18n.Lang, cal sla.Calendar, d time.Duration) string {
	day := workingDayLength(cal)
	if day > 0 && d >= day {
		return l.Count(int(d/day), "n.working_days")
	}
	return l.Span(d)
}

// workingDayLength is the length of one working day of cal (0 if unreadable).
func workingDayLength(cal sla.Calendar) time.Duration {
	open, err1 := time.Parse("15:04", cal.OpensAt)
	shut, err2 := time.Parse("15:04", cal.ClosesAt)
	if err1 != nil || err2 != nil || !shut.After(open) {
		return 0
	}
	return shut.Sub(open)
}
