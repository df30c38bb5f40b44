package sla

import (
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

// The deadline math runs on every filing, escalation, objection and policy
// preview (a preview recomputes every open ticket), so its cost per call
// bounds a preview at a million tickets. Starts are a Thursday afternoon
// before the Eid holiday, the walk that crosses the most non-working days.
//
//	go test ./sla/ -run '^$' -bench . -benchmem

func BenchmarkDue(b *testing.B) {
	c := eidCalendar()
	start := at(6, 5, 14, 0)
	for _, bc := range []struct {
		name  string
		a     string
		clock Clock
	}{
		{"business/4h", "4h", ClockBusiness},
		{"business/3d", "3d", ClockBusiness},
		{"business/60d3h", "60d3h", ClockBusiness},
		{"24x7/3d", "3d", ClockAroundTheClock},
	} {
		a := MustParseAllowance(bc.a)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Due(start, a, bc.clock); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWorkingTime(b *testing.B) {
	c := eidCalendar()
	from := at(6, 1, 10, 0)
	for _, bc := range []struct {
		name string
		to   time.Time
	}{
		{"1d", from.Add(24 * time.Hour)},
		{"30d", from.AddDate(0, 0, 30)},
		{"365d", from.AddDate(1, 0, 0)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if c.WorkingTime(from, bc.to) <= 0 {
					b.Fatal("no working time")
				}
			}
		})
	}
}

// BenchmarkRecompute is one open ticket of a policy preview, at each kind of
// stage Recompute distinguishes.
func BenchmarkRecompute(b *testing.B) {
	p := Default()
	p.Calendar = eidCalendar()
	answered := at(6, 4, 11, 0)
	for _, bc := range []struct {
		name string
		s    Stage
	}{
		{"first-answer", Stage{Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Status: domain.StatusOpen, Start: at(6, 5, 14, 0)}},
		{"escalated", Stage{Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Status: domain.StatusOpen, EscalationLevel: 3, Start: at(6, 5, 14, 0)}},
		{"review", Stage{Kind: domain.KindInquiry, Priority: domain.PriorityHigh, Status: domain.StatusReopened, Round: 1, Start: at(6, 5, 14, 0)}},
		{"objection-window", Stage{Kind: domain.KindComplaint, Priority: domain.PriorityNormal, Status: domain.StatusAnswered, RespondedAt: &answered}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Recompute(bc.s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
