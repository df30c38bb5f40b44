-- 0001: the read model's first schema (SQLite).
-- Same tables, columns and indexes as migrations/postgres/0001_init.sql.
-- Instants are DATETIME columns holding integer microseconds since the Unix
-- epoch (see sqliteParams in store.go): the declared type DATETIME is what makes
-- the driver decode them back to time.Time. Booleans are 0/1 integers.

CREATE TABLE entities (
    code    TEXT PRIMARY KEY NOT NULL CHECK (code <> '' AND length(code) <= 32),
    name_ar TEXT NOT NULL CHECK (name_ar <> ''),
    name_en TEXT NOT NULL DEFAULT '',
    kind    TEXT NOT NULL CHECK (kind <> ''),
    parent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_entities_parent ON entities (parent);

CREATE TABLE tickets (
    number                  TEXT PRIMARY KEY NOT NULL,
    kind                    TEXT NOT NULL,
    channel                 TEXT NOT NULL,
    priority                TEXT NOT NULL,
    status                  TEXT NOT NULL,
    subject                 TEXT NOT NULL,
    description             TEXT NOT NULL,
    entity                  TEXT NOT NULL,
    responsible_entity      TEXT NOT NULL,
    beneficiary_name        TEXT NOT NULL,
    beneficiary_national_id TEXT NOT NULL,
    beneficiary_mobile      TEXT NOT NULL,
    beneficiary_email       TEXT NOT NULL DEFAULT '',
    beneficiary_type        TEXT NOT NULL,
    beneficiary_gender      TEXT NOT NULL DEFAULT '',
    beneficiary_nationality TEXT NOT NULL DEFAULT '',
    tracking_hash           TEXT NOT NULL,
    policy_version          INTEGER NOT NULL DEFAULT 0,
    round                   INTEGER NOT NULL DEFAULT 0,
    escalation_level        INTEGER NOT NULL DEFAULT 0,
    escalation_role         TEXT NOT NULL DEFAULT '',
    sla_due_at              DATETIME NOT NULL,
    objection_until         DATETIME,
    responded_at            DATETIME,
    closed_at               DATETIME,
    filed_by_id             TEXT NOT NULL DEFAULT '',
    filed_by_role           TEXT NOT NULL DEFAULT '',
    workflow_started        INTEGER NOT NULL DEFAULT 0 CHECK (workflow_started IN (0, 1)),
    version                 INTEGER NOT NULL DEFAULT 0,
    created_at              DATETIME NOT NULL,
    updated_at              DATETIME NOT NULL
);
CREATE INDEX ix_tickets_due ON tickets (sla_due_at, number);
CREATE INDEX ix_tickets_status_due ON tickets (status, sla_due_at, number);
CREATE INDEX ix_tickets_responsible_status_due ON tickets (responsible_entity, status, sla_due_at, number);
CREATE INDEX ix_tickets_unstarted ON tickets (workflow_started, created_at);

CREATE TABLE ticket_events (
    id            INTEGER PRIMARY KEY,
    ticket_number TEXT NOT NULL REFERENCES tickets (number),
    seq           INTEGER NOT NULL,
    type          TEXT NOT NULL,
    at            DATETIME NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_role    TEXT NOT NULL DEFAULT '',
    entity        TEXT NOT NULL DEFAULT '',
    level         INTEGER NOT NULL DEFAULT 0,
    public        INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    message       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ux_ticket_events_seq ON ticket_events (ticket_number, seq);

CREATE TABLE policies (
    version    INTEGER PRIMARY KEY CHECK (version > 0),
    body       TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    "key"         TEXT NOT NULL CHECK ("key" <> ''),
    ticket_number TEXT NOT NULL DEFAULT '',
    channel       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    template      TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    sent_at       DATETIME
);
CREATE UNIQUE INDEX ux_outbox_key ON outbox ("key");
CREATE INDEX ix_outbox_ticket ON outbox (ticket_number, id);
CREATE INDEX ix_outbox_status ON outbox (status, id);

CREATE TABLE idempotency_keys (
    key_hash      TEXT PRIMARY KEY NOT NULL,
    request_hash  TEXT NOT NULL,
    ticket_number TEXT NOT NULL REFERENCES tickets (number),
    sealed_code   BLOB,
    created_at    DATETIME NOT NULL
);

CREATE TABLE ticket_counters (
    year   INTEGER PRIMARY KEY,
    "last" INTEGER NOT NULL
);
