-- 0020: whether a ticket's beneficiary mobile is proven to be the filer's
-- (PostgreSQL). NULL: an anonymous self-service filing nobody has proven yet;
-- until then the ticket is not in that mobile's signed-in list, takes no
-- beneficiary upload and its workflow sends nothing to the mobile or e-mail
-- (docs/architecture.md, "Anonymous filings"). Tickets filed before this
-- migration count as proven, as their running workflows do.
ALTER TABLE tickets ADD COLUMN mobile_proven_at timestamptz;
UPDATE tickets SET mobile_proven_at = created_at;
