package entities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

func TestCacheReloadsAfterTTLAndInvalidate(t *testing.T) {
	loads := 0
	list := []store.Entity{{Code: "MOE", Kind: domain.EntityMinistry}, {Code: "RYD", Parent: "MOE"}}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c := NewCache(func(context.Context) ([]store.Entity, error) { loads++; return list, nil }, time.Minute, func() time.Time { return now })
	ctx := context.Background()
	if _, err := c.Find(ctx, "RYD"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Find(ctx, "JED"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown entity: %v", err)
	}
	tree, err := c.Tree(ctx)
	if err != nil || tree.Parent("RYD") != "MOE" {
		t.Fatalf("tree: %v", err)
	}
	if loads != 1 {
		t.Fatalf("loads = %d within the TTL, want 1", loads)
	}
	now = now.Add(2 * time.Minute)
	_, _ = c.List(ctx)
	c.Invalidate()
	_, _ = c.List(ctx)
	if loads != 3 {
		t.Fatalf("loads = %d after expiry and invalidation, want 3", loads)
	}
}
