package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/devserver"
)

// A fresh namespace is registered with the retention asked for and takes a
// workflow start at once; asked again, it is left as it is.
func TestEnsureNamespace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{Memory: true, UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	const ns = "tawasul-prod"
	tc, err := app.Dial(ctx, config.TemporalConfig{Namespace: ns}, srv.FrontendHostPort(), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	var out bytes.Buffer
	if err := ensureNamespace(ctx, tc, ns, 72*time.Hour, 30*time.Second, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "namespace tawasul-prod registered (retention 72h0m0s)\n" {
		t.Fatalf("first run said %q", got)
	}
	d, err := tc.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); r != 72*time.Hour {
		t.Fatalf("retention %s", r)
	}
	// No worker is needed for the start to be accepted: that is all "usable"
	// promises.
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "probe", TaskQueue: "nobody"}, "Probe"); err != nil {
		t.Fatalf("start right after registering: %v", err)
	}

	out.Reset()
	if err := ensureNamespace(ctx, tc, ns, time.Hour, time.Second, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "namespace tawasul-prod exists\n" {
		t.Fatalf("second run said %q", got)
	}
	d, _ = tc.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if r := d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); r != 72*time.Hour {
		t.Fatalf("an existing namespace's retention was changed to %s", r)
	}
}
