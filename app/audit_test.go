package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/store"
)

// The API anchors the audit head in its log: at start and at every interval,
// the head as it is then, in a line `tawasul audit verify --anchor` takes.
func TestAnchorAuditLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetAuditKey([]byte("an audit key for the app tests, 32+ bytes"))
	first, err := s.AppendAudit(ctx, store.AuditEntry{Action: "account.created"})
	if err != nil {
		t.Fatal(err)
	}
	// A file, not a buffer: the loop writes while the test reads.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	log := slog.New(slog.NewJSONHandler(logFile, nil))
	logged := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	done := make(chan struct{})
	go func() { defer close(done); anchorAuditLoop(ctx, s, log, 20*time.Millisecond) }()
	heads := func() []store.AuditAnchor {
		var out []store.AuditAnchor
		for _, line := range strings.Split(strings.TrimSpace(logged()), "\n") {
			var rec struct {
				Msg  string
				ID   int64
				Hash string
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "audit head" {
				out = append(out, store.AuditAnchor{ID: rec.ID, Hash: rec.Hash})
			}
		}
		return out
	}
	waitFor := func(want store.AuditAnchor) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if h := heads(); len(h) > 0 && h[len(h)-1] == want {
				return
			}
		}
		t.Fatalf("no anchor %v in the log:\n%s", want, logged())
	}
	waitFor(store.AuditAnchor{ID: 1, Hash: first.Hash})
	second, err := s.AppendAudit(ctx, store.AuditEntry{Action: "account.disabled"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(store.AuditAnchor{ID: 2, Hash: second.Hash})
	cancel()
	<-done
	rep, err := s.VerifyAudit(context.Background(), heads())
	if err != nil || rep.Broken != 0 {
		t.Fatalf("the logged heads do not verify as anchors: %+v, %v", rep, err)
	}
}
