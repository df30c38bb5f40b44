package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// defaultRetention matches what `tawasul dev` gives its namespace: closed
// tickets stay readable in Temporal for a week after they close.
const defaultRetention = 7 * 24 * time.Hour

// ensureNamespace registers the configured namespace on a fresh Temporal
// cluster and leaves an existing one as it is, so a deployment script can run
// it on every start. It returns once the namespace takes requests: the
// frontend's namespace cache learns a new namespace some seconds after it is
// registered, and until then starting a workflow in it fails.
func ensureNamespace(ctx context.Context, tc client.Client, namespace string, retention time.Duration, wait time.Duration, out io.Writer) error {
	ws := tc.WorkflowService()
	_, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	var notFound *serviceerror.NamespaceNotFound
	switch {
	case err == nil:
		fmt.Fprintf(out, "namespace %s exists\n", namespace)
	case errors.As(err, &notFound):
		_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        namespace,
			Description:                      "Tawasul tickets",
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		switch {
		case errors.As(err, &exists):
			// Another replica's start registered it first.
			fmt.Fprintf(out, "namespace %s exists\n", namespace)
		case err != nil:
			return fmt.Errorf("registering namespace %s: %w", namespace, err)
		default:
			fmt.Fprintf(out, "namespace %s registered (retention %s)\n", namespace, retention)
		}
	default:
		return fmt.Errorf("describing namespace %s: %w", namespace, err)
	}

	// A visibility count goes through the same namespace cache a workflow
	// start does, without leaving anything behind.
	deadline := time.Now().Add(wait)
	for {
		_, err := ws.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace})
		if err == nil {
			return nil
		}
		if !errors.As(err, &notFound) || time.Now().After(deadline) {
			return fmt.Errorf("namespace %s is registered but not usable yet: %w", namespace, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
