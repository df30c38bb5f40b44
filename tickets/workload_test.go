package tickets

import (
	"testing"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/workflows"
)

// Who watches which entity's coordinators: admins and supervisors any, a
// care-center manager their own, nobody else; an entity must be named.
func TestOversee(t *testing.T) {
	for _, c := range []struct {
		role   domain.Role
		entity string // the actor's
		asked  string
		want   refusal.Kind // 0: allowed
	}{
		{domain.RoleAdmin, "", "KSU", 0},
		{domain.RoleSupervisor, "", "KAU", 0},
		{domain.RoleCareCenterManager, "KSU", "KSU", 0},
		{domain.RoleCareCenterManager, "KSU", "KAU", refusal.Forbidden},
		{domain.RoleCoordinator, "KSU", "KSU", refusal.Forbidden},
		{domain.RoleEntityHead, "KSU", "KSU", refusal.Forbidden},
		{domain.RoleAuditor, "", "KSU", refusal.Forbidden},
		{domain.RoleAdmin, "", " ", refusal.Invalid},
	} {
		err := Oversee(workflows.Actor{ID: "user:x", Role: c.role, Entity: c.entity}, c.asked)
		var got refusal.Kind
		if r, ok := refusal.As(err); ok {
			got = r.Kind
		} else if err != nil {
			t.Fatalf("%s of %s asking %q: %v", c.role, c.entity, c.asked, err)
		}
		if got != c.want {
			t.Errorf("%s of %s asking %q: %v, want kind %v", c.role, c.entity, c.asked, err, c.want)
		}
	}
}
