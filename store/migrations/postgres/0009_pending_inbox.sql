-- 0009: the inbox's pending work, indexed on its own (PostgreSQL).
-- The inbox lists the pending tickets (open, reopened) by deadline; at a
-- million tickets they are about one in eight, and most sit at the recent end
-- of the deadline order. The 0001/0005 indexes put status second, and a
-- two-value status list there gives no order by deadline (before PostgreSQL
-- 18), so the planner walked ix_tickets_due through closed tickets, or sorted
-- every pending ticket of a reader's scope: 30 to 120 ms a page at 1M.
-- These partial indexes hold only the pending rows in deadline order, so a
-- page reads about as many index entries as its filters reject among pending
-- tickets. ListTickets writes the predicate below as literals
-- (store.pendingPredicate): a planner proves a partial index usable from
-- constants only, never from bind parameters.
CREATE INDEX ix_tickets_pending_due ON tickets (sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_entity_due ON tickets (entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_responsible_due ON tickets (responsible_entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_filer_due ON tickets (filed_by_id, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_assignee_due ON tickets (assigned_to, sla_due_at, number) WHERE status IN ('open', 'reopened');
CREATE INDEX ix_tickets_pending_holder_due ON tickets (escalation_role, escalation_entity, sla_due_at, number) WHERE status IN ('open', 'reopened');
-- view=assigned filters by assignee inside a scope of entities, and an
-- assignee's tickets are their own entity's: planning the three columns as
-- independent, PostgreSQL expected a few rows, and it sorted a bitmap of a
-- thousand where the assignee index in deadline order reads 51. Statistics
-- over the three together (filled by the next ANALYZE) tell it otherwise.
CREATE STATISTICS st_tickets_assignee_entities (mcv, dependencies) ON assigned_to, entity, responsible_entity FROM tickets;
