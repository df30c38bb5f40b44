-- 0006: why a policy version was made (SQLite). Same column as
-- migrations/postgres/0006_policy_reason.sql.
-- reason: the author's own words, Arabic or English (the API requires 3 to 500
--   characters after normalization); '' on versions stored before this
--   migration and on the seeded default. The column, not the JSON body, is
--   what a version's reason is read from, like version, created_by, created_at.
ALTER TABLE policies ADD COLUMN reason TEXT NOT NULL DEFAULT '';
