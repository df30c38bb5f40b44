package worker

import "testing"

func TestPollerOptions(t *testing.T) {
	fixed := sdkOptions(Options{WorkflowPollers: 8, ActivityPollers: 4})
	if fixed.MaxConcurrentWorkflowTaskPollers != 8 || fixed.MaxConcurrentActivityTaskPollers != 4 ||
		fixed.WorkflowTaskPollerBehavior != nil || fixed.ActivityTaskPollerBehavior != nil {
		t.Fatalf("fixed pollers: %+v", fixed)
	}
	// The SDK refuses a worker given both a count and a behavior.
	auto := sdkOptions(Options{AutoscalePollers: true, WorkflowPollers: 8})
	if auto.MaxConcurrentWorkflowTaskPollers != 0 || auto.MaxConcurrentActivityTaskPollers != 0 ||
		auto.WorkflowTaskPollerBehavior == nil || auto.ActivityTaskPollerBehavior == nil {
		t.Fatalf("autoscaled pollers: %+v", auto)
	}
}
