-- 0026: the language each account's pages are shown in (SQLite). Same column
-- as migrations/postgres/0026_account_lang.sql.
ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en'));
