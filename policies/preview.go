package policies

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// SampleSize bounds the tickets a preview lists one by one.
const SampleSize = 20

// Shift is how far a deadline moves: later is positive.
type Shift struct {
	Seconds int64  `json:"seconds"`
	Human   string `json:"human"`
}

// ShiftStats are the least, middle and greatest shift of the changed tickets.
type ShiftStats struct {
	Min    Shift `json:"min"`
	Median Shift `json:"median"`
	Max    Shift `json:"max"`
}

// PreviewTicket is one ticket whose deadline the version moves.
type PreviewTicket struct {
	Number string        `json:"number"`
	Status domain.Status `json:"status"`
	// Deadline names the deadline that moves: sla_due_at, or objection_until
	// for an answered ticket.
	Deadline   string    `json:"deadline"`
	CurrentDue time.Time `json:"current_due"`
	NewDue     time.Time `json:"new_due"`
	Shift      Shift     `json:"shift"`
}

// Preview is what rolling a version out to the open tickets would do now.
type Preview struct {
	// Version is the stored version previewed, or the number a draft would get.
	Version int       `json:"version"`
	Draft   bool      `json:"draft"`
	At      time.Time `json:"at"`
	// Open counts the open tickets read; AlreadyOnVersion those of them on
	// this version or a newer one, which a roll-out leaves as they are. The
	// rest are Earlier, Later, Unchanged or NotComputable.
	Open             int `json:"open"`
	AlreadyOnVersion int `json:"already_on_version"`
	Changed          int `json:"changed"`
	Earlier          int `json:"earlier"`
	Later            int `json:"later"`
	Unchanged        int `json:"unchanged"`
	NotComputable    int `json:"not_computable"`
	// NewlyPastDue counts changed tickets whose deadline has not passed but
	// would have: on roll-out they escalate (or, answered, close) at once.
	NewlyPastDue int `json:"newly_past_due"`
	// Shift is over the changed tickets; absent when none changes.
	Shift *ShiftStats `json:"shift,omitempty"`
	// Sample is the changed tickets that move most, at most SampleSize.
	Sample []PreviewTicket `json:"sample"`
}

// PreviewVersion is what rolling stored version v out now would do to the
// open tickets' deadlines, changing nothing.
func (s *Service) PreviewVersion(ctx context.Context, v int) (Preview, error) {
	p, err := s.Version(ctx, v)
	if err != nil {
		return Preview{}, err
	}
	return s.preview(ctx, p, false)
}

// PreviewDraft is PreviewVersion for a draft not saved yet, validated as
// Save validates it (its fields' paths under prefix) and counted as the next
// version.
func (s *Service) PreviewDraft(ctx context.Context, p sla.Policy, prefix string) (Preview, error) {
	if fields := Fields(p, prefix); len(fields) > 0 {
		return Preview{}, refusal.Fields(fields...)
	}
	cur, err := s.store.CurrentPolicy(ctx)
	switch {
	case err == nil:
		p.Version = cur.Version + 1
	case errors.Is(err, store.ErrNotFound):
		p.Version = 1
	default:
		return Preview{}, fmt.Errorf("load current policy: %w", err)
	}
	return s.preview(ctx, p, true)
}

// preview reads the open tickets a page at a time.
func (s *Service) preview(ctx context.Context, p sla.Policy, draft bool) (Preview, error) {
	pv := newPreviewer(p, draft, s.now().UTC())
	for after := ""; ; {
		page, err := s.store.OpenTicketDeadlines(ctx, after, s.pageSize)
		if err != nil {
			return Preview{}, fmt.Errorf("preview policy v%d: %w", p.Version, err)
		}
		for _, t := range page {
			pv.add(t)
		}
		if len(page) < s.pageSize {
			break
		}
		after = page[len(page)-1].Number
	}
	return pv.result(), nil
}

// previewer adds up, one open ticket at a time, what applying policy p would
// do to them, the way each ticket's workflow applies it (sla.Policy.Recompute
// from the ticket's stage; a ticket already on p's version or a newer one
// ignores it).
type previewer struct {
	p      sla.Policy
	now    time.Time
	out    Preview
	shifts []time.Duration
}

// newPreviewer starts the sums of p's preview at now.
func newPreviewer(p sla.Policy, draft bool, now time.Time) *previewer {
	return &previewer{p: p, now: now, out: Preview{Version: p.Version, Draft: draft, At: now,
		Sample: []PreviewTicket{}}}
}

// add counts one open ticket.
func (pv *previewer) add(t store.TicketDeadline) {
	pv.out.Open++
	if t.PolicyVersion >= pv.p.Version {
		pv.out.AlreadyOnVersion++
		return
	}
	r, err := pv.p.Recompute(t.Stage())
	if err != nil {
		pv.out.NotComputable++
		return
	}
	line := PreviewTicket{Number: t.Number, Status: t.Status, Deadline: "sla_due_at", CurrentDue: t.SLADueAt, NewDue: r.SLADueAt}
	if r.ObjectionUntil != nil {
		if t.ObjectionUntil == nil {
			pv.out.NotComputable++
			return
		}
		line.Deadline, line.CurrentDue, line.NewDue = "objection_until", *t.ObjectionUntil, *r.ObjectionUntil
	}
	shift := line.NewDue.Sub(line.CurrentDue)
	switch {
	case shift == 0:
		pv.out.Unchanged++
		return
	case shift < 0:
		pv.out.Earlier++
	default:
		pv.out.Later++
	}
	pv.out.Changed++
	if line.CurrentDue.After(pv.now) && !line.NewDue.After(pv.now) {
		pv.out.NewlyPastDue++
	}
	pv.shifts = append(pv.shifts, shift)
	line.Shift = shiftOf(shift)
	pv.sample(line)
}

// sample keeps the SampleSize tickets that move most, farthest first and by
// number among equals; tickets come in number order, so a later one never
// displaces an equal one.
func (pv *previewer) sample(line PreviewTicket) {
	abs := func(l PreviewTicket) int64 { return max(l.Shift.Seconds, -l.Shift.Seconds) }
	s := pv.out.Sample
	if len(s) == SampleSize && abs(s[len(s)-1]) >= abs(line) {
		return
	}
	i, _ := slices.BinarySearchFunc(s, line, func(x, y PreviewTicket) int {
		return cmp.Or(cmp.Compare(abs(y), abs(x)), strings.Compare(x.Number, y.Number))
	})
	s = slices.Insert(s, i, line)
	pv.out.Sample = s[:min(len(s), SampleSize)]
}

// result is the preview of the tickets added so far.
func (pv *previewer) result() Preview {
	out := pv.out
	if n := len(pv.shifts); n > 0 {
		s := slices.Clone(pv.shifts)
		slices.Sort(s)
		median := s[n/2]
		if n%2 == 0 {
			median = s[n/2-1] + (s[n/2]-s[n/2-1])/2
		}
		out.Shift = &ShiftStats{Min: shiftOf(s[0]), Median: shiftOf(median), Max: shiftOf(s[n-1])}
	}
	return out
}

// shiftOf rounds a shift to the second and writes it as days of 24 hours,
// hours, minutes and seconds, signed: "+1d4h", "-30m", "0s".
func shiftOf(d time.Duration) Shift {
	d = d.Round(time.Second)
	out := Shift{Seconds: int64(d / time.Second)}
	if d == 0 {
		out.Human = "0s"
		return out
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	} else {
		b.WriteByte('+')
	}
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.suffix)
			d -= n * u.unit
		}
	}
	out.Human = b.String()
	return out
}
