-- 0010: the SLA time a ticket's running countdown stood still while the
-- beneficiary was asked for information (SQLite). Same column as
-- migrations/postgres/0010_sla_paused.sql.
ALTER TABLE tickets ADD COLUMN sla_paused_seconds INTEGER NOT NULL DEFAULT 0;
