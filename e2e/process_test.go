package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary compiles cmd/tawasul once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tawasul-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "tawasul")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/tawasul/tawasul/cmd/tawasul")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("building tawasul: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// devProcess is a running `tawasul dev`.
type devProcess struct {
	cmd     *exec.Cmd
	logPath string
}

func (p *devProcess) output() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func startDev(t *testing.T, bin, configFile, dataDir string, addr string, temporalPort int) *devProcess {
	t.Helper()
	return startProcess(t, bin, addr, nil, "dev", "--config", configFile, "--data-dir", dataDir, "--addr", addr,
		"--temporal-port", fmt.Sprint(temporalPort), "--ui-port", "-1", "--log-level", "warn")
}

// startProcess runs bin with args and env; when readyAddr is set it waits for
// http://readyAddr/readyz to answer 200.
func startProcess(t *testing.T, bin, readyAddr string, env []string, args ...string) *devProcess {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "tawasul-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, logPath: logf.Name()}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("the last lines of tawasul %s (pid %d):\n%s", args[0], cmd.Process.Pid, lastLines(p.output(), 40))
		}
	})
	if readyAddr == "" {
		return p
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + readyAddr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.kill()
	t.Fatalf("tawasul %s did not become ready; output:\n%s", args[0], p.output())
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (p *devProcess) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// interrupt sends SIGINT and expects a clean exit within 30 s.
func (p *devProcess) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("unclean exit after SIGINT: %v\n%s", err, p.output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGINT:\n%s", p.output())
	}
}
