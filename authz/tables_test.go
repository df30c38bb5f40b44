package authz_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// The subjects every action's table asks about: each staff role of the
// ministry, of a sector, of an entity and of front-line work, the
// beneficiary with their mobile, with a tracking code only and another one,
// and the malformed (a scoped role without an entity, an unknown role).
var tableSubjects = []struct {
	name string
	s    authz.Subject
}{
	{"admin", sub(domain.RoleAdmin, "")},
	{"supervisor", sub(domain.RoleSupervisor, "")},
	{"auditor", sub(domain.RoleAuditor, "")},
	{"minister", sub(domain.RoleMinisterOffice, "")},
	{"coordKSU", sub(domain.RoleCoordinator, "KSU")},
	{"managerKSU", sub(domain.RoleCareCenterManager, "KSU")},
	{"headKSU", sub(domain.RoleEntityHead, "KSU")},
	{"coordSEC", sub(domain.RoleCoordinator, "SEC-UNI")},
	{"official", sub(domain.RoleSectorOfficial, "SEC-UNI")},
	{"officialEDU", sub(domain.RoleSectorOfficial, "SEC-EDU")},
	{"agent1", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}},
	{"reception1", authz.Subject{ID: "agent-1", Role: domain.RoleReception}},
	{"survey1", authz.Subject{ID: "agent-1", Role: domain.RoleSurveyAgent}},
	{"benA", authz.Subject{Role: domain.RoleBeneficiary, Mobile: mobileA}},
	{"codeA", authz.Subject{Role: domain.RoleBeneficiary, Mobile: mobileA, CodeOnly: true}},
	{"benB", authz.Subject{Role: domain.RoleBeneficiary, Mobile: mobileB}},
	{"noEntity", sub(domain.RoleCoordinator, "")},
	{"unknown", authz.Subject{ID: "x", Role: "king"}},
}

const (
	mobileA = "+966500000001"
	mobileB = "+966500000002"
)

// The tickets every table is asked about, in the columns' order.
var tableTickets = []struct {
	name string
	t    authz.Ticket
}{
	// ksu: filed to and held by KSU, with a follow-up of KSU open.
	{"ksu", authz.Ticket{Entity: "KSU", ResponsibleEntity: "KSU", FiledByID: "agent-1", BeneficiaryMobile: mobileA, MobileProven: true, FollowUpEntity: "KSU"}},
	// med: deep in SEC-UNI's subtree, another filer and beneficiary.
	{"med", authz.Ticket{Entity: "KSU-MED", ResponsibleEntity: "KSU-MED", FiledByID: "agent-2", BeneficiaryMobile: mobileB, MobileProven: true}},
	// review: KSU's answer under objection, reviewed by the sector.
	{"review", authz.Ticket{Entity: "KSU", ResponsibleEntity: "SEC-UNI", FiledByID: "agent-1", BeneficiaryMobile: mobileA, MobileProven: true, Round: 1}},
	// climbed: KSU's ticket escalated to the sector official's rung.
	{"climbed", authz.Ticket{Entity: "KSU", ResponsibleEntity: "KSU", EscalationLevel: 3, EscalationRole: domain.RoleSectorOfficial, FiledByID: "agent-1", BeneficiaryMobile: mobileA, MobileProven: true}},
	// top: KSU's ticket escalated to the supervisor's rung.
	{"top", authz.Ticket{Entity: "KSU", ResponsibleEntity: "KSU", EscalationLevel: 4, EscalationRole: domain.RoleSupervisor, FiledByID: "agent-1", BeneficiaryMobile: mobileA, MobileProven: true}},
	// out: filed inside SEC-UNI, transferred to an entity outside it (a
	// transfer changes only the responsible entity).
	{"out", authz.Ticket{Entity: "KSU-MED", ResponsibleEntity: "EDU-RYD", FiledByID: "agent-1", BeneficiaryMobile: mobileA, MobileProven: true}},
	// edu: another sector's ticket altogether.
	{"edu", authz.Ticket{Entity: "EDU-RYD", ResponsibleEntity: "EDU-RYD", FiledByID: "agent-2", BeneficiaryMobile: mobileB, MobileProven: true}},
}

// decisionTables is, for every action, the decision for each subject
// (rows, in tableSubjects' order) on each ticket (columns, in
// tableTickets' order): A allowed, F forbidden (403), N not responsible
// (403 not_responsible), H hidden (404). Every
// cell is written out, so a rule that lets one more subject through, or one
// fewer, changes a letter.
var decisionTables = map[authz.Action]string{
	authz.Assign: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   A   H   F      A       A   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Attach: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      F   F   F      F       F   F   F
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.AttachPublic: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   F   F   F      F       A   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     A   H   F      A       A   H   H
		managerKSU   A   H   F      A       A   H   H
		headKSU      A   H   F      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     F   F   A      A       A   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Claim: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     A   H   F      A       A   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   A      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.CloseFollowUp: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   A   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ConfirmMeeting: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Note: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      F   F   F      F       F   F   F
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Object: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ProvideInfo: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Rate: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Read: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      A   A   A      A       A   A   A
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ReadAttachment: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      A   A   A      A       A   A   A
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ReadHistory: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      A   A   A      A       A   A   A
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ReadInternalAttachment: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      A   A   A      A       A   A   A
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ReadPersonalAttachment: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      F   F   F      F       F   F   F
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   A      A       A   H   H
		managerKSU   A   H   A      A       A   H   H
		headKSU      A   H   A      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   A   H
		officialEDU  H   H   H      H       H   A   A
		agent1       A   H   A      A       A   A   H
		reception1   A   H   A      A       A   A   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        F   H   F      F       F   F   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.RequestInfo: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   F   F   F      F       A   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     A   H   F      A       A   H   H
		managerKSU   A   H   F      A       A   H   H
		headKSU      A   H   F      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     F   F   A      A       A   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Respond: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   F   F   F      F       A   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     A   H   N      A       A   H   H
		managerKSU   A   H   N      A       A   H   H
		headKSU      A   H   N      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     F   F   A      A       A   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.ScheduleMeeting: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   F   F   F      F       A   F   F
		auditor      F   F   F      F       F   F   F
		minister     A   A   A      A       A   A   A
		coordKSU     A   H   F      A       A   H   H
		managerKSU   A   H   F      A       A   H   H
		headKSU      A   H   F      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     F   F   A      A       A   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Transfer: `
		             ksu med review climbed top out edu
		admin        A   A   A      A       A   A   A
		supervisor   A   A   A      A       A   A   A
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     A   H   F      A       A   H   H
		managerKSU   A   H   F      A       A   H   H
		headKSU      A   H   F      A       A   H   H
		coordSEC     H   H   A      H       H   H   H
		official     A   A   A      A       A   F   H
		officialEDU  H   H   H      H       H   A   A
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         F   H   F      F       F   F   H
		codeA        F   H   F      F       F   F   H
		benB         H   F   H      H       H   H   F
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
	authz.Withdraw: `
		             ksu med review climbed top out edu
		admin        F   F   F      F       F   F   F
		supervisor   F   F   F      F       F   F   F
		auditor      F   F   F      F       F   F   F
		minister     F   F   F      F       F   F   F
		coordKSU     F   H   F      F       F   H   H
		managerKSU   F   H   F      F       F   H   H
		headKSU      F   H   F      F       F   H   H
		coordSEC     H   H   F      H       H   H   H
		official     F   F   F      F       F   F   H
		officialEDU  H   H   H      H       H   F   F
		agent1       F   H   F      F       F   F   H
		reception1   F   H   F      F       F   F   H
		survey1      H   H   H      H       H   H   H
		benA         A   H   A      A       A   A   H
		codeA        A   H   A      A       A   A   H
		benB         H   A   H      H       H   H   A
		noEntity     H   H   H      H       H   H   H
		unknown      H   H   H      H       H   H   H
	`,
}

func TestDecideTables(t *testing.T) {
	for act, grid := range decisionTables {
		lines := strings.Split(strings.TrimSpace(grid), "\n")
		header := strings.Fields(lines[0])
		if len(header) != len(tableTickets) || len(lines)-1 != len(tableSubjects) {
			t.Fatalf("%s: the table is %d×%d, want %d subjects × %d tickets", act, len(lines)-1, len(header), len(tableSubjects), len(tableTickets))
		}
		for j, tk := range tableTickets {
			if header[j] != tk.name {
				t.Fatalf("%s: column %d is %q, want %q", act, j, header[j], tk.name)
			}
		}
		for i, s := range tableSubjects {
			row := strings.Fields(lines[i+1])
			if len(row) != 1+len(tableTickets) || row[0] != s.name {
				t.Fatalf("%s: row %d is %q, want subject %q and %d cells", act, i, lines[i+1], s.name, len(tableTickets))
			}
			for j, tk := range tableTickets {
				want, ok := map[string]authz.Decision{"A": authz.Allowed, "F": authz.Forbidden, "N": authz.NotResponsible, "H": authz.Hidden}[row[j+1]]
				if !ok {
					t.Fatalf("%s: cell %q of %s on %s", act, row[j+1], s.name, tk.name)
				}
				if got := authz.Decide(s.s, act, tk.t, tree); got != want {
					t.Errorf("%s may %s %s: %s, want %s", s.name, act, tk.name, got, want)
				}
			}
		}
	}
}

// An action added to authz without its table fails here.
func TestEveryActionHasATable(t *testing.T) {
	acts := actionsOf(t)
	if len(acts) < 20 {
		t.Fatalf("found only %d actions in authz.go: %v", len(acts), acts)
	}
	for _, act := range acts {
		if _, ok := decisionTables[act]; !ok {
			t.Errorf("action %q has no decision table", act)
		}
	}
	for act := range decisionTables {
		if !slices.Contains(acts, act) {
			t.Errorf("a table for %q, which authz does not declare", act)
		}
	}
}

// actionsOf lists the Action constants declared in authz.go (their values).
func actionsOf(t *testing.T) []authz.Action {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "authz.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var acts []authz.Action
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Action" {
				continue
			}
			for _, val := range v.Values {
				lit, ok := val.(*ast.BasicLit)
				if !ok {
					t.Fatalf("an Action constant that is not a string literal: %T", val)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				acts = append(acts, authz.Action(s))
			}
		}
	}
	return acts
}
