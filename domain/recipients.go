package domain

import "strings"

// PersonRecipientPrefix starts the in-app recipient that is one person.
const PersonRecipientPrefix = "user:"

// PersonRecipient is the in-app recipient of one person, from the actor ID
// they act under: an account's ("user:<username>") as it is, an integration
// token's ("token:<name>") and a configured token's (its bare name) under
// the prefix, the latter marked "config:" so it never meets an account of
// the same name. The workflows address assignees with it and the
// notification screen reads with it (notify.InboxRecipients); "" for "".
func PersonRecipient(actorID string) string {
	switch {
	case actorID == "":
		return ""
	case strings.HasPrefix(actorID, PersonRecipientPrefix):
		return actorID
	case strings.HasPrefix(actorID, "token:"):
		return PersonRecipientPrefix + actorID
	}
	return PersonRecipientPrefix + "config:" + actorID
}
