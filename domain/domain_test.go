package domain

import "testing"

func TestVocabulariesAreClosed(t *testing.T) {
	for _, k := range Kinds() {
		if !k.Valid() {
			t.Errorf("kind %s not valid", k)
		}
	}
	for _, bad := range []string{"", "praise", "Complaint"} {
		if Kind(bad).Valid() || Channel(bad).Valid() || Priority(bad).Valid() || Status(bad).Valid() ||
			BeneficiaryType(bad).Valid() || Role(bad).ValidStaff() || EntityKind(bad).Valid() ||
			AttachmentPurpose(bad).Valid() {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, p := range AttachmentPurposes() {
		if !p.Valid() {
			t.Errorf("attachment purpose %s not valid", p)
		}
	}
	if RoleBeneficiary.ValidStaff() || RoleSystem.ValidStaff() {
		t.Error("beneficiary and system are not staff roles")
	}
}

func TestStatusPhases(t *testing.T) {
	pending := map[Status]bool{StatusOpen: true, StatusReopened: true}
	final := map[Status]bool{StatusClosed: true, StatusWithdrawn: true}
	for _, s := range Statuses() {
		if s.Pending() != pending[s] || s.Final() != final[s] {
			t.Errorf("%s: pending %v final %v", s, s.Pending(), s.Final())
		}
	}
}

// The ladder climbs from the entity to the ministry, never back down.
func TestLadderScopesClimb(t *testing.T) {
	rank := map[Scope]int{ScopeEntity: 0, ScopeSector: 1, ScopeMinistry: 2}
	want := []Scope{ScopeEntity, ScopeEntity, ScopeSector, ScopeMinistry, ScopeMinistry}
	roles := LadderRoles()
	if len(roles) != len(want) || roles[len(roles)-1] != RoleMinisterOffice {
		t.Fatalf("ladder roles: %v", roles)
	}
	for i, r := range roles {
		if got := LadderScope(r); got != want[i] {
			t.Errorf("%s: scope %s, want %s", r, got, want[i])
		}
		if i > 0 && rank[LadderScope(r)] < rank[LadderScope(roles[i-1])] {
			t.Errorf("%s is below %s", r, roles[i-1])
		}
	}
}

func TestSelfServiceChannels(t *testing.T) {
	for _, c := range Channels() {
		want := c == ChannelPortal || c == ChannelApp
		if c.SelfService() != want {
			t.Errorf("%s self-service = %v", c, c.SelfService())
		}
	}
}
