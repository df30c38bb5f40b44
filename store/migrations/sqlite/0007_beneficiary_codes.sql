-- 0007: beneficiaries sign in with a one-time code sent to their mobile
-- (SQLite). Same tables, columns and indexes as
-- migrations/postgres/0007_beneficiary_codes.sql. (0006 is another branch's;
-- Migrate applies each missing version on its own, so the gap is harmless.)
-- Neither table holds a mobile number in clear:
-- mobile_hash is an HMAC of the E.164 number under a key derived from the
--   tracking secret, so codes and sessions are found by mobile without the
--   table listing who signed in.
-- code_hash is an HMAC of the mobile and the 6-digit code; a code is live
--   until expires_at, its first successful use (used_at), its 5th attempt, or
--   a newer code for the same mobile (revoked_at).
-- A session keeps the hex SHA-256 of its opaque token and the mobile sealed
--   (AES-GCM) under a key derived from that token, so only the bearer's
--   requests can read whose session it is.
-- The tickets index serves the beneficiary's own list (newest first) and the
-- "has this mobile any ticket" probe.

CREATE TABLE beneficiary_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mobile_hash TEXT NOT NULL CHECK (length(mobile_hash) = 64),
    code_hash   TEXT NOT NULL CHECK (length(code_hash) = 64),
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME,
    revoked_at  DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE INDEX ix_beneficiary_codes_mobile ON beneficiary_codes (mobile_hash, created_at);

CREATE TABLE beneficiary_sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL CHECK (length(token_hash) = 64),
    mobile_hash   TEXT NOT NULL CHECK (length(mobile_hash) = 64),
    mobile_sealed BLOB NOT NULL,
    expires_at    DATETIME NOT NULL,
    revoked_at    DATETIME,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_beneficiary_sessions_token_hash ON beneficiary_sessions (token_hash);
CREATE INDEX ix_beneficiary_sessions_mobile ON beneficiary_sessions (mobile_hash);

CREATE INDEX ix_tickets_beneficiary_created ON tickets (beneficiary_mobile, created_at, number);
