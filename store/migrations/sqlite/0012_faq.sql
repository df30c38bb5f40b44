-- 0012: the FAQ bank (SQLite). Same tables, columns and indexes as
-- migrations/postgres/0012_faq.sql. (0011 is another branch's; Migrate
-- applies each missing version on its own, so the gap is harmless.)
-- faq_entries: questions and answers in Arabic (required) and English
--   (optional), a category code, the regulation or circular the answer rests
--   on, and the date (YYYY-MM-DD, kept as text: a day, not an instant) it was
--   last reviewed. Inactive entries are kept but never shown to the public.
-- faq_revision: one row whose counter every change to faq_entries (not the
--   helpful counts) bumps in the same transaction. Search replicas poll it to
--   learn that another process changed the bank; unlike max(updated_at) it
--   sees deletions and does not trust the writers' clocks.
-- faq_helpful_marks: who has already said an entry helped, per day: voter is
--   a keyed hash of the caller (an address or a staff actor), so one caller
--   counts once per entry per day and the table holds no address in clear.
--   Rows older than a few days are purged.

CREATE TABLE faq_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    question_ar   TEXT NOT NULL CHECK (question_ar <> ''),
    answer_ar     TEXT NOT NULL CHECK (answer_ar <> ''),
    question_en   TEXT NOT NULL DEFAULT '',
    answer_en     TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL CHECK (category <> ''),
    reference     TEXT NOT NULL DEFAULT '',
    reviewed_on   TEXT NOT NULL CHECK (reviewed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    helpful_count INTEGER NOT NULL DEFAULT 0 CHECK (helpful_count >= 0),
    created_by    TEXT NOT NULL DEFAULT '',
    updated_by    TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX ix_faq_entries_category ON faq_entries (category, id);

CREATE TABLE faq_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO faq_revision (id, revision) VALUES (1, 0);

CREATE TABLE faq_helpful_marks (
    entry_id INTEGER NOT NULL REFERENCES faq_entries (id) ON DELETE CASCADE,
    voter    TEXT NOT NULL CHECK (length(voter) = 64),
    day      TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    PRIMARY KEY (entry_id, voter, day)
);
CREATE INDEX ix_faq_helpful_marks_day ON faq_helpful_marks (day);
