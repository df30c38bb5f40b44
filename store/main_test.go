package store

import (
	"fmt"
	"os"
	"testing"
)

// TestMain drops the benchmarks' seeded schema once every benchmark (and
// every -count round) has read it: seeding a million tickets is done once
// per binary, not once per benchmark.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := dropBenchFixture(); err != nil {
		fmt.Fprintln(os.Stderr, "store benchmarks:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
