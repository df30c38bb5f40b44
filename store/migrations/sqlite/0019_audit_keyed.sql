-- 0019: the audit chain keyed with secrets.audit (SQLite).
-- Same column as migrations/postgres/0019_audit_keyed.sql. chain says how a
-- row's hash was made: 1 plain SHA-256 (every row written before this
-- migration, and rows written without secrets.audit, as in dev), 2
-- HMAC-SHA256 under secrets.audit, covering the row's id as well
-- (store/audit.go). Existing rows stay chain 1: no migration can key them,
-- the key is not in the database; `tawasul audit verify` names them as made
-- unkeyed.

ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1 CHECK (chain IN (1, 2));
