-- 0005: who holds a ticket now (PostgreSQL).
-- sla_stage_start: when the running deadline's countdown began (filing, the
--   current rung, the objection); a policy preview recomputes deadlines from it
--   exactly as the workflow does when the policy is applied.
-- escalation_entity: the entity holding the current rung (a sector, the
--   ministry), so its people find the escalated ticket in their inbox.
-- assigned_to / assigned_at: the coordinator working the ticket ('' = nobody).
ALTER TABLE tickets ADD COLUMN sla_stage_start timestamptz;
ALTER TABLE tickets ADD COLUMN escalation_entity text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN assigned_to text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN assigned_at timestamptz;
CREATE INDEX ix_tickets_entity_status_due ON tickets (entity, status, sla_due_at, number);
CREATE INDEX ix_tickets_holder_status_due ON tickets (escalation_role, escalation_entity, status, sla_due_at, number);
CREATE INDEX ix_tickets_assignee_status_due ON tickets (assigned_to, status, sla_due_at, number);
