-- 0020: single sign-on identities (SQLite).
-- Same table and indexes as migrations/postgres/0020_sso_identities.sql. An
-- account of the single sign-on is the provider's (issuer, subject), which
-- the provider never reassigns, not its preferred_username, which it may
-- give to someone else: a token naming an existing username under another
-- subject must not open that account. One identity per account. Accounts
-- made before this migration have none; their first login after it links
-- them (audited, account.sso_linked).

CREATE TABLE sso_identities (
    issuer     TEXT NOT NULL CHECK (issuer <> ''),
    subject    TEXT NOT NULL CHECK (subject <> ''),
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX ux_sso_identities_account ON sso_identities (account_id);
