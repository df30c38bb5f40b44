package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tawasul/tawasul/store"
)

// auditAnchorEvery is how often the API writes the audit log's head to its
// own log. The structured log is shipped off the machine (journald, a log
// collector), out of reach of whoever owns the database: a head found there
// and given to `tawasul audit verify --anchor` reveals a log rewritten or cut
// back since. At most this much of the log's end is unanchored at any time.
const auditAnchorEvery = 15 * time.Minute

// anchorAuditLoop logs the audit head at start and every interval until ctx
// ends.
func anchorAuditLoop(ctx context.Context, s *store.Store, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		logAuditHead(ctx, s, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// logAuditHead writes one anchor line: "audit head" with the last entry's id
// and hash (an HMAC under secrets.audit, which it does not reveal).
func logAuditHead(ctx context.Context, s *store.Store, log *slog.Logger) {
	head, err := s.AuditHead(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("audit head not anchored", "error", err)
		}
		return
	}
	log.Info("audit head", "id", head.ID, "hash", head.Hash)
}
