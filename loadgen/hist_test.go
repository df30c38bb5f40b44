package loadgen

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var exact []time.Duration
	for range 100000 {
		// Log-normal-ish latencies from 100µs to tens of seconds.
		d := time.Duration(float64(time.Millisecond) * r.ExpFloat64() * r.ExpFloat64() * 40)
		d += 100 * time.Microsecond
		h.Record(d)
		exact = append(exact, d)
	}
	slices.Sort(exact)
	for _, p := range []float64{1, 50, 90, 95, 99, 99.9} {
		want := exact[int(p/100*float64(len(exact)))-1]
		got := h.Percentile(p)
		// One bucket is 1/128 of its power of two wide, and the reported
		// value is the bucket's top: never below, at most ~1.6% above
		// (plus the microsecond truncation).
		if got < want.Truncate(time.Microsecond) || float64(got) > float64(want)*1.016+float64(time.Microsecond) {
			t.Errorf("p%v = %v, exact %v", p, got, want)
		}
	}
	if h.Percentile(100) != exact[len(exact)-1] {
		t.Errorf("max %v, want %v", h.Percentile(100), exact[len(exact)-1])
	}
	s := h.Stats()
	if s.Count != 100000 || s.MinMS != ms(exact[0]) || s.MaxMS != ms(exact[len(exact)-1]) {
		t.Errorf("stats %+v", s)
	}
}

func TestHistogramSmallAndEmpty(t *testing.T) {
	var h Histogram
	if h.Percentile(50) != 0 || h.Stats().Count != 0 {
		t.Fatal("empty histogram reports values")
	}
	for _, d := range []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond} {
		h.Record(d)
	}
	if got := h.Percentile(50); got < 2*time.Millisecond || got > 2*time.Millisecond+20*time.Microsecond {
		t.Errorf("median of 1,2,3ms = %v", got)
	}
	if h.Percentile(0) != time.Millisecond || h.Percentile(99) != 3*time.Millisecond {
		t.Errorf("p0 %v p99 %v", h.Percentile(0), h.Percentile(99))
	}
	h.Record(-time.Second) // clock steps must not corrupt the buckets
	if h.Percentile(0) != 0 {
		t.Errorf("negative recorded as %v", h.Percentile(0))
	}
}

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/300 {
		i := bucketOf(us)
		if i < prev {
			t.Fatalf("bucket of %dµs (%d) before the previous (%d)", us, i, prev)
		}
		if top := bucketValue(i); top < us || float64(top-us) > float64(us)/128+1 {
			t.Fatalf("%dµs in bucket %d whose top is %d", us, i, top)
		}
		prev = i
	}
}

func TestHistogramConcurrent(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				h.Record(time.Duration(w*1000+i) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	if h.Count() != 8000 {
		t.Fatalf("count %d", h.Count())
	}
}
