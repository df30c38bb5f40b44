package web_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
)

// TestRoleMatrix: for each page a role's desk has, every staff role is let
// in or refused exactly as the table says — the web's authorization matrix,
// as api/authz_matrix_test.go is the API's. Ticket pages are decided per
// ticket by authz (covered by tickets' tests and the browser tests).
func TestRoleMatrix(t *testing.T) {
	f := newFixture(t, false)
	if err := seedPolicy(f.store); err != nil {
		t.Fatal(err)
	}
	casework := []domain.Role{domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead,
		domain.RoleSectorOfficial, domain.RoleSupervisor, domain.RoleMinisterOffice, domain.RoleAdmin,
		domain.RoleAuditor, domain.RoleAgent, domain.RoleReception}
	matrix := map[string][]domain.Role{
		"/inbox":                 casework,
		"/search":                casework,
		"/notifications":         domain.StaffRoles(),
		"/workload":              {domain.RoleCareCenterManager, domain.RoleAdmin, domain.RoleSupervisor},
		"/audit":                 {domain.RoleAuditor, domain.RoleAdmin},
		"/policies":              {domain.RoleAdmin, domain.RoleSupervisor, domain.RoleAuditor},
		"/policies/new":          {domain.RoleAdmin},
		"/meetings":              {domain.RoleMinisterOffice, domain.RoleAdmin},
		"/survey-calls":          {domain.RoleSurveyAgent, domain.RoleSupervisor, domain.RoleAdmin},
		"/file":                  {domain.RoleAgent, domain.RoleReception},
		"/admin":                 {domain.RoleAdmin},
		"/admin/accounts":        {domain.RoleAdmin},
		"/admin/tokens":          {domain.RoleAdmin},
		"/admin/faq":             {domain.RoleAdmin},
		"/admin/faq/new":         {domain.RoleAdmin},
		"/admin/entities":        {domain.RoleAdmin},
		"/admin/entities/export": {domain.RoleAdmin},
		"/admin/outbox":          {domain.RoleAdmin, domain.RoleSupervisor},
		"/admin/outbox/list":     {domain.RoleAdmin, domain.RoleSupervisor},
	}
	for _, role := range domain.StaffRoles() {
		username := "m-" + string(role)
		entity := ""
		if role == domain.RoleCoordinator || role == domain.RoleCareCenterManager || role == domain.RoleEntityHead {
			entity = "KSU"
		} else if role == domain.RoleSectorOfficial {
			entity = "UNIV"
		}
		hash, err := f.signin.Hash(goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.CreateAccount(context.Background(), store.NewAccount{Username: username, Name: username,
			Role: role, Entity: entity, PasswordHash: hash}, time.Now()); err != nil {
			t.Fatal(err)
		}
		cookies := f.signIn(t, username)
		for path, allowed := range matrix {
			rec := f.do("GET", path, nil, cookies)
			switch in := slices.Contains(allowed, role); {
			case in && rec.Code != http.StatusOK:
				t.Errorf("%s on %s: HTTP %d, want 200", role, path, rec.Code)
			case !in && rec.Code != http.StatusForbidden:
				t.Errorf("%s on %s: HTTP %d, want 403", role, path, rec.Code)
			}
		}
	}
}

// seedPolicy stores the default policy as version 1, as `tawasul seed` does.
func seedPolicy(st *store.Store) error {
	_, err := st.EnsurePolicy(context.Background(), sla.Default())
	return err
}
