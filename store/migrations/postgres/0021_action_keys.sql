-- 0020: Idempotency-Keys of ticket actions, bound to their request, and the
-- credential behind every timeline line (PostgreSQL).
--
-- action_keys: one row per (ticket, actor, client key), claimed before the
--   action's workflow update is sent (tickets/actionkeys.go). key_hash is the
--   hex SHA-256 of the three; request_hash that of the update's name and
--   request. The same key with another request is refused (422
--   idempotency_key_reused) instead of answering the first action's result.
--   Rows go after a week (the API's purge loop): a key is a retry's, and
--   clients retry within minutes.
--
-- ticket_events.actor_via, actor_caller, actor_client: the credential an
--   action came with (session, token, tracking_code, beneficiary_session),
--   who was behind it when the actor's id does not say (a beneficiary
--   session, a staff token presented with a tracking code), and a keyed hash
--   of the client address on the beneficiary's actions. '' on lines written
--   before this migration and on the system's own.
CREATE TABLE action_keys (
    key_hash      text PRIMARY KEY,
    request_hash  text NOT NULL,
    ticket_number text NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL
);
CREATE INDEX ix_action_keys_created ON action_keys (created_at);
ALTER TABLE ticket_events ADD COLUMN actor_via text NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN actor_caller text NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN actor_client text NOT NULL DEFAULT '';
