//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package devserver

// lockDataDir is a no-op where flock is unavailable; running two servers on
// one data directory there is the user's mistake to avoid.
func lockDataDir(string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
