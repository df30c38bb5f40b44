package password

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func mustNew(t *testing.T, p Params) *Hasher {
	t.Helper()
	h, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashVerify(t *testing.T) {
	h := mustNew(t, cheap)
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	if ok, err := h.Verify(enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := h.Verify(enc, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	again, _ := h.Hash("correct horse battery")
	if again == enc {
		t.Fatal("two hashes of one password share a salt")
	}
	// A hash made with other parameters still verifies (they travel with it).
	other := mustNew(t, Params{Memory: 128, Time: 2, Threads: 2})
	if ok, err := other.Verify(enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("cross-parameter verify: ok=%v err=%v", ok, err)
	}
	if !other.NeedsRehash(enc) || h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash")
	}
}

func TestDefaults(t *testing.T) {
	if Default.Memory != 64*1024 || Default.Time != 1 || Default.Threads != 2 {
		t.Fatalf("default parameters %+v", Default)
	}
	h := mustNew(t, Params{})
	if h.Params() != Default {
		t.Fatalf("zero params %+v, want the defaults", h.Params())
	}
}

func TestMalformed(t *testing.T) {
	h := mustNew(t, cheap)
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if ok, err := h.Verify(enc, "x"); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v", enc, ok, err)
		}
	}
	h.DummyVerify("anything") // must not panic
	if _, err := New(Params{Memory: 4, Threads: 1}); err == nil {
		t.Error("memory below 8 KiB per thread accepted")
	}
}

func mustNewLimited(t testing.TB, p Params, l Limits) *Hasher {
	t.Helper()
	h, err := NewLimited(p, l)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// mixed runs the i-th of a crowd of computations: each kind a login or an
// account change asks for, in turn.
func mixed(h *Hasher, enc string, i int) error {
	switch i % 3 {
	case 0:
		_, err := h.Hash("a new password")
		return err
	case 1:
		_, err := h.Verify(enc, "a guess")
		return err
	default:
		return h.DummyVerify("a guess for nobody")
	}
}

// N ≫ Slots computations at once never hold more than Slots × Memory KiB of
// argon2id memory: while the pool is full the others are turned away with
// ErrBusy (after at most Limits.Wait) without computing anything.
func TestBoundUnderLoad(t *testing.T) {
	const slots, n = 3, 64
	enc, _ := mustNew(t, cheap).Hash("the password")
	entered := make(chan struct{}, n)
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // on failure too
	h := mustNewLimited(t, cheap, Limits{Slots: slots, Wait: 10 * time.Millisecond, OnSlot: func() {
		entered <- struct{}{}
		<-release
	}})
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- mixed(h, enc, i) }()
	}
	for range slots {
		<-entered // the pool is full, and stays full until release
	}
	for range n - slots {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrBusy) {
				t.Fatalf("with every slot taken: %v, want ErrBusy", err)
			}
		case <-entered:
			t.Fatalf("more than %d computations at once", slots)
		}
	}
	releaseOnce.Do(func() { close(release) })
	for range slots {
		if err := <-errs; err != nil {
			t.Fatalf("a computation that held a slot: %v", err)
		}
	}
	st := h.Stats()
	if st.Slots != slots || st.Peak != slots || st.PeakKiB != slots*uint64(cheap.Memory) || st.InFlight != 0 ||
		st.InFlightKiB != 0 || st.Busy != n-slots {
		t.Fatalf("stats %+v; want peak %d, peak KiB %d, busy %d", st, slots, slots*cheap.Memory, n-slots)
	}
	if len(entered) != 0 {
		t.Fatal("a refused caller computed")
	}
}

// With a wait long enough, N ≫ Slots callers all get their turn, and never
// more than Slots run at once.
func TestQueueUnderLoad(t *testing.T) {
	const slots, n = 3, 64
	enc, _ := mustNew(t, cheap).Hash("the password")
	var inside, entered atomic.Int32
	var over atomic.Bool
	full := make(chan struct{})
	h := mustNewLimited(t, cheap, Limits{Slots: slots, Wait: time.Hour, OnSlot: func() {
		if inside.Add(1) > slots {
			over.Store(true)
		}
		// The first Slots computations wait for one another, so the crowd
		// below really contends for a full pool.
		if entered.Add(1) == slots {
			close(full)
		}
		<-full
		runtime.Gosched()
		inside.Add(-1)
	}})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := mixed(h, enc, i); err != nil {
				t.Errorf("computation %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	st := h.Stats()
	if over.Load() || st.Peak != slots || st.PeakKiB != slots*uint64(cheap.Memory) || st.Busy != 0 || entered.Load() != n {
		t.Fatalf("stats %+v, more than %d at once: %v, computed %d of %d", st, slots, over.Load(), entered.Load(), n)
	}
}

// A stored hash made with more memory takes as many slots as it needs
// memory; one needing more than the whole pool is not computed at all.
func TestCostlyHashTakesMoreSlots(t *testing.T) {
	big, _ := mustNew(t, Params{Memory: 2 * cheap.Memory, Time: 1, Threads: 1}).Hash("pw")
	huge, _ := mustNew(t, Params{Memory: 4 * cheap.Memory, Time: 1, Threads: 1}).Hash("pw")
	small, _ := mustNew(t, cheap).Hash("pw")
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // on failure too
	h := mustNewLimited(t, cheap, Limits{Slots: 3, Wait: -1, OnSlot: func() {
		entered <- struct{}{}
		<-release
	}})
	if _, err := h.Verify(huge, "pw"); !errors.Is(err, ErrTooCostly) {
		t.Fatalf("a hash needing 4 of 3 slots: %v", err)
	}
	done := make(chan error, 3)
	go func() { _, err := h.Verify(big, "pw"); done <- err }()
	<-entered
	go func() { _, err := h.Verify(small, "pw"); done <- err }()
	<-entered
	go func() { _, err := h.Verify(small, "pw"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBusy) {
			t.Fatalf("with 2+1 of 3 slots taken: %v", err)
		}
	case <-entered:
		t.Fatal("a third computation ran with 2+1 of 3 slots taken")
	}
	if st := h.Stats(); st.InFlight != 2 || st.InFlightKiB != 3*uint64(cheap.Memory) {
		t.Fatalf("stats %+v", st)
	}
	releaseOnce.Do(func() { close(release) })
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestDefaultLimits(t *testing.T) {
	if n := DefaultSlots(); n < 1 || n > 16 || n > runtime.GOMAXPROCS(0) {
		t.Fatalf("DefaultSlots %d", n)
	}
	h := mustNew(t, cheap)
	if h.Stats().Slots != DefaultSlots() || h.wait != DefaultWait {
		t.Fatalf("defaults: %+v, wait %v", h.Stats(), h.wait)
	}
	if _, err := NewLimited(cheap, Limits{Slots: -1}); err == nil {
		t.Fatal("negative slots accepted")
	}
}

// BenchmarkVerifyFlood verifies with the production parameters from many
// goroutines at once (SetParallelism 16 per CPU) and reports the most
// argon2id memory held at once, which stays at Slots × 64 MiB.
func BenchmarkVerifyFlood(b *testing.B) {
	h := mustNewLimited(b, Default, Limits{})
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = h.Verify(enc, "a wrong guess")
		}
	})
	st := h.Stats()
	b.ReportMetric(float64(st.PeakKiB)/1024, "peak-MiB")
	b.ReportMetric(float64(st.Peak), "peak-hashes")
	b.ReportMetric(float64(st.Busy)/float64(b.N), "busy/op")
}
