// Package attachments keeps the documents people attach to tickets: a Store
// for the bytes (on disk now; an S3-compatible object store can implement the
// same interface later) and the checks a document must pass first — its type
// told by its content, never by its name, and a name that is safe to hand
// back to a browser. Who may attach or read what is authz's business; the
// rows describing each document are the read model's (store.Attachment).
package attachments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
)

// Store keeps blobs under opaque keys made by NewKey. Implementations must
// never expose a partly written blob: Put either stores all of r or nothing.
type Store interface {
	// Put stores everything r yields under key. When r fails (a body over
	// the size limit, a client gone) or ctx ends, nothing is left behind.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads the blob under key; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; a missing blob is no error, so a
	// cleanup can be retried.
	Delete(ctx context.Context, key string) error
}

var (
	// ErrNotFound: no blob under the key.
	ErrNotFound = errors.New("attachments: not found")
	// ErrBadKey: the key is not one NewKey could have made.
	ErrBadKey = errors.New("attachments: malformed key")
	// ErrExists: a blob is already stored under the key.
	ErrExists = errors.New("attachments: key already used")
)

// Limits by default: a scanned letter or a few phone photos fit in 10 MiB,
// and ten documents from each side cover a case.
const (
	DefaultMaxBytes  = 10 << 20
	DefaultPerTicket = 10
)

// keyBytes is the randomness of a key: 128 bits cannot collide in practice
// and cannot be guessed.
const keyBytes = 16

// NewKey is a fresh random key: 32 lowercase hex digits. Random rather than
// content-addressed keys mean a blob belongs to exactly one row, so deleting
// one never needs a reference count.
func NewKey() string {
	var b [keyBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// ValidKey reports whether key has NewKey's shape. Stores refuse anything
// else, so no key can name a path outside their directory.
func ValidKey(key string) bool {
	if len(key) != 2*keyBytes {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
