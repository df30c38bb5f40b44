package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// The profiles answer on their own address, and an address that cannot be
// listened on stops the command instead of being ignored.
func TestServePprof(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	addr, stop, err := servePprof("127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("index: %d %.200s", res.StatusCode, body)
	}
	if _, _, err := servePprof(addr, log); err == nil {
		t.Fatal("a second server on the same address started")
	}
}
