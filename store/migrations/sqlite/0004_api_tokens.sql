-- 0004: API tokens of integrations (call-center telephony, social-media
-- connectors) (SQLite). Same table, columns and indexes as
-- migrations/postgres/0004_api_tokens.sql.
-- An admin creates a token with a name, a staff role (never admin) and, for
-- scoped roles, an entity; only the hex SHA-256 of the secret is stored (the
-- secret is shown once). A token works until expires_at or until revoked;
-- last_used_at is refreshed at most once a minute.

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (name <> ''),
    token_hash   TEXT NOT NULL CHECK (length(token_hash) = 64),
    role         TEXT NOT NULL CHECK (role <> ''),
    entity       TEXT NOT NULL DEFAULT '',
    expires_at   DATETIME NOT NULL,
    revoked_at   DATETIME,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);
CREATE UNIQUE INDEX ux_api_tokens_name ON api_tokens (name);
CREATE UNIQUE INDEX ux_api_tokens_token_hash ON api_tokens (token_hash);
