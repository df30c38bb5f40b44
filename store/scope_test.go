package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
)

// TestScopeAgreesWithDecide proves that what a list shows is exactly what the
// detail admits: for every kind of subject, ListTickets filtered by
// authz.ReadScope returns the tickets authz.Decide lets that subject read —
// no more, no fewer — over random tickets in a hierarchy with a nested
// entity, on both dialects.
func TestScopeAgreesWithDecide(t *testing.T) {
	nodes := []authz.Node{
		{Code: "MOE", Kind: domain.EntityMinistry},
		{Code: "SEC-UNI", Parent: "MOE", Kind: domain.EntitySector},
		{Code: "SEC-EDU", Parent: "MOE", Kind: domain.EntitySector},
		{Code: "KSU", Parent: "SEC-UNI", Kind: domain.EntityPublicUniversity},
		{Code: "UQU", Parent: "SEC-UNI", Kind: domain.EntityPublicUniversity},
		{Code: "UQU-JMM", Parent: "UQU", Kind: domain.EntityPublicUniversity},
		{Code: "EDU-RYD", Parent: "SEC-EDU", Kind: domain.EntityEducationDepartment},
	}
	tree := authz.NewTree(nodes)
	codes := tree.Codes()
	mobiles := []string{"+966500000001", "+966500000002"}
	filers := []string{"beneficiary", "agent-1", "agent-2", "reception-1"}

	subjects := []authz.Subject{
		{ID: "admin", Role: domain.RoleAdmin},
		{ID: "auditor", Role: domain.RoleAuditor},
		{ID: "sup", Role: domain.RoleSupervisor},
		{ID: "min", Role: domain.RoleMinisterOffice},
		{ID: "agent-1", Role: domain.RoleAgent},
		{ID: "reception-1", Role: domain.RoleReception},
		{ID: "agent-1", Role: domain.RoleSurveyAgent}, // the call list only, never a ticket
		{ID: "c-ksu", Role: domain.RoleCoordinator, Entity: "KSU"},
		{ID: "m-uqu", Role: domain.RoleCareCenterManager, Entity: "UQU"},
		{ID: "h-jmm", Role: domain.RoleEntityHead, Entity: "UQU-JMM"},
		{ID: "so-uni", Role: domain.RoleSectorOfficial, Entity: "SEC-UNI"},
		{ID: "so-edu", Role: domain.RoleSectorOfficial, Entity: "SEC-EDU"},
		{ID: "c-sec", Role: domain.RoleCoordinator, Entity: "SEC-UNI"},
		{ID: "ben-1", Role: domain.RoleBeneficiary, Mobile: mobiles[0]},
		{ID: "nobody", Role: domain.RoleCoordinator}, // a scoped role without an entity sees nothing
	}

	forEachDialect(t, func(t *testing.T, s *Store) {
		rng := rand.New(rand.NewPCG(7, 11))
		pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
		var all []Ticket
		for i := range 120 {
			tk := sampleTicket(baseTime.Add(time.Duration(i) * time.Minute))
			tk.Entity = pick(codes[1:])
			tk.ResponsibleEntity = tk.Entity
			if rng.IntN(3) == 0 { // under review one level up, or moved
				tk.ResponsibleEntity = pick(codes)
			}
			tk.FiledByID = pick(filers)
			tk.BeneficiaryMobile = pick(mobiles)
			if rng.IntN(3) == 0 { // an anonymous filing nobody has proven
				tk.MobileProvenAt = nil
			}
			tk.Status = domain.Statuses()[rng.IntN(len(domain.Statuses()))]
			all = append(all, mustCreate(t, s, tk))
		}
		for _, sub := range subjects {
			var want, wantPending []string
			for _, tk := range all {
				d := authz.Decide(sub, authz.Read, authz.Ticket{Entity: tk.Entity, ResponsibleEntity: tk.ResponsibleEntity,
					FiledByID: tk.FiledByID, BeneficiaryMobile: tk.BeneficiaryMobile, MobileProven: tk.MobileProvenAt != nil}, tree)
				if d == authz.Allowed {
					want = append(want, tk.Number)
					if tk.Status.Pending() {
						wantPending = append(wantPending, tk.Number)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(wantPending)
			f := TicketFilter{Scope: authz.ReadScope(sub, tree, codes), Limit: 7}
			got, _ := listAll(t, s, f)
			slices.Sort(got)
			mustEqual(t, fmt.Sprintf("%s (%s@%s) reads", sub.ID, sub.Role, sub.Entity), got, want)
			// The inbox's default list, which the partial indexes of 0009 serve.
			f.Status = []domain.Status{domain.StatusOpen, domain.StatusReopened}
			got, _ = listAll(t, s, f)
			slices.Sort(got)
			mustEqual(t, fmt.Sprintf("%s (%s@%s) reads pending", sub.ID, sub.Role, sub.Entity), got, wantPending)
		}
	})
}
