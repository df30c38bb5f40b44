package policies

import (
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

func TestShiftOf(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want Shift
	}{
		{0, Shift{0, "0s"}},
		{400 * time.Millisecond, Shift{0, "0s"}},
		{90 * time.Minute, Shift{5400, "+1h30m"}},
		{-(28*time.Hour + 5*time.Second), Shift{-100805, "-1d4h5s"}},
		{72 * time.Hour, Shift{259200, "+3d"}},
	} {
		if got := shiftOf(c.d); got != c.want {
			t.Errorf("shiftOf(%s) = %+v, want %+v", c.d, got, c.want)
		}
	}
}

// The sample keeps the tickets that move most, at most SampleSize,
// and the median of an even count lies between the middle two.
func TestPreviewerSampleAndMedian(t *testing.T) {
	p := sla.Default()
	p.Version = 2
	pv := newPreviewer(p, false, time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC))
	// Answered tickets: the window moves from whatever the row says to 5
	// days after the answer, so each row's shift is chosen by its row.
	answered := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
	until := answered.Add(5 * 24 * time.Hour)
	for i := range 30 {
		current := until.Add(time.Duration(i%10+1) * time.Hour) // the window shrinks by 1..10 hours
		pv.add(store.TicketDeadline{Number: "2026-" + string(rune('A'+i)), Kind: domain.KindComplaint,
			Priority: domain.PriorityNormal, Status: domain.StatusAnswered, PolicyVersion: 1,
			RespondedAt: &answered, ObjectionUntil: &current})
	}
	got := pv.result()
	if got.Earlier != 30 || len(got.Sample) != SampleSize {
		t.Fatalf("earlier %d, sample of %d", got.Earlier, len(got.Sample))
	}
	// Three tickets per shift; the sample takes the 10h, 9h, ... ones, by number within a shift.
	for i, s := range got.Sample {
		wantHours := 10 - i/3
		if s.Shift.Seconds != -int64(wantHours*3600) {
			t.Errorf("sample[%d] = %s moved %s, want -%dh", i, s.Number, s.Shift.Human, wantHours)
		}
		if i > 0 && got.Sample[i-1].Shift == s.Shift && got.Sample[i-1].Number > s.Number {
			t.Errorf("sample[%d] %s after %s", i, s.Number, got.Sample[i-1].Number)
		}
	}
	// Shifts -1h..-10h three times each: the middle two of 30 are -6h and -5h.
	if got.Shift.Median != (Shift{-5*3600 - 1800, "-5h30m"}) || got.Shift.Min.Human != "-10h" || got.Shift.Max.Human != "-1h" {
		t.Errorf("shift %+v", got.Shift)
	}
}
