package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// previewPageSize is how many open tickets a preview reads at a time (a
// variable so a test can walk several pages of a few tickets).
var previewPageSize = 500

// previewSampleSize bounds the tickets a preview lists one by one.
const previewSampleSize = 20

// previewIn names the policy to preview: a stored version or a draft.
type previewIn struct {
	Version int         `json:"version"`
	Policy  *policyJSON `json:"policy"`
}

// shiftJSON is how far a deadline moves: later is positive.
type shiftJSON struct {
	Seconds int64  `json:"seconds"`
	Human   string `json:"human"`
}

type shiftStatsJSON struct {
	Min    shiftJSON `json:"min"`
	Median shiftJSON `json:"median"`
	Max    shiftJSON `json:"max"`
}

// previewTicketJSON is one ticket whose deadline the version moves.
type previewTicketJSON struct {
	Number string        `json:"number"`
	Status domain.Status `json:"status"`
	// Deadline names the deadline that moves: sla_due_at, or objection_until
	// for an answered ticket.
	Deadline   string    `json:"deadline"`
	CurrentDue time.Time `json:"current_due"`
	NewDue     time.Time `json:"new_due"`
	Shift      shiftJSON `json:"shift"`
}

// previewJSON is what rolling a version out to the open tickets would do now.
type previewJSON struct {
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
	Shift *shiftStatsJSON `json:"shift,omitempty"`
	// Sample is the changed tickets that move most, at most previewSampleSize.
	Sample []previewTicketJSON `json:"sample"`
}

// previewer adds up, one open ticket at a time, what applying policy p would
// do to them, the way each ticket's workflow applies it (sla.Policy.Recompute
// from the ticket's stage; a ticket already on p's version or a newer one
// ignores it).
type previewer struct {
	p      sla.Policy
	now    time.Time
	out    previewJSON
	shifts []time.Duration
}

func newPreviewer(p sla.Policy, draft bool, now time.Time) *previewer {
	return &previewer{p: p, now: now, out: previewJSON{Version: p.Version, Draft: draft, At: now,
		Sample: []previewTicketJSON{}}}
}

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
	line := previewTicketJSON{Number: t.Number, Status: t.Status, Deadline: "sla_due_at", CurrentDue: t.SLADueAt, NewDue: r.SLADueAt}
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

// sample keeps the previewSampleSize tickets that move most, farthest first
// and by number among equals; tickets come in number order, so a later one
// never displaces an equal one.
func (pv *previewer) sample(line previewTicketJSON) {
	abs := func(l previewTicketJSON) int64 { return max(l.Shift.Seconds, -l.Shift.Seconds) }
	s := pv.out.Sample
	if len(s) == previewSampleSize && abs(s[len(s)-1]) >= abs(line) {
		return
	}
	i, _ := slices.BinarySearchFunc(s, line, func(x, y previewTicketJSON) int {
		return cmp.Or(cmp.Compare(abs(y), abs(x)), strings.Compare(x.Number, y.Number))
	})
	s = slices.Insert(s, i, line)
	pv.out.Sample = s[:min(len(s), previewSampleSize)]
}

func (pv *previewer) result() previewJSON {
	out := pv.out
	if n := len(pv.shifts); n > 0 {
		s := slices.Clone(pv.shifts)
		slices.Sort(s)
		median := s[n/2]
		if n%2 == 0 {
			median = s[n/2-1] + (s[n/2]-s[n/2-1])/2
		}
		out.Shift = &shiftStatsJSON{Min: shiftOf(s[0]), Median: shiftOf(median), Max: shiftOf(s[n-1])}
	}
	return out
}

// shiftOf rounds a shift to the second and writes it as days of 24 hours,
// hours, minutes and seconds, signed: "+1d4h", "-30m", "0s".
func shiftOf(d time.Duration) shiftJSON {
	d = d.Round(time.Second)
	out := shiftJSON{Seconds: int64(d / time.Second)}
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

// previewPolicy answers what rolling a policy out now would do to the open
// tickets' deadlines, without changing anything: a stored version
// ({"version": N}) or a draft validated like PUT ({"policy": {...}}), which
// counts as the next version. It reads the open tickets a page at a time.
func (a *API) previewPolicy(c *gin.Context) error {
	ctx := c.Request.Context()
	var in previewIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	var p sla.Policy
	draft := in.Policy != nil
	switch {
	case draft && in.Version != 0:
		return invalid(fieldErr{field: "policy", code: fieldInvalidValue, text: &textPreviewOneOf})
	case draft:
		p = in.Policy.policy()
		if errs := policyErrors(p, "policy."); len(errs) > 0 {
			return invalid(errs...)
		}
		cur, err := a.store.CurrentPolicy(ctx)
		switch {
		case err == nil:
			p.Version = cur.Version + 1
		case errors.Is(err, store.ErrNotFound):
			p.Version = 1
		default:
			return fmt.Errorf("load current policy: %w", err)
		}
	case in.Version < 0:
		return invalid(fieldErr{field: "version", code: fieldOutOfRange})
	case in.Version == 0:
		return invalid(fieldErr{field: "version", code: fieldRequired, text: &textPreviewOneOf})
	default:
		var err error
		if p, err = a.loadPolicy(c, in.Version); err != nil {
			return err
		}
	}

	pv := newPreviewer(p, draft, a.now().UTC())
	for after := ""; ; {
		page, err := a.store.OpenTicketDeadlines(ctx, after, previewPageSize)
		if err != nil {
			return fmt.Errorf("preview policy v%d: %w", p.Version, err)
		}
		for _, t := range page {
			pv.add(t)
		}
		if len(page) < previewPageSize {
			break
		}
		after = page[len(page)-1].Number
	}
	return writeJSON(c, http.StatusOK, pv.result())
}
