-- 0018: requests to meet the minister (PostgreSQL). meeting_status '' = none,
-- else offered, booked, slot_declined, lapsed, declined, held, missed or
-- withdrawn (workflows.Meeting*); the partial index serves the minister's
-- office's calendar of the slots offered and booked, soonest first.
ALTER TABLE tickets ADD COLUMN meeting_status text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN meeting_at timestamptz;
ALTER TABLE tickets ADD COLUMN meeting_place text NOT NULL DEFAULT '';
CREATE INDEX ix_tickets_meetings ON tickets (meeting_at, number)
    WHERE status IN ('meeting_offered', 'meeting_booked');
