//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDataDir takes an exclusive advisory lock so that a second `tawasul dev`
// on the same data directory fails at once: two servers on one file would
// both believe they own every history shard. flock locks belong to the open
// file, so this also catches a second server in the same process. The lock
// dies with the process, so a killed server leaves nothing stale behind.
func lockDataDir(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devserver: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("devserver: data directory is in use by another server (lock %s held)", path)
		}
		return nil, fmt.Errorf("devserver: locking %s: %w", path, err)
	}
	return f.Close, nil // closing the file releases the lock
}
