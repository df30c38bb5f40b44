-- 0008: refresh-token reuse detection and the purge of dead credentials (PostgreSQL).
-- prev_refresh_hash: the refresh token a session rotated away from. Presenting
--   it again (after a grace of a few seconds for a client's own double submit)
--   means it was copied: the session is revoked.
-- The indexes let the hourly purge find expired and revoked rows without
-- scanning the tables.
ALTER TABLE sessions ADD COLUMN prev_refresh_hash text NOT NULL DEFAULT '';
CREATE INDEX ix_sessions_prev_refresh_hash ON sessions (prev_refresh_hash);
CREATE INDEX ix_sessions_refresh_expires ON sessions (refresh_expires_at);
CREATE INDEX ix_beneficiary_codes_created ON beneficiary_codes (created_at);
CREATE INDEX ix_beneficiary_sessions_expires ON beneficiary_sessions (expires_at);
