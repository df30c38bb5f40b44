-- 0011: delivering the outbox (SQLite). Same columns as
-- migrations/postgres/0011_outbox_delivery.sql.
-- subject: the e-mail subject, rendered with the body.
-- attempts, next_attempt_at, last_error: the dispatcher's bookkeeping. A
--   claimed row's next_attempt_at is pushed to the end of its lease, so a
--   worker that dies mid-send leaves it due again once the lease runs out.
--   Rows queued before this migration are due at once (0 = the epoch).
-- tickets.beneficiary_language: the language the beneficiary reads ('ar' or 'en').
ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at DATETIME NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
ALTER TABLE tickets ADD COLUMN beneficiary_language TEXT NOT NULL DEFAULT 'ar';
