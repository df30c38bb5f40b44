package loadgen

import (
	"math"
	"math/bits"
	"sync"
	"time"
)

// Histogram records durations in log-linear buckets, the way HDR histograms
// do: exact below 256µs, then 128 buckets per doubling, so any percentile is
// within 1% of the true value while memory stays fixed however long a soak
// runs. Min, max, count and sum are exact. Safe for concurrent use.
type Histogram struct {
	mu     sync.Mutex
	counts []uint64
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	subBits    = 7
	subBuckets = 1 << subBits // per doubling
	linear     = 2 * subBuckets
)

// bucketOf maps a value in microseconds to its bucket.
func bucketOf(us uint64) int {
	if us < linear {
		return int(us)
	}
	shift := bits.Len64(us) - (subBits + 1)
	return linear + (shift-1)*subBuckets + int(us>>shift) - subBuckets
}

// bucketValue is the largest value (µs) a bucket holds, so a percentile never
// understates.
func bucketValue(i int) uint64 {
	if i < linear {
		return uint64(i)
	}
	shift := (i-linear)/subBuckets + 1
	m := uint64((i-linear)%subBuckets + subBuckets)
	return (m+1)<<shift - 1
}

func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	i := bucketOf(uint64(d / time.Microsecond))
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
	h.sum += d
}

// Count is how many values were recorded.
func (h *Histogram) Count() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Percentile is the value at or below which p percent (0..100) of the
// recorded values lie; 0 with nothing recorded. p=0 and p=100 are the
// exact min and max.
func (h *Histogram) Percentile(p float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	if p >= 100 {
		return h.max
	}
	if p <= 0 {
		return h.min
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := time.Duration(bucketValue(i)) * time.Microsecond
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

// Stats are the figures a report prints of a histogram.
type Stats struct {
	Count uint64  `json:"count"`
	MinMS float64 `json:"min_ms"`
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
	AvgMS float64 `json:"mean_ms"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*100) / 100 }

func (h *Histogram) Stats() Stats {
	s := Stats{P50MS: ms(h.Percentile(50)), P95MS: ms(h.Percentile(95)), P99MS: ms(h.Percentile(99))}
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Count, s.MinMS, s.MaxMS = h.n, ms(h.min), ms(h.max)
	if h.n > 0 {
		s.AvgMS = ms(h.sum / time.Duration(h.n))
	}
	return s
}
