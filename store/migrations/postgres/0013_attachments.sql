-- 0013: documents attached to tickets (PostgreSQL). Same table, columns and
-- indexes as migrations/sqlite/0013_attachments.sql. (0011 and 0012 are
-- other branches'; Migrate applies each missing version on its own.)
-- The bytes live in the attachment store (a directory in dev) under
-- storage_key; a row is written only once its blob is stored, so every row
-- has its blob. name is the sanitized original name, kept as metadata only.
-- public: the beneficiary sees it (their own uploads, and staff documents
-- shared with an answer). The ticket index serves a ticket's list and the
-- per-ticket count limit.

CREATE TABLE attachments (
    id               text PRIMARY KEY CHECK (length(id) = 32),
    ticket_number    text NOT NULL REFERENCES tickets (number),
    purpose          text NOT NULL CHECK (purpose IN ('filing', 'response', 'objection', 'info', 'note')),
    public           boolean NOT NULL DEFAULT false,
    uploaded_by_id   text NOT NULL CHECK (uploaded_by_id <> ''),
    uploaded_by_role text NOT NULL CHECK (uploaded_by_role <> ''),
    name             text NOT NULL CHECK (name <> ''),
    content_type     text NOT NULL CHECK (content_type <> ''),
    size             bigint NOT NULL CHECK (size > 0),
    sha256           text NOT NULL CHECK (length(sha256) = 64),
    storage_key      text NOT NULL CHECK (storage_key <> ''),
    created_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_attachments_storage_key ON attachments (storage_key);
CREATE INDEX ix_attachments_ticket ON attachments (ticket_number, created_at);
