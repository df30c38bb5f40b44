-- 0002: the append-only audit log (SQLite).
-- Same table, columns and indexes as migrations/postgres/0002_audit.sql.
-- Each row holds the previous row's hash (64 zeros for the first row) and its
-- own hash over a canonical encoding of its fields (store/audit.go), so an
-- edited, removed or inserted row breaks the chain at that point. "at" is a
-- DATETIME of integer microseconds, like every instant in 0001. Both hashes
-- are unique: two rows can never chain to the same predecessor (a fork fails
-- loudly instead of splitting the chain).

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         DATETIME NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    actor_role TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL CHECK (action <> ''),
    subject    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    prev_hash  TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash       TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE UNIQUE INDEX ux_audit_log_hash ON audit_log (hash);
CREATE UNIQUE INDEX ux_audit_log_prev_hash ON audit_log (prev_hash);
