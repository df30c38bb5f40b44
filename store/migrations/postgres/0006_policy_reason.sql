-- 0006: why a policy version was made (PostgreSQL).
-- reason: the author's own words, Arabic or English (the API requires 3 to 500
--   characters after normalization); '' on versions stored before this
--   migration and on the seeded default. The column, not the JSON body, is
--   what a version's reason is read from, like version, created_by, created_at.
ALTER TABLE policies ADD COLUMN reason text NOT NULL DEFAULT '';
