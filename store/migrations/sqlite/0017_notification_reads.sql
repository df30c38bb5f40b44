-- 0017: the officials' in-app notifications as a screen (SQLite). Same
-- columns, table and index as migrations/postgres/0017_notification_reads.sql,
-- which says why: outbox.params renders an inbox row in its reader's language,
-- notification_reads keeps read state per person (rows, not a watermark), and
-- the partial index serves a reader's pages and unread count.
ALTER TABLE outbox ADD COLUMN params TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS ix_outbox_inbox ON outbox (recipient, id) WHERE channel = 'inbox';
CREATE TABLE notification_reads (
    reader    TEXT NOT NULL CHECK (reader <> ''),
    outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    read_at   DATETIME NOT NULL,
    PRIMARY KEY (reader, outbox_id)
);
