package notify

import (
	"github.com/tawasul/tawasul/domain"
)

// Recipients of in-app messages (channel "inbox"). An outbox row of that
// channel names who reads it in one string:
//
//   - "<role>@<entity>": every official of that role at that entity, e.g.
//     "care_center_manager@KSU" or "sector_official@SEC-EDU" (a sector
//     official's entity is its sector). Escalation addresses a rung's holder
//     this way, with the entity activities.ResolveLevel found — the ministry
//     root for ministry-wide roles ("supervisor@MOE").
//   - "<role>": every official of a role that has no entity, e.g.
//     "supervisor" for the quality follow-ups the workflow hands up.
//   - "user:<account id>": one person, whatever their role (UserRecipient).
//
// InboxRecipients is the reverse: which of these strings one person reads.

// UserRecipientPrefix starts a recipient that is one person.
const UserRecipientPrefix = domain.PersonRecipientPrefix

// RoleRecipient addresses every official of role at entity ("" for a role
// without one).
func RoleRecipient(role domain.Role, entity string) string {
	if entity == "" {
		return string(role)
	}
	return string(role) + "@" + entity
}

// UserRecipient addresses one person by the actor ID the API stamps on what
// they do (workflows.Actor.ID, e.g. a ticket's assignee):
//
//   - an account acts as "user:<username>" and is addressed by exactly that
//     ("user:alice", "user:oidc:alice" for a single sign-on account);
//   - an integration token acts as "token:<name>" and is "user:token:<name>";
//   - a configured token (auth.tokens) acts under its bare name and is
//     "user:config:<name>".
//
// Password usernames cannot contain ':' and single sign-on ones start with
// "oidc:", so a configured token or an integration never shares an account's
// recipient, even when their names are the same ("admin" the token and
// "admin" the account read different messages). "" for an empty ID.
func UserRecipient(actorID string) string { return domain.PersonRecipient(actorID) }

// InboxRecipients lists the recipients whose in-app messages one person
// reads: their own (UserRecipient), and their role's where it sits — at
// their entity ("coordinator@KSU" only, never another entity's nor another
// role's), or, for the ministry-wide ladder roles (domain.LadderScope), both
// the bare role and the role at the ministry root (root: the code of the
// entity without a parent), as escalation and the workflow address them. A
// role without an entity reads its bare role.
func InboxRecipients(actorID string, role domain.Role, entity, root string) []string {
	var rs []string
	if u := UserRecipient(actorID); u != "" {
		rs = append(rs, u)
	}
	if role == "" {
		return rs
	}
	if domain.LadderScope(role) == domain.ScopeMinistry {
		rs = append(rs, RoleRecipient(role, ""))
		if root != "" {
			rs = append(rs, RoleRecipient(role, root))
		}
		return rs
	}
	return append(rs, RoleRecipient(role, entity))
}
