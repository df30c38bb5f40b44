-- 0026: the language each account's pages are shown in (PostgreSQL): 'ar'
-- (every account before this migration, and the default) or 'en'. The web
-- pages' Arabic/English switch is remembered per account, so a staff member
-- finds their choice again from any browser. The JSON API ignores it: a
-- client negotiates its language per request (Accept-Language).
ALTER TABLE accounts ADD COLUMN lang text NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en'));
