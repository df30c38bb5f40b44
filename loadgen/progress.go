package loadgen

import (
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"sync"
	"time"
)

// Recorder counts the outcome of every call by operation: latencies of the
// successful ones, failures by class, retries.
type Recorder struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

type opStats struct {
	ok      int
	retries int
	replays int
	errors  map[string]int
	retried map[string]int // class of each retried attempt
	hist    Histogram
}

func NewRecorder() *Recorder { return &Recorder{ops: map[string]*opStats{}} }

// Add records the result of one call of op.
func (rc *Recorder) Add(op string, r Result) {
	rc.mu.Lock()
	s := rc.ops[op]
	if s == nil {
		s = &opStats{errors: map[string]int{}, retried: map[string]int{}}
		rc.ops[op] = s
	}
	s.retries += r.Attempts - 1
	for _, c := range r.Retried {
		s.retried[c]++
	}
	if r.Replayed {
		s.replays++
	}
	if r.OK() {
		s.ok++
	} else {
		s.errors[r.Class]++
	}
	rc.mu.Unlock()
	if r.OK() {
		s.hist.Record(r.Latency)
	}
}

// Errors is the total of failed calls over every operation.
func (rc *Recorder) Errors() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, s := range rc.ops {
		for _, c := range s.errors {
			n += c
		}
	}
	return n
}

// OpReport is one operation's figures.
type OpReport struct {
	OK      int            `json:"ok"`
	Errors  map[string]int `json:"errors"`
	Retries int            `json:"retries"`
	// RetriedBy counts the retried attempts by what failed them.
	RetriedBy map[string]int `json:"retried_by,omitempty"`
	Replays   int            `json:"idempotent_replays"`
	Latency   Stats          `json:"latency"`
}

func (rc *Recorder) Report() map[string]OpReport {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]OpReport, len(rc.ops))
	for name, s := range rc.ops {
		out[name] = OpReport{OK: s.ok, Errors: maps.Clone(s.errors), Retries: s.retries, RetriedBy: maps.Clone(s.retried),
			Replays: s.replays, Latency: s.hist.Stats()}
	}
	return out
}

// Progress shows how far a phase has come on stderr: a bar redrawn in place
// on a terminal, a line every few seconds otherwise (CI logs, files).
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	stop  chan struct{}
	wg    sync.WaitGroup
}

// NewProgress writes to w; tty says whether w is a terminal.
func NewProgress(w io.Writer, tty bool) *Progress {
	every := 5 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	return &Progress{w: w, tty: tty, every: every}
}

// IsTerminal reports whether f is a character device (a terminal), without
// a dependency for it.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Start shows phase until Stop; total 0 means open-ended (soak: by time).
// Nil counters show the time alone (a wait).
func (p *Progress) Start(phase string, total int, deadline time.Time, done, failed func() int64) {
	if p == nil || p.w == nil {
		return
	}
	zero := func() int64 { return 0 }
	if done == nil {
		done = zero
	}
	if failed == nil {
		failed = zero
	}
	p.stop = make(chan struct{})
	began := time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw(phase, total, deadline, began, done(), failed(), true)
				return
			case <-t.C:
				p.draw(phase, total, deadline, began, done(), failed(), false)
			}
		}
	}()
}

func (p *Progress) Stop() {
	if p == nil || p.stop == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.stop = nil
}

func (p *Progress) draw(phase string, total int, deadline, began time.Time, done, failed int64, last bool) {
	el := time.Since(began)
	rate := float64(done) / max(el.Seconds(), 1e-9)
	frac := 0.0
	switch {
	case total > 0:
		frac = float64(done) / float64(total)
	case !deadline.IsZero():
		frac = el.Seconds() / max(deadline.Sub(began).Seconds(), 1e-9)
	}
	frac = min(max(frac, 0), 1)
	line := fmt.Sprintf("%-10s %s %5.1f%%  %s", phase, bar(frac, 30), frac*100, el.Truncate(100*time.Millisecond))
	if total > 0 || done+failed > 0 {
		count := fmt.Sprintf("%d", done)
		if total > 0 {
			count = fmt.Sprintf("%d/%d", done, total)
		}
		line = fmt.Sprintf("%-10s %s %5.1f%% %s  %.1f/s  errors %d  %s",
			phase, bar(frac, 30), frac*100, count, rate, failed, el.Truncate(100*time.Millisecond))
	}
	switch {
	case p.tty && last:
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

func bar(frac float64, width int) string {
	n := int(frac * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
