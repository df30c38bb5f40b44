-- 0019: login failures counted per (account, client address), and the alerts
-- raised on their pattern (PostgreSQL).
-- Until now five failures from anywhere locked an account for everyone, so
-- anyone could lock any staff member out. Now each (username, address) pair
-- has its own count: an address that keeps failing waits longer and longer
-- (store.LoginDelay) before its next try, while the right password from a
-- clean address always works. username is case-folded (store.NormalizeUsername)
-- and need not name an account, so unknown names are throttled alike and the
-- answer does not tell which exist. address is the client address, an IPv6
-- one reduced to its /64. The account-wide counter and lock go.
-- login_alerts: when each alert (kind 'account': one account failing from many
-- addresses; kind 'address': one address failing on many accounts) was last
-- raised for its subject, so it is raised (and audited) once per window.

CREATE TABLE login_failures (
    username       text NOT NULL CHECK (username <> ''),
    address        text NOT NULL CHECK (address <> ''),
    failures       integer NOT NULL CHECK (failures > 0),
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX ix_login_failures_address ON login_failures (address, last_failed_at);
CREATE INDEX ix_login_failures_last ON login_failures (last_failed_at);

CREATE TABLE login_alerts (
    kind      text NOT NULL CHECK (kind IN ('account', 'address')),
    subject   text NOT NULL,
    raised_at timestamptz NOT NULL,
    PRIMARY KEY (kind, subject)
);

ALTER TABLE accounts DROP COLUMN failed_logins;
ALTER TABLE accounts DROP COLUMN locked_until;
