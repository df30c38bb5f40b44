// Package entities keeps the hierarchy of the ministry's entities (the 141
// beneficiary-care centers and the levels above them) in memory for a short
// while: authorization computes scopes from it on every request, intake and
// transfers look entities up, and the hierarchy changes rarely. One cache is
// shared by every front end, so an import seen by one is seen by all.
package entities

import (
	"context"
	"sync"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/store"
)

// DefaultTTL bounds how stale the hierarchy may be on a replica that did not
// make the change (the one that did invalidates at once).
const DefaultTTL = 30 * time.Second

// Cache is the cached hierarchy.
type Cache struct {
	ttl  time.Duration
	load func(context.Context) ([]store.Entity, error)
	now  func() time.Time

	mu     sync.Mutex
	list   []store.Entity
	index  *authz.Tree
	loaded time.Time
}

// NewCache loads through load, keeping what it read for ttl (DefaultTTL when
// not positive); now is the clock (time.Now when nil).
func NewCache(load func(context.Context) ([]store.Entity, error), ttl time.Duration, now func() time.Time) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{ttl: ttl, load: load, now: now}
}

// Invalidate drops the cached hierarchy (after an import).
func (ec *Cache) Invalidate() {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	ec.list, ec.index = nil, nil
}

// List is every entity.
func (ec *Cache) List(ctx context.Context) ([]store.Entity, error) {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	now := ec.now()
	if ec.list != nil && now.Sub(ec.loaded) < ec.ttl && !now.Before(ec.loaded) {
		return ec.list, nil
	}
	es, err := ec.load(ctx)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []store.Entity{}
	}
	nodes := make([]authz.Node, len(es))
	for i, e := range es {
		nodes[i] = authz.Node{Code: e.Code, Parent: e.Parent, Kind: e.Kind}
	}
	ec.list, ec.index, ec.loaded = es, authz.NewTree(nodes), now
	return es, nil
}

// Tree is the cached hierarchy as the authorization policy reads it.
func (ec *Cache) Tree(ctx context.Context) (*authz.Tree, error) {
	if _, err := ec.List(ctx); err != nil {
		return nil, err
	}
	ec.mu.Lock()
	defer ec.mu.Unlock()
	return ec.index, nil
}

// Find is the entity with code, or store.ErrNotFound.
func (ec *Cache) Find(ctx context.Context, code string) (store.Entity, error) {
	es, err := ec.List(ctx)
	if err != nil {
		return store.Entity{}, err
	}
	for _, e := range es {
		if e.Code == code {
			return e, nil
		}
	}
	return store.Entity{}, store.ErrNotFound
}
