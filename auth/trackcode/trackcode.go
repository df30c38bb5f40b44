// Package trackcode makes the tracking codes beneficiaries hold, and the keyed
// cryptography, under the server's tracking secret, that protects them and the
// other short secrets beneficiaries hold (mobile numbers, one-time codes):
// keyed hashes for what the database keeps, and seals for what a retried
// request must read back.
//
// What these protect is short (a 12-character code is 60 bits, a mobile number
// fewer): keyed under a secret the database does not hold, a stolen database
// alone cannot be searched for them. The secret must stay stable once set.
package trackcode

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/tawasul/tawasul/normalize"
)

// Alphabet has no look-alikes (no 0/O, 1/I); 32 symbols divide 256, so taking
// a byte mod 32 is unbiased.
const Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// New is a fresh tracking code: 12 characters, 60 bits of randomness.
func New() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = Alphabet[b[i]%32]
	}
	return string(b[:])
}

// Canonical forgives what people do when copying a code: spaces, dashes, tabs,
// lower case, Arabic-Indic digits.
func Canonical(s string) string {
	s = normalize.Digits(s)
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// SHA256Hex is the hex SHA-256 of s: what is kept of values that are long and
// random enough not to need a key (idempotency keys, bearer tokens).
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Seal labels: the info of each use's key derivation, keeping their keys apart.
const (
	// SealTrackingCode: the tracking code of an idempotent filing, under the
	// raw Idempotency-Key.
	SealTrackingCode = "tawasul tracking-code seal v1"
	// SealSessionMobile: the mobile of a beneficiary session, under the
	// session's token.
	SealSessionMobile = "tawasul beneficiary-session mobile seal v1"
)

// Keys holds the server's tracking secret. The zero value (no secret, dev mode
// and tests) still works: hashes and seals are then unkeyed.
type Keys struct{ secret []byte }

// NewKeys keeps a copy of secret.
func NewKeys(secret []byte) Keys { return Keys{secret: append([]byte(nil), secret...)} }

// TrackingHash is what the store keeps of a tracking code: an HMAC under the
// secret; without a secret a plain SHA-256.
func (k Keys) TrackingHash(code string) string {
	if len(k.secret) == 0 {
		return SHA256Hex(code)
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("tawasul tracking code v1\n" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// Hash is an HMAC-SHA256 under the secret of parts joined by newlines, the
// label keeping each use apart.
func (k Keys) Hash(label string, parts ...string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(label))
	for _, p := range parts {
		m.Write([]byte{'\n'})
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Seal seals plain with AES-GCM under a key derived (HKDF-SHA256) from rawKey,
// a value only the client holds (the database keeps its hash), salted with the
// secret; info names the use, aad (the raw key's stored hash) binds the sealed
// bytes to their row. Only a request presenting rawKey can read it again.
func (k Keys) Seal(info, rawKey, aad, plain string) ([]byte, error) {
	gcm, err := k.gcm(info, rawKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, []byte(plain), []byte(aad)), nil
}

// Open reads what Seal sealed with the same info, rawKey and aad.
func (k Keys) Open(info, rawKey, aad string, sealed []byte) (string, error) {
	gcm, err := k.gcm(info, rawKey)
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed value too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("open sealed value (%s): %w", info, err)
	}
	return string(plain), nil
}

func (k Keys) gcm(info, rawKey string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(rawKey), k.secret, info, 32)
	if err != nil {
		return nil, fmt.Errorf("derive seal key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
