-- 0025: staff search of tickets (PostgreSQL).
-- search_text is the subject and the description folded by normalize.Fold
-- (Arabic spelling variants, diacritics, case, punctuation), written by the
-- store with every ticket it creates; the rows already here are folded by
-- the Go step that runs in this migration's transaction (store/migrate.go,
-- backfills): the rule lives in Go alone, not twice in SQL.
ALTER TABLE tickets ADD COLUMN search_text text NOT NULL DEFAULT '';

-- A national ID is searched exactly, newest first.
CREATE INDEX ix_tickets_national_id_created ON tickets (beneficiary_national_id, created_at, number);

-- Search lists newest first: a word most tickets hold is found by walking
-- this index back from the newest and stopping at a page's worth, where the
-- trigram index below would have every match fetched and sorted.
CREATE INDEX ix_tickets_created ON tickets (created_at, number);

-- Words are searched as substrings (LIKE '%word%'), which only a trigram
-- index can serve; BENCHMARKS.md has the figures at 100,000 tickets. pg_trgm
-- ships with PostgreSQL (contrib) and is a trusted extension, so the database
-- owner may create it; where it is missing or may not be created, searches
-- still work, as scans. It goes into public when it may (a schema dropped
-- with CASCADE would take a shared extension, and every index on it, along),
-- else into the current schema; the index names the operator class by the
-- schema the extension is in, so it needs neither on the search_path.
DO $$
DECLARE
    ext_schema text;
    target text;
BEGIN
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        FOREACH target IN ARRAY ARRAY['public', current_schema()] LOOP
            BEGIN
                EXECUTE format('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA %I', target);
            EXCEPTION WHEN insufficient_privilege OR invalid_schema_name OR unique_violation OR duplicate_object THEN
                -- No right here, or another process created it meanwhile.
            END;
            SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname = 'pg_trgm';
            EXIT WHEN ext_schema IS NOT NULL;
        END LOOP;
    END IF;
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX ix_tickets_search_trgm ON tickets USING gin (search_text %I.gin_trgm_ops)', ext_schema);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: ticket word search scans the table';
    END IF;
END
$$;
