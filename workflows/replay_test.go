package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/tawasul/tawasul/workflows"
)

// TestReplayRecordedHistories replays every history recorded from a real server
// (workflows/testdata, written by the e2e tests with TAWASUL_RECORD_HISTORIES=1)
// against the current workflow code. A change that is not behind
// workflow.GetVersion fails here with a non-determinism error.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Each workflow type must have at least one recorded history.
	want := map[string]bool{"ticket_": false, "escalation_": false, "rollout_": false, "surveycalls_": false}
	for _, f := range files {
		for prefix := range want {
			if strings.HasPrefix(filepath.Base(f), prefix) {
				want[prefix] = true
			}
		}
	}
	for prefix, ok := range want {
		if !ok {
			t.Fatalf("no recorded history %s*.json in testdata", prefix)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replaying %s: %v", f, err)
			}
		})
	}
}
