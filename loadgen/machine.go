package loadgen

import (
	"os"
	"runtime"
	"strings"
)

// Machine is what a figure needs beside it to be read: the CPUs and how
// busy the machine already was (other processes share it).
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	LoadStart string `json:"loadavg_start,omitempty"`
	LoadEnd   string `json:"loadavg_end,omitempty"`
}

func newMachine() *Machine {
	return &Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), LoadStart: loadAvg()}
}

// loadAvg is the 1, 5 and 15 minute load averages where the system has
// them (Linux), else "".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
