-- 0020: whether a ticket's beneficiary mobile is proven (SQLite). Same column
-- and backfill as migrations/postgres/0020_mobile_proven.sql.
ALTER TABLE tickets ADD COLUMN mobile_proven_at DATETIME;
UPDATE tickets SET mobile_proven_at = created_at;
