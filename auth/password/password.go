// Package password hashes and verifies staff passwords with argon2id.
//
// Hashes are stored in the PHC-like encoding
// "$argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<key>" (salt and
// key unpadded standard base64), so every hash carries the parameters it was
// made with and stronger parameters can be introduced without invalidating the
// old ones.
//
// Every computation (Hash, Verify, DummyVerify) runs in a slot of a bounded
// pool (Limits): argon2id holds Params.Memory KiB for its whole run, so an
// unbounded number of concurrent logins would take unbounded memory. A caller
// that finds no free slot within Limits.Wait gets ErrBusy (answered 503 with
// Retry-After by the API) instead of queueing without bound. The memory the
// hashing holds at any moment is therefore at most Slots × Params.Memory KiB,
// however many requests arrive (TestBoundUnderLoad, api's TestLoginFloodBounded).
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// Default is m=64 MiB, t=1, p=2 (RFC 9106's second recommended option with
// a smaller memory budget), a 16-byte salt and a 32-byte key.
var Default = Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}

// Limits refused when decoding a stored hash, so a tampered row cannot make a
// login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 16
	maxThreads = 16
	maxKeyLen  = 128
)

// ErrMalformed: a stored hash that is not an argon2id hash this package can read.
var ErrMalformed = errors.New("password: malformed hash")

// ErrBusy: no slot came free within Limits.Wait; nothing was computed. The
// caller should answer "try again shortly" (503 with Retry-After).
var ErrBusy = errors.New("password: too many password checks in progress")

// ErrTooCostly: a stored hash asks for more memory than the whole pool may
// hold (Slots × Params.Memory KiB); it is not computed.
var ErrTooCostly = errors.New("password: hash parameters exceed the memory budget")

// Limits bound the hashing a Hasher does at once.
type Limits struct {
	// Slots is how many argon2id computations with the Hasher's own
	// parameters may run at once; 0 takes DefaultSlots(). A stored hash made
	// with more memory takes as many slots as it needs memory (rounded up),
	// so the memory in use never exceeds Slots × Params.Memory KiB.
	Slots int
	// Wait is how long a caller waits for a free slot before ErrBusy; 0
	// takes DefaultWait, a negative value does not wait at all.
	Wait time.Duration
	// OnSlot, when set, is called by every computation once it holds its
	// slots, just before argon2id runs (instrumentation; tests hold slots
	// with it). nil in production.
	OnSlot func()
}

// DefaultWait is how long a caller waits for a free slot by default: a
// moment's burst is absorbed, a flood is turned away.
const DefaultWait = time.Second

// maxDefaultSlots caps DefaultSlots on large machines (16 × 64 MiB = 1 GiB).
const maxDefaultSlots = 16

// DefaultSlots is the number of CPUs Go may use (GOMAXPROCS), at most 16:
// more computations at once would not finish sooner, only hold more memory.
func DefaultSlots() int {
	return min(max(runtime.GOMAXPROCS(0), 1), maxDefaultSlots)
}

// Stats describe a Hasher's pool.
type Stats struct {
	Slots int // the pool's size
	// InFlight and InFlightKiB are the computations running now and the
	// argon2id memory they hold; Peak and PeakKiB the most ever at once.
	InFlight, Peak       int
	InFlightKiB, PeakKiB uint64
	// Busy counts the callers turned away with ErrBusy.
	Busy uint64
}

// Hasher hashes with fixed parameters. Safe for concurrent use.
type Hasher struct {
	p     Params
	dummy string // a hash of a random password, verified for unknown users

	slots  int
	wait   time.Duration
	onSlot func()
	pool   *semaphore.Weighted // Slots units; a computation takes slotsFor(its memory)

	mu    sync.Mutex // guards stats (whose Busy is kept in busy)
	stats Stats
	busy  atomic.Uint64
}

// New returns a Hasher with p (zero fields take Default's values) and the
// default Limits.
func New(p Params) (*Hasher, error) { return NewLimited(p, Limits{}) }

// NewLimited returns a Hasher with p (zero fields take Default's values) and
// the pool l.
func NewLimited(p Params, l Limits) (*Hasher, error) {
	if p.Memory == 0 {
		p.Memory = Default.Memory
	}
	if p.Time == 0 {
		p.Time = Default.Time
	}
	if p.Threads == 0 {
		p.Threads = Default.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = Default.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = Default.KeyLen
	}
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads ||
		p.KeyLen < 16 || p.KeyLen > maxKeyLen || p.SaltLen < 8 {
		return nil, fmt.Errorf("password: parameters out of range: %+v", p)
	}
	if l.Slots < 0 {
		return nil, fmt.Errorf("password: negative slots %d", l.Slots)
	}
	if l.Slots == 0 {
		l.Slots = DefaultSlots()
	}
	if l.Wait == 0 {
		l.Wait = DefaultWait
	}
	h := &Hasher{p: p, slots: l.Slots, wait: l.Wait, onSlot: l.OnSlot, pool: semaphore.NewWeighted(int64(l.Slots))}
	h.stats.Slots = l.Slots
	var pw [32]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, err
	}
	// Made outside the pool: nothing else runs yet.
	d, err := h.hash(base64.RawStdEncoding.EncodeToString(pw[:]), func(pw string, salt []byte) ([]byte, error) {
		return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
	})
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

// Params are the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.p }

// Stats is a snapshot of the pool's use.
func (h *Hasher) Stats() Stats {
	h.mu.Lock()
	st := h.stats
	h.mu.Unlock()
	st.Busy = h.busy.Load()
	return st
}

// slotsFor is how many slots a computation with memory KiB takes: one per
// Params.Memory KiB, rounded up.
func (h *Hasher) slotsFor(memory uint32) int64 {
	return max(1, int64((uint64(memory)+uint64(h.p.Memory)-1)/uint64(h.p.Memory)))
}

// derive runs argon2id in the pool: it waits at most h.wait for the slots
// memory needs (ErrBusy otherwise) and holds them while it computes.
func (h *Hasher) derive(password string, salt []byte, p Params, keyLen uint32) ([]byte, error) {
	n := h.slotsFor(p.Memory)
	if n > int64(h.slots) {
		return nil, ErrTooCostly
	}
	if !h.pool.TryAcquire(n) {
		if h.wait < 0 {
			h.busy.Add(1)
			return nil, ErrBusy
		}
		ctx, cancel := context.WithTimeout(context.Background(), h.wait)
		err := h.pool.Acquire(ctx, n)
		cancel()
		if err != nil {
			h.busy.Add(1)
			return nil, ErrBusy
		}
	}
	defer h.pool.Release(n)
	h.enter(uint64(p.Memory))
	defer h.leave(uint64(p.Memory))
	if h.onSlot != nil {
		h.onSlot()
	}
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen), nil
}

func (h *Hasher) enter(kib uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats.InFlight++
	h.stats.InFlightKiB += kib
	h.stats.Peak = max(h.stats.Peak, h.stats.InFlight)
	h.stats.PeakKiB = max(h.stats.PeakKiB, h.stats.InFlightKiB)
}

func (h *Hasher) leave(kib uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats.InFlight--
	h.stats.InFlightKiB -= kib
}

// Hash returns the encoded argon2id hash of password with a fresh random
// salt; ErrBusy when no slot came free in time.
func (h *Hasher) Hash(password string) (string, error) {
	return h.hash(password, func(pw string, salt []byte) ([]byte, error) { return h.derive(pw, salt, h.p, h.p.KeyLen) })
}

func (h *Hasher) hash(password string, derive func(string, []byte) ([]byte, error)) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key, err := derive(password, salt)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, comparing in constant
// time with the parameters stored in encoded. ErrBusy when no slot came free
// in time; ErrMalformed or ErrTooCostly for a stored hash it will not compute.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(password, salt, p, uint32(len(key)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// DummyVerify does the work of a Verify against a hash no password matches.
// Call it when the username is unknown, so the answer takes as long as for a
// known user and timing does not tell whether an account exists. Its only
// error is ErrBusy, which the caller answers as it answers a busy Verify.
func (h *Hasher) DummyVerify(password string) error {
	_, err := h.Verify(h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded was made with other parameters than h's.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.Memory != h.p.Memory || p.Time != h.p.Time || p.Threads != h.p.Threads ||
		uint32(len(salt)) != h.p.SaltLen || uint32(len(key)) != h.p.KeyLen
}

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || n != 3 {
		return Params{}, nil, nil, ErrMalformed
	}
	if p.Threads == 0 || p.Time == 0 || p.Memory < 8*uint32(p.Threads) ||
		p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformed
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
