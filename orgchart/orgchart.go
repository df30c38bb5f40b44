// Package orgchart is the administrators' use cases on the organization:
// exporting it as an entities CSV file and importing one over it. The JSON
// API and the web pages both call it, so the file's rules (package seed),
// the all-or-nothing write and its audit entry live here once.
package orgchart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/tawasul/tawasul/auditlog"
	"github.com/tawasul/tawasul/entities"
	"github.com/tawasul/tawasul/seed"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Service imports and exports the organization.
type Service struct {
	store *store.Store
	audit *auditlog.Writer
	cache *entities.Cache
	log   *slog.Logger
}

// New builds the use cases over st; cache is the entities cache the import
// invalidates, so the next reader sees the new organization at once.
func New(st *store.Store, audit *auditlog.Writer, cache *entities.Cache, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, audit: audit, cache: cache, log: log}
}

// Export writes the organization as an entities CSV file.
func (s *Service) Export(ctx context.Context, w io.Writer) error {
	es, err := s.store.ListEntities(ctx)
	if err != nil {
		return fmt.Errorf("list entities: %w", err)
	}
	if err := seed.WriteEntities(w, es); err != nil {
		return fmt.Errorf("write entities CSV: %w", err)
	}
	return nil
}

// Imported is what an import did.
type Imported struct {
	// Lines is how many entities the file held.
	Lines int
	// Changes are the entities added or altered, by code (the rest of the
	// file's lines matched the organization already).
	Changes []store.EntityChange
}

// Import merges an entities CSV file into the organization. Every bad line
// comes back at once as seed.RowErrors, and nothing is written unless every
// line is good (the upsert is one transaction). The audit entry, in that
// transaction, lists every entity added or altered with its row before and
// after (store.UpsertEntities): a new parent changes which sector sees the
// entity's tickets.
func (s *Service) Import(ctx context.Context, actor workflows.Actor, csv []byte) (Imported, error) {
	existing, err := s.store.ListEntities(ctx)
	if err != nil {
		return Imported{}, fmt.Errorf("list entities: %w", err)
	}
	es, err := seed.ParseEntitiesOnto(bytes.NewReader(csv), existing)
	if err != nil {
		return Imported{}, err
	}
	if err := s.audit.Audited(ctx, actor, auditlog.EntitiesImported, "entities", map[string]any{"count": len(es)}, func(ctx context.Context) error {
		return s.store.UpsertEntities(ctx, es)
	}); err != nil {
		return Imported{}, fmt.Errorf("import entities: %w", err)
	}
	s.cache.Invalidate()
	s.log.Info("entities imported", "count", len(es), "actor", actor.ID)
	// What the page shows; the audit entry holds the same list, computed
	// inside the transaction.
	return Imported{Lines: len(es), Changes: store.EntityChanges(existing, es)}, nil
}
