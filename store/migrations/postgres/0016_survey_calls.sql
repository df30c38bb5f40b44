-- 0016: the satisfaction survey's daily call list (PostgreSQL). Same table,
-- columns and indexes as migrations/sqlite/0016_survey_calls.sql. (0017 is
-- another branch's; Migrate applies each missing version on its own.)
-- call_date is the local day (the policy's time zone, Asia/Riyadh) the list
-- is for; it samples tickets closed the day before. The beneficiary's name
-- and mobile are read from tickets, never copied here. status: pending until
-- a final outcome, or until the last allowed unanswered attempt; rating 1-5
-- only when reached. agent_id recorded the last attempt; key_hash and
-- request_hash are its Idempotency-Key (per agent) and request, so a retried
-- request is answered as a replay instead of counting another attempt.

CREATE TABLE survey_calls (
    id            bigserial PRIMARY KEY,
    call_date     text NOT NULL CHECK (call_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    ticket_number text NOT NULL REFERENCES tickets (number),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'reached', 'declined', 'unreachable', 'wrong_number')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    agent_id      text NOT NULL DEFAULT '',
    rating        smallint NOT NULL DEFAULT 0,
    comment       text NOT NULL DEFAULT '',
    key_hash      text NOT NULL DEFAULT '',
    request_hash  text NOT NULL DEFAULT '',
    recorded_at   timestamptz,
    created_at    timestamptz NOT NULL,
    CHECK ((status = 'reached' AND rating BETWEEN 1 AND 5) OR (status <> 'reached' AND rating = 0))
);
-- One call per ticket and day: a re-run of the day's sampling inserts nothing twice.
CREATE UNIQUE INDEX ux_survey_calls_day_ticket ON survey_calls (call_date, ticket_number);
-- The day's list in sampling order, whole or by status; the summary's range.
CREATE INDEX ix_survey_calls_day_id ON survey_calls (call_date, id);
CREATE INDEX ix_survey_calls_day_status_id ON survey_calls (call_date, status, id);
-- A ticket is called once, whichever day sampled it.
CREATE INDEX ix_survey_calls_ticket ON survey_calls (ticket_number);
-- The sampling reads the tickets closed in one day.
CREATE INDEX ix_tickets_closed_at ON tickets (closed_at) WHERE status = 'closed';
