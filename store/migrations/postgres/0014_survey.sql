-- 0014: the satisfaction survey and the quality follow-up a low rating opens
-- (PostgreSQL). rating 0 = not rated; follow_up_status '' = none, else open,
-- overdue or done; the index serves the care-center manager's follow-up queue.
ALTER TABLE tickets ADD COLUMN rating smallint NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN rated_at timestamptz;
ALTER TABLE tickets ADD COLUMN follow_up_status text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN follow_up_entity text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN follow_up_due_at timestamptz;
CREATE INDEX ix_tickets_follow_up ON tickets (follow_up_entity, follow_up_status, follow_up_due_at);
