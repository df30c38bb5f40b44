-- 0016: the satisfaction survey's daily call list (SQLite). Same table,
-- columns and indexes as migrations/postgres/0016_survey_calls.sql, where
-- the columns are explained. (0017 is another branch's; Migrate applies each
-- missing version on its own.)

CREATE TABLE survey_calls (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    call_date     TEXT NOT NULL CHECK (call_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    ticket_number TEXT NOT NULL REFERENCES tickets (number),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'reached', 'declined', 'unreachable', 'wrong_number')),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    agent_id      TEXT NOT NULL DEFAULT '',
    rating        INTEGER NOT NULL DEFAULT 0,
    comment       TEXT NOT NULL DEFAULT '',
    key_hash      TEXT NOT NULL DEFAULT '',
    request_hash  TEXT NOT NULL DEFAULT '',
    recorded_at   DATETIME,
    created_at    DATETIME NOT NULL,
    CHECK ((status = 'reached' AND rating BETWEEN 1 AND 5) OR (status <> 'reached' AND rating = 0))
);
CREATE UNIQUE INDEX ux_survey_calls_day_ticket ON survey_calls (call_date, ticket_number);
CREATE INDEX ix_survey_calls_day_id ON survey_calls (call_date, id);
CREATE INDEX ix_survey_calls_day_status_id ON survey_calls (call_date, status, id);
CREATE INDEX ix_survey_calls_ticket ON survey_calls (ticket_number);
CREATE INDEX ix_tickets_closed_at ON tickets (closed_at) WHERE status = 'closed';
