-- 0015: what each staffed channel records (PostgreSQL): how a call-center
-- caller was verified, the platform and account of a social-media post, the
-- e-mail filed from — as a JSON object — and the queue number reception gives
-- a walk-in visitor, drawn per entity and day from queue_counters.
ALTER TABLE tickets ADD COLUMN channel_details text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN queue_number text NOT NULL DEFAULT '';
CREATE TABLE queue_counters (
    entity text NOT NULL,
    day    text NOT NULL, -- the entity's local date, YYYY-MM-DD
    "last" bigint NOT NULL,
    PRIMARY KEY (entity, day)
);
CREATE INDEX ix_tickets_channel_created ON tickets (channel, created_at);
