-- 0015: what each staffed channel records (SQLite). Same columns, table and
-- index as migrations/postgres/0015_channel_details.sql.
ALTER TABLE tickets ADD COLUMN channel_details TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN queue_number TEXT NOT NULL DEFAULT '';
CREATE TABLE queue_counters (
    entity TEXT NOT NULL,
    day    TEXT NOT NULL,
    "last" INTEGER NOT NULL,
    PRIMARY KEY (entity, day)
);
CREATE INDEX ix_tickets_channel_created ON tickets (channel, created_at);
