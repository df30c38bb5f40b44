-- 0025: staff search of tickets (SQLite). Same column and national ID index
-- as migrations/postgres/0025_ticket_search.sql; words are searched with a
-- LIKE over search_text, a scan, which SQLite's sizes allow. The Go step of
-- this migration (store/migrate.go, backfills) folds the rows already here.
ALTER TABLE tickets ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE INDEX ix_tickets_national_id_created ON tickets (beneficiary_national_id, created_at, number);
CREATE INDEX ix_tickets_created ON tickets (created_at, number);
