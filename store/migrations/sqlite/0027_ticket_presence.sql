-- 0027: who has a ticket's page open now (SQLite). Same table as
-- migrations/postgres/0027_ticket_presence.sql.
CREATE TABLE ticket_presence (
    ticket_number TEXT     NOT NULL,
    actor_id      TEXT     NOT NULL,
    name          TEXT     NOT NULL,
    seen_at       DATETIME NOT NULL,
    PRIMARY KEY (ticket_number, actor_id)
);
