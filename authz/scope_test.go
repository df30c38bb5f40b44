package authz_test

import (
	"slices"
	"testing"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// matches is Scope's documented meaning: All, or the ticket was filed to or
// is held by one of Entities, or FiledBy filed it, or it belongs to Mobile
// (its mobile proven).
// store.scopeWhere is its SQL form (TestScopeAgreesWithDecide, in store).
func matches(sc authz.Scope, t authz.Ticket) bool {
	return sc.All ||
		slices.Contains(sc.Entities, t.Entity) || slices.Contains(sc.Entities, t.ResponsibleEntity) ||
		(sc.FiledBy != "" && sc.FiledBy == t.FiledByID) ||
		(sc.Mobile != "" && sc.Mobile == t.BeneficiaryMobile && t.MobileProven)
}

// ReadScope is Decide(·, Read, ·) as a filter: for every subject of the
// tables and every ticket, the filter keeps exactly what Decide lets it read.
func TestReadScopeAgreesWithDecide(t *testing.T) {
	for _, s := range tableSubjects {
		sc := authz.ReadScope(s.s, tree, tree.Codes())
		for _, tk := range tableTickets {
			want := authz.Decide(s.s, authz.Read, tk.t, tree) == authz.Allowed
			if got := matches(sc, tk.t); got != want {
				t.Errorf("%s on %s: the scope %+v matches=%v, Decide reads=%v", s.name, tk.name, sc, got, want)
			}
		}
	}
}

func TestReadScope(t *testing.T) {
	cases := []struct {
		name string
		s    authz.Subject
		want authz.Scope
	}{
		{"admin reads all", sub(domain.RoleAdmin, ""), authz.Scope{All: true}},
		{"auditor reads all", sub(domain.RoleAuditor, ""), authz.Scope{All: true}},
		{"supervisor reads all", sub(domain.RoleSupervisor, ""), authz.Scope{All: true}},
		{"minister's office reads all", sub(domain.RoleMinisterOffice, ""), authz.Scope{All: true}},
		{"coordinator: its own entity, not the ones below", sub(domain.RoleCoordinator, "KSU"), authz.Scope{Entities: []string{"KSU"}}},
		{"manager: its own entity", sub(domain.RoleCareCenterManager, "KSU"), authz.Scope{Entities: []string{"KSU"}}},
		{"entity head: its own entity", sub(domain.RoleEntityHead, "KSU"), authz.Scope{Entities: []string{"KSU"}}},
		{"sector official: the whole subtree, however deep", sub(domain.RoleSectorOfficial, "SEC-UNI"), authz.Scope{Entities: []string{"SEC-UNI", "KSU", "KSU-MED"}}},
		{"sector official of a leaf sector", sub(domain.RoleSectorOfficial, "SEC-EDU"), authz.Scope{Entities: []string{"SEC-EDU", "EDU-RYD"}}},
		{"agent: what it filed", authz.Subject{ID: "agent-1", Role: domain.RoleAgent}, authz.Scope{FiledBy: "agent-1"}},
		{"reception: what it filed", authz.Subject{ID: "agent-1", Role: domain.RoleReception}, authz.Scope{FiledBy: "agent-1"}},
		{"beneficiary: their mobile", authz.Subject{Role: domain.RoleBeneficiary, Mobile: mobileA}, authz.Scope{Mobile: mobileA}},
		{"survey agent: nothing", authz.Subject{ID: "agent-1", Role: domain.RoleSurveyAgent}, authz.Scope{}},
		{"scoped role without an entity: nothing", sub(domain.RoleCoordinator, ""), authz.Scope{}},
		{"sector official without an entity: nothing", sub(domain.RoleSectorOfficial, ""), authz.Scope{}},
		{"unknown role: nothing", authz.Subject{ID: "x", Role: "king"}, authz.Scope{}},
	}
	for _, c := range cases {
		got := authz.ReadScope(c.s, tree, tree.Codes())
		if got.All != c.want.All || got.FiledBy != c.want.FiledBy || got.Mobile != c.want.Mobile ||
			!slices.Equal(got.Entities, c.want.Entities) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// The zero scope, and a front-line subject or beneficiary with nothing to
// match on, match nothing: an empty FiledBy must not match every ticket
// with no filer.
func TestEmptyScopeMatchesNothing(t *testing.T) {
	for _, s := range []authz.Subject{
		{Role: domain.RoleAgent},
		{Role: domain.RoleBeneficiary},
		sub(domain.RoleEntityHead, ""),
		{Role: "king"},
	} {
		if sc := authz.ReadScope(s, tree, tree.Codes()); !sc.Empty() {
			t.Errorf("%s with nothing to match on: %+v is not empty", s.Role, sc)
		}
	}
	if !(authz.Scope{}).Empty() || (authz.Scope{All: true}).Empty() || (authz.Scope{Mobile: mobileA}).Empty() ||
		(authz.Scope{FiledBy: "a"}).Empty() || (authz.Scope{Entities: []string{"KSU"}}).Empty() {
		t.Error("Empty")
	}
}
