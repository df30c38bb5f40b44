package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tawasul/tawasul/domain"
)

// Every staff role gets a demo token, and a data directory from before a role
// existed gains that role's token while the others keep theirs.
func TestDevTokensCoverEveryRoleAndKeepOldOnes(t *testing.T) {
	roles := func(ts []DevToken) map[domain.Role]string {
		m := map[domain.Role]string{}
		for _, tk := range ts {
			m[tk.Role] = tk.Token
		}
		return m
	}
	mem, err := DevTokens(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := roles(mem); len(got) != len(domain.StaffRoles()) || got[domain.RoleSurveyAgent] == "" {
		t.Fatalf("memory mode tokens: %v", got)
	}

	dir := t.TempDir()
	old := []DevToken{{Name: "demo-admin", Token: "dev_old-admin", Role: domain.RoleAdmin}}
	b, _ := json.Marshal(old)
	if err := os.WriteFile(filepath.Join(dir, "dev-tokens.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := DevTokens(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	got := roles(ts)
	if got[domain.RoleAdmin] != "dev_old-admin" || got[domain.RoleSurveyAgent] == "" || len(got) != len(domain.StaffRoles()) {
		t.Fatalf("tokens after an upgrade: %v", got)
	}
	again, err := DevTokens(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if r := roles(again); r[domain.RoleSurveyAgent] != got[domain.RoleSurveyAgent] || len(r) != len(got) {
		t.Fatalf("a restart changed the tokens: %v then %v", got, r)
	}
}
