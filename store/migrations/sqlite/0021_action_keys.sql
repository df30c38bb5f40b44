-- 0020: Idempotency-Keys of ticket actions, bound to their request, and the
-- credential behind every timeline line (SQLite). Same tables and columns as
-- migrations/postgres/0020_action_keys.sql, which says why.
CREATE TABLE action_keys (
    key_hash      TEXT PRIMARY KEY,
    request_hash  TEXT NOT NULL,
    ticket_number TEXT NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL
);
CREATE INDEX ix_action_keys_created ON action_keys (created_at);
ALTER TABLE ticket_events ADD COLUMN actor_via TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN actor_caller TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN actor_client TEXT NOT NULL DEFAULT '';
