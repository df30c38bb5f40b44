-- 0013: documents attached to tickets (SQLite). Same table, columns and
-- indexes as migrations/postgres/0013_attachments.sql. (0011 and 0012 are
-- other branches'; Migrate applies each missing version on its own.)
-- The bytes live in the attachment store (a directory in dev) under
-- storage_key; a row is written only once its blob is stored, so every row
-- has its blob. name is the sanitized original name, kept as metadata only.
-- public: the beneficiary sees it (their own uploads, and staff documents
-- shared with an answer). The ticket index serves a ticket's list and the
-- per-ticket count limit.

CREATE TABLE attachments (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),
    ticket_number    TEXT NOT NULL REFERENCES tickets (number),
    purpose          TEXT NOT NULL CHECK (purpose IN ('filing', 'response', 'objection', 'info', 'note')),
    public           INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    uploaded_by_id   TEXT NOT NULL CHECK (uploaded_by_id <> ''),
    uploaded_by_role TEXT NOT NULL CHECK (uploaded_by_role <> ''),
    name             TEXT NOT NULL CHECK (name <> ''),
    content_type     TEXT NOT NULL CHECK (content_type <> ''),
    size             INTEGER NOT NULL CHECK (size > 0),
    sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
    storage_key      TEXT NOT NULL CHECK (storage_key <> ''),
    created_at       DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_attachments_storage_key ON attachments (storage_key);
CREATE INDEX ix_attachments_ticket ON attachments (ticket_number, created_at);
