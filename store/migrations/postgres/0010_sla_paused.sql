-- 0010: the SLA time a ticket's running countdown stood still while the
-- beneficiary was asked for information (PostgreSQL), in seconds on the
-- ticket's clock; a policy preview adds it back exactly as the workflow does.
ALTER TABLE tickets ADD COLUMN sla_paused_seconds bigint NOT NULL DEFAULT 0;
