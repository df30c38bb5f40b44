package authz_test

import (
	"testing"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

var tree = authz.NewTree([]authz.Node{
	{Code: "MOE", Kind: domain.EntityMinistry},
	{Code: "SEC-UNI", Parent: "MOE", Kind: domain.EntitySector},
	{Code: "KSU", Parent: "SEC-UNI", Kind: domain.EntityPublicUniversity},
	{Code: "KSU-MED", Parent: "KSU", Kind: domain.EntityPublicUniversity},
	{Code: "SEC-EDU", Parent: "MOE", Kind: domain.EntitySector},
	{Code: "EDU-RYD", Parent: "SEC-EDU", Kind: domain.EntityEducationDepartment},
})

func sub(role domain.Role, entity string) authz.Subject {
	return authz.Subject{ID: string(role) + "@" + entity, Role: role, Entity: entity}
}

func TestDecide(t *testing.T) {
	atKSU := authz.Ticket{Entity: "KSU", ResponsibleEntity: "KSU", FiledByID: "agent-1", BeneficiaryMobile: "+966500000001", MobileProven: true}
	deep := authz.Ticket{Entity: "KSU-MED", ResponsibleEntity: "KSU-MED"}
	atSector := func(t authz.Ticket) authz.Ticket {
		t.EscalationLevel, t.EscalationRole = 3, domain.RoleSectorOfficial
		return t
	}
	atSupervisor := atKSU
	atSupervisor.EscalationLevel, atSupervisor.EscalationRole = 4, domain.RoleSupervisor
	review := atKSU
	review.ResponsibleEntity, review.Round = "SEC-UNI", 1
	benA := authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000001"}
	codeA := authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000001", CodeOnly: true}
	// anon names A's mobile, which nobody has proven (an anonymous filing).
	anon := atKSU
	anon.MobileProven = false

	cases := []struct {
		name string
		s    authz.Subject
		act  authz.Action
		t    authz.Ticket
		want authz.Decision
	}{
		{"coordinator reads own entity", sub(domain.RoleCoordinator, "KSU"), authz.Read, atKSU, authz.Allowed},
		{"coordinator of another entity: hidden", sub(domain.RoleCoordinator, "EDU-RYD"), authz.Read, atKSU, authz.Hidden},
		{"coordinator of a parent does not see a child entity", sub(domain.RoleCoordinator, "KSU"), authz.Read, deep, authz.Hidden},
		{"filed-to entity still reads a review held above", sub(domain.RoleCoordinator, "KSU"), authz.Read, review, authz.Allowed},
		{"...but cannot answer it: not responsible", sub(domain.RoleCoordinator, "KSU"), authz.Respond, review, authz.NotResponsible},
		{"sector coordinator answers the review", sub(domain.RoleCoordinator, "SEC-UNI"), authz.Respond, review, authz.Allowed},
		{"sector official reads deep in the subtree", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Read, deep, authz.Allowed},
		{"sector official of another sector: hidden", sub(domain.RoleSectorOfficial, "SEC-EDU"), authz.Read, atKSU, authz.Hidden},
		{"sector official before the climb reaches it", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Respond, atKSU, authz.Forbidden},
		{"sector official at its rung", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Respond, atSector(atKSU), authz.Allowed},
		{"sector official at its rung, deep entity", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Respond, atSector(deep), authz.Allowed},
		{"sector official once it climbed beyond", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Respond, atSupervisor, authz.Allowed},
		{"manager still answers after the climb", sub(domain.RoleCareCenterManager, "KSU"), authz.Respond, atSupervisor, authz.Allowed},
		{"supervisor before its rung", sub(domain.RoleSupervisor, ""), authz.Respond, atSector(atKSU), authz.Forbidden},
		{"supervisor at its rung", sub(domain.RoleSupervisor, ""), authz.Respond, atSupervisor, authz.Allowed},
		{"minister's office reads all", sub(domain.RoleMinisterOffice, ""), authz.Read, deep, authz.Allowed},
		{"auditor reads history", sub(domain.RoleAuditor, ""), authz.ReadHistory, atKSU, authz.Allowed},
		{"auditor never answers", sub(domain.RoleAuditor, ""), authz.Respond, atSupervisor, authz.Forbidden},
		{"coordinator has no raw history", sub(domain.RoleCoordinator, "KSU"), authz.ReadHistory, atKSU, authz.Forbidden},
		{"agent reads what it filed", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}, authz.Read, atKSU, authz.Allowed},
		{"agent does not answer what it filed", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}, authz.Respond, atKSU, authz.Forbidden},
		{"another agent: hidden", authz.Subject{ID: "agent-2", Role: domain.RoleAgent}, authz.Read, atKSU, authz.Hidden},
		{"reception: same rule", authz.Subject{ID: "agent-1", Role: domain.RoleReception}, authz.Read, atKSU, authz.Allowed},
		{"survey agent sees no ticket, even one it filed", authz.Subject{ID: "agent-1", Role: domain.RoleSurveyAgent}, authz.Read, atKSU, authz.Hidden},
		{"coordinator claims", sub(domain.RoleCoordinator, "KSU"), authz.Claim, atKSU, authz.Allowed},
		{"manager does not claim", sub(domain.RoleCareCenterManager, "KSU"), authz.Claim, atKSU, authz.Forbidden},
		{"manager assigns", sub(domain.RoleCareCenterManager, "KSU"), authz.Assign, atKSU, authz.Allowed},
		{"manager of the filed-to entity does not assign the review", sub(domain.RoleCareCenterManager, "KSU"), authz.Assign, review, authz.Forbidden},
		{"coordinator does not assign", sub(domain.RoleCoordinator, "KSU"), authz.Assign, atKSU, authz.Forbidden},
		{"admin assigns anywhere", sub(domain.RoleAdmin, ""), authz.Assign, deep, authz.Allowed},
		{"beneficiary reads own", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000001"}, authz.Read, atKSU, authz.Allowed},
		{"beneficiary objects to own", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000001"}, authz.Object, atKSU, authz.Allowed},
		{"beneficiary cannot answer", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000001"}, authz.Respond, atKSU, authz.Forbidden},
		{"another beneficiary: hidden", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000002"}, authz.Read, atKSU, authz.Hidden},
		{"beneficiary without a verified mobile", authz.Subject{Role: domain.RoleBeneficiary}, authz.Read, authz.Ticket{}, authz.Hidden},
		{"staff cannot object for the beneficiary", sub(domain.RoleAdmin, ""), authz.Object, atKSU, authz.Forbidden},
		{"scoped role without an entity sees nothing", sub(domain.RoleCoordinator, ""), authz.Read, authz.Ticket{}, authz.Hidden},
		{"unknown role sees nothing", authz.Subject{ID: "x", Role: "king"}, authz.Read, atKSU, authz.Hidden},

		// Attachments.
		{"coordinator attaches", sub(domain.RoleCoordinator, "KSU"), authz.Attach, atKSU, authz.Allowed},
		{"coordinator of another entity: hidden", sub(domain.RoleCoordinator, "EDU-RYD"), authz.Attach, atKSU, authz.Hidden},
		{"auditor does not attach", sub(domain.RoleAuditor, ""), authz.Attach, atKSU, authz.Forbidden},
		{"agent attaches to what it filed", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}, authz.Attach, atKSU, authz.Allowed},
		{"agent shows the beneficiary what it scanned", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}, authz.AttachPublic, atKSU, authz.Allowed},
		{"beneficiary attaches to own", benA, authz.Attach, atKSU, authz.Allowed},
		{"tracking code holder attaches", codeA, authz.Attach, atKSU, authz.Allowed},
		{"beneficiary cannot publish as staff", benA, authz.AttachPublic, atKSU, authz.Forbidden},
		{"another beneficiary cannot attach: hidden", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000002"}, authz.Attach, atKSU, authz.Hidden},
		{"responsible coordinator publishes", sub(domain.RoleCoordinator, "KSU"), authz.AttachPublic, atKSU, authz.Allowed},
		{"filed-to entity cannot publish on a review held above", sub(domain.RoleCoordinator, "KSU"), authz.AttachPublic, review, authz.Forbidden},
		{"supervisor before its rung does not publish", sub(domain.RoleSupervisor, ""), authz.AttachPublic, atKSU, authz.Forbidden},
		{"auditor does not publish", sub(domain.RoleAuditor, ""), authz.AttachPublic, atKSU, authz.Forbidden},
		{"auditor reads a shared answer document", sub(domain.RoleAuditor, ""), authz.ReadAttachment, atKSU, authz.Allowed},
		{"auditor reads an internal document", sub(domain.RoleAuditor, ""), authz.ReadInternalAttachment, atKSU, authz.Allowed},
		{"auditor does not read personal documents", sub(domain.RoleAuditor, ""), authz.ReadPersonalAttachment, atKSU, authz.Forbidden},
		{"coordinator reads personal documents", sub(domain.RoleCoordinator, "KSU"), authz.ReadPersonalAttachment, atKSU, authz.Allowed},
		{"personal documents of another entity: hidden", sub(domain.RoleCoordinator, "EDU-RYD"), authz.ReadPersonalAttachment, atKSU, authz.Hidden},
		{"beneficiary reads own documents", benA, authz.ReadPersonalAttachment, atKSU, authz.Allowed},
		{"tracking code holder does not read personal documents", codeA, authz.ReadPersonalAttachment, atKSU, authz.Forbidden},
		{"tracking code holder reads a shared answer document", codeA, authz.ReadAttachment, atKSU, authz.Allowed},
		{"beneficiary never reads internal documents", benA, authz.ReadInternalAttachment, atKSU, authz.Forbidden},
		{"another beneficiary: hidden", authz.Subject{Role: domain.RoleBeneficiary, Mobile: "+966500000002"}, authz.ReadAttachment, atKSU, authz.Hidden},
		// An anonymous filing can name anyone's mobile: its tracking code
		// reads and acts on it but uploads nothing, the mobile's owner does
		// not see it until proven, staff see it as any other.
		{"unproven: the mobile's owner does not see it", benA, authz.Read, anon, authz.Hidden},
		{"unproven: nor attaches to it", benA, authz.Attach, anon, authz.Hidden},
		{"unproven: the tracking code reads it", codeA, authz.Read, anon, authz.Allowed},
		{"unproven: the tracking code acts on it", codeA, authz.Withdraw, anon, authz.Allowed},
		{"unproven: the tracking code uploads nothing", codeA, authz.Attach, anon, authz.Forbidden},
		{"unproven: staff see it", sub(domain.RoleCoordinator, "KSU"), authz.Read, anon, authz.Allowed},
		{"unproven: staff attach to it", sub(domain.RoleCoordinator, "KSU"), authz.Attach, anon, authz.Allowed},
		{"proven: the owner attaches", benA, authz.Attach, atKSU, authz.Allowed},
		{"proven: the tracking code attaches", codeA, authz.Attach, atKSU, authz.Allowed},
	}
	for _, c := range cases {
		if got := authz.Decide(c.s, c.act, c.t, tree); got != c.want {
			t.Errorf("%s: %s %s → %s, want %s", c.name, c.s.Role, c.act, got, c.want)
		}
	}
	if sc := authz.ReadScope(benA, tree, tree.Codes()); matches(sc, anon) || !matches(sc, atKSU) {
		t.Errorf("the owner's list scope %+v: unproven %v, proven %v", sc, matches(sc, anon), matches(sc, atKSU))
	}
}

func TestHierarchyWalksAreBounded(t *testing.T) {
	loop := authz.NewTree([]authz.Node{{Code: "A", Parent: "B"}, {Code: "B", Parent: "A"}})
	if authz.Within(loop, "A", "Z") || authz.SectorOf(loop, "A") != "" {
		t.Fatal("a cycle in the hierarchy must end the walk, not match")
	}
	if got := authz.SectorOf(tree, "KSU-MED"); got != "SEC-UNI" {
		t.Fatalf("SectorOf(KSU-MED) = %q", got)
	}
	if got := tree.Root(); got != "MOE" {
		t.Fatalf("Root = %q", got)
	}
	if authz.HeldAt(sub(domain.RoleSupervisor, ""), tree) != "MOE" || authz.HeldAt(sub(domain.RoleSectorOfficial, "SEC-UNI"), tree) != "SEC-UNI" {
		t.Fatal("HeldAt")
	}
}

func TestAttachmentRead(t *testing.T) {
	cases := []struct {
		purpose domain.AttachmentPurpose
		public  bool
		want    authz.Action
	}{
		{domain.AttachResponse, true, authz.ReadAttachment},
		{domain.AttachResponse, false, authz.ReadInternalAttachment},
		{domain.AttachNote, false, authz.ReadInternalAttachment},
		{domain.AttachFiling, true, authz.ReadPersonalAttachment},
		{domain.AttachFiling, false, authz.ReadInternalAttachment},
		{domain.AttachObjection, true, authz.ReadPersonalAttachment},
		{domain.AttachInfo, true, authz.ReadPersonalAttachment},
	}
	for _, c := range cases {
		if got := authz.AttachmentRead(c.purpose, c.public); got != c.want {
			t.Errorf("AttachmentRead(%s, public=%v) = %s, want %s", c.purpose, c.public, got, c.want)
		}
	}
}
