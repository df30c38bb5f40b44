package workflows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/tawasul/tawasul/workflows"
)

// TestReplayRecordedHistories replays every history recorded from a real server
// (workflows/testdata, written by the e2e tests with TAWASUL_RECORD_HISTORIES=1)
// against the current workflow code. A change that is not behind
// workflow.GetVersion fails here with a non-determinism error.
func TestReplayRecordedHistories(t *testing.T) {
	files := corpus(t)
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

// The corpus is what the one path records: a ticket carries one version
// marker and one search-attribute upsert, the baseline's, a rung none, and no
// database step goes through the task queue. Without this, a recording made
// by older code would replay and prove nothing about the code of today.
func TestRecordedHistoriesTakeTheOnePath(t *testing.T) {
	var tickets, rungs int
	for _, f := range corpus(t) {
		h := readHistory(t, f)
		markers, upserts := versionMarkers(t, h), 0
		for _, e := range h.Events {
			if e.EventType == enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
				upserts++
			}
		}
		switch base := filepath.Base(f); {
		case strings.HasPrefix(base, "ticket_"):
			tickets++
			if len(markers) != 1 || markers[0] != "baseline-2026-12" || upserts != 1 {
				t.Errorf("%s: version markers %v and %d upserts, want the baseline's alone", f, markers, upserts)
			}
		case strings.HasPrefix(base, "escalation_"):
			rungs++
			if len(markers) != 0 || upserts != 0 {
				t.Errorf("%s: version markers %v and %d upserts in a rung", f, markers, upserts)
			}
		}
		noDatabaseStepQueued(t, f, h)
	}
	if tickets < 3 || rungs < 1 {
		t.Fatalf("want the ticket's paths and a rung recorded, found %d tickets and %d rungs", tickets, rungs)
	}
}

// Every rung that runs past its halfway point reminds its holder, so the
// corpus must hold one whose reminder fired: its input reminds before the
// deadline, the reminder's timer fired, the reminder's Notify ran, and only
// then did the deadline's timer start. Without such a recording, dropping the
// reminder or splitting its timer in two would replay every history cleanly.
func TestRecordedRungReminderFired(t *testing.T) {
	var fired []string
	for _, f := range corpus(t) {
		if strings.HasPrefix(filepath.Base(f), "escalation_") && reminderFired(t, readHistory(t, f)) {
			fired = append(fired, f)
		}
	}
	if len(fired) == 0 {
		t.Fatal("no recorded rung whose halfway reminder fired before its deadline (record one: docs/architecture.md)")
	}
}

// reminderFired reports whether h is a rung that was to remind before its
// deadline and whose first timer (the reminder's) fired, followed by a Notify
// step, before its second timer (the deadline's) started.
func reminderFired(t *testing.T, h *historypb.History) bool {
	t.Helper()
	evs := h.Events
	if len(evs) == 0 {
		return false
	}
	var in workflows.EscalationInput
	start := evs[0].GetWorkflowExecutionStartedEventAttributes()
	if start == nil || converter.GetDefaultDataConverter().FromPayloads(start.Input, &in) != nil ||
		in.RemindAt.IsZero() || !in.RemindAt.Before(in.DueAt) {
		return false
	}
	var timers []int64 // the started timers' event ids, in order
	reminderFired, notified := false, false
	for _, e := range evs {
		switch e.EventType {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			if len(timers) == 1 {
				return reminderFired && notified
			}
			timers = append(timers, e.EventId)
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			if len(timers) == 1 && e.GetTimerFiredEventAttributes().GetStartedEventId() == timers[0] {
				reminderFired = true
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if reminderFired && localActivityType(t, e) == workflows.ActivityNotify {
				notified = true
			}
		}
	}
	return false
}

// localActivityType is the activity a local-activity marker recorded ("" for
// any other event).
func localActivityType(t *testing.T, e *historypb.HistoryEvent) string {
	t.Helper()
	m := e.GetMarkerRecordedEventAttributes()
	if m == nil || m.MarkerName != "LocalActivity" {
		return ""
	}
	var data struct{ ActivityType string }
	if err := converter.GetDefaultDataConverter().FromPayloads(m.Details["data"], &data); err != nil {
		t.Fatalf("event %d: local activity marker: %v", e.EventId, err)
	}
	return data.ActivityType
}

// corpus lists the recorded histories.
func corpus(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// noDatabaseStepQueued fails t for a database step scheduled on the task
// queue: they run inside the workflow task (workflows.step).
func noDatabaseStepQueued(t *testing.T, f string, h *historypb.History) {
	t.Helper()
	for _, e := range h.Events {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			switch a.ActivityType.GetName() {
			case workflows.ActivityRecordChange, workflows.ActivityNotify, workflows.ActivityResolveLevel,
				workflows.ActivityReviewEntity, workflows.ActivitySuggestAssignee:
				t.Errorf("%s: event %d schedules %s on the task queue", f, e.EventId, a.ActivityType.GetName())
			}
		}
	}
}

func readHistory(t *testing.T, path string) *historypb.History {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	h, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return h
}

// versionMarkers lists the change IDs of h's version markers, in order.
func versionMarkers(t *testing.T, h *historypb.History) []string {
	t.Helper()
	var ids []string
	for _, e := range h.Events {
		if e.EventType != enumspb.EVENT_TYPE_MARKER_RECORDED {
			continue
		}
		m := e.GetMarkerRecordedEventAttributes()
		if m.MarkerName != "Version" {
			continue
		}
		var id string
		if err := converter.GetDefaultDataConverter().FromPayloads(m.Details["change-id"], &id); err != nil {
			t.Fatalf("event %d: change id: %v", e.EventId, err)
		}
		ids = append(ids, id)
	}
	return ids
}
