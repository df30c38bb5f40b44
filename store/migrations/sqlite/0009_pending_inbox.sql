-- 0009: the inbox's pending work, indexed on its own (SQLite).
-- Same indexes as migrations/postgres/0009_pending_inbox.sql, which says why
-- (its extended statistics have no SQLite counterpart):
-- partial indexes over the pending tickets (open, reopened) in deadline
-- order, so an inbox page does not walk the closed majority. SQLite, too,
-- uses a partial index only when the query states its predicate in the same
-- literal terms, which ListTickets does (store.pendingPredicate).
CREATE INDEX ix_tickets_pending_due ON tickets (sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_entity_due ON tickets (entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_responsible_due ON tickets (responsible_entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_filer_due ON tickets (filed_by_id, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_assignee_due ON tickets (assigned_to, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_holder_due ON tickets (escalation_role, escalation_entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
