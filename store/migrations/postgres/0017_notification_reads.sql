-- 0017: the officials' in-app notifications as a screen (PostgreSQL).
-- An in-app notification is an outbox row of channel 'inbox'; its recipient
-- says who reads it ('care_center_manager@KSU', 'supervisor', 'user:alice';
-- see notify/recipients.go). (0016 is another branch's; Migrate applies each
-- missing version on its own.)
--
-- outbox.params: the template's parameters as a JSON object, kept for inbox
--   rows only, so the screen renders each message in its reader's language
--   (the body keeps Arabic then English). Rows queued before this migration
--   have none and are shown as their stored body.
--
-- notification_reads: one row per person and notification they marked read.
--   Read state is per person, not per recipient: two managers of one entity
--   read the same rows and each keeps their own unread state. reader is the
--   person's own recipient ('user:…'). A per-person watermark ("all ids up
--   to N are read") with exceptions would keep fewer rows, but outbox ids come
--   from a sequence and commit out of order: a notification committed just
--   after "mark all" may carry an id below the watermark and would be read
--   before anyone saw it. Rows cost one small tuple per notification read;
--   marking twice inserts nothing (primary key, ON CONFLICT DO NOTHING).
--
-- ix_outbox_inbox serves every query of the screen: a reader's page walks
--   each of their (at most three) recipients newest first, and the unread
--   count probes notification_reads by its primary key for each of them. It
--   is partial: SMS and e-mail rows, the great majority, are never looked up
--   by recipient. The queries write channel = 'inbox' as a literal (a planner
--   proves a partial index usable from constants only). Building it locks
--   outbox writes while it runs (inside Migrate's transaction); on a very
--   large outbox, create it beforehand with CREATE INDEX CONCURRENTLY under the
--   same name and definition, and this statement finds it there.
ALTER TABLE outbox ADD COLUMN params text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS ix_outbox_inbox ON outbox (recipient, id) WHERE channel = 'inbox';
CREATE TABLE notification_reads (
    reader    text NOT NULL CHECK (reader <> ''),
    outbox_id bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    read_at   timestamptz NOT NULL,
    PRIMARY KEY (reader, outbox_id)
);
