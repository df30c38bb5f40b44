-- 0027: who has a ticket's page open now (PostgreSQL), so the ticket page can
-- say that someone else is working on it. A row per (ticket, staff actor),
-- refreshed while the page stays open (the page polls); a row older than a
-- few polls means the person left. Rows an hour old are deleted as the
-- ticket's rows are next written. Kept in the read model, not in a process,
-- so every API replica sees the same people.
CREATE TABLE ticket_presence (
    ticket_number text        NOT NULL,
    actor_id      text        NOT NULL,
    name          text        NOT NULL,
    seen_at       timestamptz NOT NULL,
    PRIMARY KEY (ticket_number, actor_id)
);
