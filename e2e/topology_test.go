package e2e

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// topologyTickets is the smoke's size: enough lifecycles that the kill lands
// while both APIs are busy, few enough to keep `make test` short.
const topologyTickets = 120

// TestProductionTopology is deploy/topology.sh in its short form: a Temporal
// server built from source on PostgreSQL, two workers and two APIs as
// separate processes, load through both APIs, one worker and one API killed
// with SIGKILL mid-run, and the end check. It is the one test that runs the
// real server binary rather than the embedded one.
func TestProductionTopology(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the topology script is bash and uses SIGKILL (machine lacks it)")
	}
	for _, tool := range []string{"bash", "psql", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not installed (machine lacks it)", tool)
		}
	}
	needPostgres(t).Close()
	bin := buildBinary(t)

	u, err := url.Parse(pgDSN())
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"TOPOLOGY_PG_HOST=" + u.Hostname(), "TOPOLOGY_PG_PORT=" + cmp.Or(u.Port(), "5432"),
		"TOPOLOGY_PG_USER=" + cmp.Or(u.User.Username(), "postgres")}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}

	// Generous: a cold build cache compiles the Temporal server's command
	// and schema tool first (the packages they share with devserver are
	// already built for this test binary).
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	work := t.TempDir()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "deploy", "topology.sh"),
		"-n", fmt.Sprint(topologyTickets), "-c", "4", "--objection-window", "45",
		"--work-dir", work, "--tawasul-bin", bin)
	cmd.Env = append(os.Environ(), env...)
	// SIGTERM lets the script's trap stop its processes and drop its
	// databases; SIGKILL would leave them behind.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	began := time.Now()
	err = cmd.Run()
	t.Logf("deploy/topology.sh took %s\n%s%s", time.Since(began).Round(time.Second), errb.String(), out.String())
	if err != nil {
		for _, name := range []string{"temporal", "api-1", "api-2", "worker-1", "worker-2", "loadgen-1", "loadgen-2"} {
			t.Logf("== %s.log (tail)\n%s", name, tail(filepath.Join(work, "logs", name+".log"), 20))
		}
		t.Fatalf("topology run failed: %v", err)
	}

	s := out.String()
	if !strings.Contains(s, "TOPOLOGY PASSED") {
		t.Fatal("no TOPOLOGY PASSED line")
	}
	want := fmt.Sprintf("accepted %d = rows %d = ticket workflows %d; tickets not closed or withdrawn 0; workflows not completed 0; failed 0",
		topologyTickets, topologyTickets, topologyTickets)
	if !strings.Contains(s, want) {
		t.Fatalf("end check line is not %q", want)
	}
	// Nothing personal reached Temporal's tables (PostgreSQL here; the
	// embedded SQLite server's files in TestTemporalHoldsNoPersonalData).
	if !regexp.MustCompile(`personal data\s+0 of [1-9][0-9]* national IDs`).MatchString(s) {
		t.Error("the scan of Temporal's databases for personal data did not run clean")
	}
	// The kill must have landed mid-run, with tickets both before and after it.
	m := regexp.MustCompile(`with (\d+) of (\d+) tickets in`).FindStringSubmatch(s)
	if m == nil || m[1] == "0" || m[1] == m[2] {
		t.Fatalf("kill line missing or not mid-run: %v", m)
	}
	for _, api := range []string{"api-1", "api-2"} {
		if !regexp.MustCompile(api + `\s+\d+ lifecycle.*→ passed`).MatchString(s) {
			t.Errorf("%s's generator did not pass its own check", api)
		}
	}
}

// tail is the last n lines of a file, or why it cannot be read.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
