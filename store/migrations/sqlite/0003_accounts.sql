-- 0003: staff accounts and their login sessions (SQLite).
-- Same tables, columns and indexes as migrations/postgres/0003_accounts.sql.
-- username is stored case-folded (lower case, NFKC; store.NormalizeUsername),
-- so "Admin" and "admin" are one account and one lockout counter.
-- password_hash is an argon2id encoded string carrying its own parameters and
-- salt (auth/password). Sessions keep only hex SHA-256 hashes of the opaque
-- access and refresh tokens; a refresh rotates both hashes in place, so the
-- old refresh token (and access token) stop working.

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT NOT NULL CHECK (username <> ''),
    name                TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role <> ''),
    entity              TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL CHECK (password_hash <> ''),
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    password_changed_at DATETIME NOT NULL,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        DATETIME,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_accounts_username ON accounts (username);

CREATE TABLE sessions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash         TEXT NOT NULL CHECK (length(token_hash) = 64),
    refresh_hash       TEXT NOT NULL CHECK (length(refresh_hash) = 64),
    expires_at         DATETIME NOT NULL,
    refresh_expires_at DATETIME NOT NULL,
    revoked_at         DATETIME,
    created_at         DATETIME NOT NULL,
    last_used_at       DATETIME
);
CREATE UNIQUE INDEX ux_sessions_token_hash ON sessions (token_hash);
CREATE UNIQUE INDEX ux_sessions_refresh_hash ON sessions (refresh_hash);
CREATE INDEX ix_sessions_account ON sessions (account_id);
