package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/app"
)

// recordHistory writes a workflow's history to workflows/testdata/<name>.json
// when TAWASUL_RECORD_HISTORIES=1, so the replay tests in workflows/ can prove
// later code still replays what this code recorded. Recording is a deliberate
// act (after a deliberate workflow change, behind workflow.GetVersion), never
// part of an ordinary run. TAWASUL_RECORD_SUFFIX names the change
// (<name><suffix>.json), so the histories of the code before it stay beside.
//
// The payloads are recorded opened: the replay tests run without keys.
func recordHistory(t *testing.T, a *app.App, workflowID, name string) {
	t.Helper()
	if os.Getenv("TAWASUL_RECORD_HISTORIES") != "1" {
		return
	}
	iter := a.Client.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatalf("reading history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, e)
	}
	if failed, err := a.Codec.Open(context.Background(), h); err != nil || failed > 0 {
		t.Fatalf("opening the payloads of %s: %d not opened, %v", workflowID, failed, err)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", name+os.Getenv("TAWASUL_RECORD_SUFFIX")+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events of %s into %s", len(h.Events), workflowID, path)
}
