-- 0018: requests to meet the minister (SQLite). Same columns and index as
-- migrations/postgres/0018_meetings.sql.
ALTER TABLE tickets ADD COLUMN meeting_status TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN meeting_at DATETIME;
ALTER TABLE tickets ADD COLUMN meeting_place TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_tickets_meetings ON tickets (meeting_at, number)
    WHERE status IN ('meeting_offered', 'meeting_booked');
