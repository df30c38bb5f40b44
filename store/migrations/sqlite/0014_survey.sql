-- 0014: the satisfaction survey and the quality follow-up a low rating opens
-- (SQLite). Same columns and index as migrations/postgres/0014_survey.sql.
ALTER TABLE tickets ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN rated_at DATETIME;
ALTER TABLE tickets ADD COLUMN follow_up_status TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN follow_up_entity TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN follow_up_due_at DATETIME;
CREATE INDEX ix_tickets_follow_up ON tickets (follow_up_entity, follow_up_status, follow_up_due_at);
