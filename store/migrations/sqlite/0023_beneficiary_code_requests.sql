-- 0021: the one-time code requests of each mobile (SQLite).
-- One row per request that passed the throttle (one a minute, five an hour),
-- whether or not the mobile has a ticket: the throttle and the daily cap
-- (beneficiary.codes_per_day) count these rows, so a mobile with tickets and
-- one without are refused alike and neither answer tells them apart. Only
-- the keyed hash of the mobile is kept; a mobile's rows older than a day
-- are deleted at its next request.

CREATE TABLE beneficiary_code_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mobile_hash TEXT NOT NULL CHECK (length(mobile_hash) = 64),
    created_at  DATETIME NOT NULL
);
CREATE INDEX ix_beneficiary_code_requests_mobile ON beneficiary_code_requests (mobile_hash, created_at);
