package views

import (
	"slices"

	"github.com/tawasul/tawasul/domain"
)

// Section is one link of the header.
type Section struct {
	Key, Href, Label string
}

// Casework are the roles that work tickets from an inbox and search them.
var Casework = []domain.Role{
	domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead, domain.RoleSectorOfficial,
	domain.RoleSupervisor, domain.RoleMinisterOffice, domain.RoleAdmin, domain.RoleAuditor,
	domain.RoleAgent, domain.RoleReception,
}

// Overseers are the roles that watch coordinators' workload and hand
// tickets between them (the board's link; tickets.Oversee decides which
// entity each may see).
var Overseers = []domain.Role{domain.RoleCareCenterManager, domain.RoleAdmin, domain.RoleSupervisor}

// Auditing are the roles that read the audit log and the workflows'
// histories from the pages.
var Auditing = []domain.Role{domain.RoleAuditor, domain.RoleAdmin}

// PolicyReaders are the roles that read the escalation policy (only
// administrators write it).
var PolicyReaders = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor, domain.RoleAuditor}

// Diary are the roles that keep the minister's meetings calendar.
var Diary = []domain.Role{domain.RoleMinisterOffice, domain.RoleAdmin}

// SurveyReaders are the roles that read the day's survey call list; only
// survey agents record calls.
var SurveyReaders = []domain.Role{domain.RoleSurveyAgent, domain.RoleSupervisor, domain.RoleAdmin}

// Filers are the front-line roles that file on a caller's or a visitor's
// behalf, each on their desk's channel.
var Filers = []domain.Role{domain.RoleAgent, domain.RoleReception}

// SectionsOf are the header's links for a role. Which pages a role may open
// is decided by the routes' guards (package web); this only leaves out the
// links that would lead a role to a refusal.
func SectionsOf(r domain.Role) []Section {
	var out []Section
	if slices.Contains(Filers, r) {
		out = append(out, Section{"file", "/file", "nav.file"})
	}
	if r == domain.RoleSurveyAgent {
		out = append(out, Section{"survey", "/survey-calls", "nav.survey"})
	}
	if slices.Contains(Casework, r) {
		out = append(out, Section{"inbox", "/inbox", "nav.inbox"}, Section{"search", "/search", "nav.search"})
	}
	if slices.Contains(Overseers, r) {
		out = append(out, Section{"workload", "/workload", "nav.workload"})
	}
	if slices.Contains(Auditing, r) {
		out = append(out, Section{"audit", "/audit", "nav.audit"})
	}
	if slices.Contains(PolicyReaders, r) {
		out = append(out, Section{"policy", "/policies", "nav.policy"})
	}
	if slices.Contains(Diary, r) {
		out = append(out, Section{"meetings", "/meetings", "nav.meetings"})
	}
	if r != domain.RoleSurveyAgent && slices.Contains(SurveyReaders, r) {
		out = append(out, Section{"survey", "/survey-calls", "nav.survey"})
	}
	if r == domain.RoleAdmin {
		out = append(out, Section{"admin", "/admin", "nav.admin"})
	}
	return out
}
