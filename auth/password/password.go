// Package password hashes and verifies staff passwords with argon2id.
//
// Hashes are stored in the PHC-like encoding
// "$argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<key>" (salt and
// key unpadded standard base64), so every hash carries the parameters it was
// made with and stronger parameters can be introduced without invalidating the
// old ones.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
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

// Hasher hashes with fixed parameters. Safe for concurrent use.
type Hasher struct {
	p     Params
	dummy string // a hash of a random password, verified for unknown users
}

// New returns a Hasher with p (zero fields take Default's values).
func New(p Params) (*Hasher, error) {
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
	h := &Hasher{p: p}
	var pw [32]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, err
	}
	d, err := h.Hash(base64.RawStdEncoding.EncodeToString(pw[:]))
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

// Params are the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.p }

// Hash returns the encoded argon2id hash of password with a fresh random salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, comparing in constant
// time with the parameters stored in encoded.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// DummyVerify does the work of a Verify against a hash no password matches.
// Call it when the username is unknown, so the answer takes as long as for a
// known user and timing does not tell whether an account exists.
func (h *Hasher) DummyVerify(password string) {
	_, _ = h.Verify(h.dummy, password)
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
