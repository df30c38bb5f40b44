package devserver

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"syscall"
)

// The Temporal server binds its own listeners from port numbers in its config,
// so a free port has to be found first and handed over, which leaves a window
// in which someone else can take it. Two measures keep that window harmless:
//
//   - ports handed out in this process are remembered until their server
//     stops, so several servers started by one test binary never pick the
//     same number even if the kernel would offer it again;
//   - on Linux/BSD the probe socket is left in TIME_WAIT (server side closes
//     first), and the kernel does not hand a TIME_WAIT port to another
//     bind(":0") for about a minute, while an explicit bind to it (Go sets
//     SO_REUSEADDR) still succeeds. macOS and Windows allocate ephemeral ports
//     sequentially, so the trick is unnecessary there.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// pickFreePort returns a port on ip that is free now and was not handed out
// to another server in this process.
func pickFreePort(ip string) (int, error) {
	for range 50 {
		port, err := probePort(ip)
		if err != nil {
			return 0, err
		}
		handedOut.Lock()
		taken := handedOut.ports[port]
		if !taken {
			handedOut.ports[port] = true
		}
		handedOut.Unlock()
		if !taken {
			return port, nil
		}
	}
	return 0, errors.New("devserver: no free port found after 50 attempts")
}

func releasePorts(ports []int) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for _, p := range ports {
		delete(handedOut.ports, p)
	}
}

func probePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: probing for a free port on %s: %w", ip, err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return port, nil
	}
	// Put the port into TIME_WAIT: connect, accept, and close the accepted
	// (server) side before the client side.
	c, err := net.Dial("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("devserver: probing port %d: %w", port, err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		return 0, fmt.Errorf("devserver: probing port %d: %w", port, err)
	}
	_ = s.Close()
	return port, nil
}

// checkPortFree reports a clear error for a port the caller asked for
// explicitly, before the server fails deep inside its start-up.
func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("devserver: port %d on %s is not available: %w", port, ip, err)
	}
	return l.Close()
}

// isAddrInUse tells whether a start failed because a port picked by
// pickFreePort was taken in the meantime, in which case a retry with fresh
// ports is worth it.
func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE)
}
