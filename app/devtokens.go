package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tawasul/tawasul/api"
	"github.com/tawasul/tawasul/domain"
)

// DevToken is one demo token of `tawasul dev`, printed at start.
type DevToken struct {
	Name   string      `json:"name"`
	Token  string      `json:"token"`
	Role   domain.Role `json:"role"`
	Entity string      `json:"entity,omitempty"`
	// Username and Password sign the role's demo account in to the web
	// pages (and POST /auth/login): the account is the role's name.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// devScope places each demo role in the demo organization.
var devScope = map[domain.Role]string{
	domain.RoleCoordinator:       "KSU",
	domain.RoleCareCenterManager: "KSU",
	domain.RoleEntityHead:        "KSU",
	domain.RoleSectorOfficial:    "UNIV",
}

// DevTokens returns one token per staff role. With a data directory they are
// kept in dev-tokens.json (mode 0600) so a restart keeps them; in memory mode
// they are new every start. A role added since the file was written (the
// survey agent, say) gets its token added to the file.
func DevTokens(dataDir string, memory bool) ([]DevToken, error) {
	path := filepath.Join(dataDir, "dev-tokens.json")
	var ts []DevToken
	if !memory {
		b, err := os.ReadFile(path)
		if err == nil {
			if err := json.Unmarshal(b, &ts); err != nil {
				return nil, fmt.Errorf("reading %s: %w", path, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	kept, changed := len(ts), false
	for _, r := range domain.StaffRoles() {
		if slices.ContainsFunc(ts, func(t DevToken) bool { return t.Role == r }) {
			continue
		}
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		ts = append(ts, DevToken{Name: "demo-" + string(r), Token: "dev_" + hex.EncodeToString(b), Role: r, Entity: devScope[r]})
	}
	// A file from before the demo accounts gets their passwords added.
	for i := range ts {
		if ts[i].Password != "" {
			continue
		}
		b := make([]byte, 9)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		ts[i].Username = devUsername(ts[i].Role)
		ts[i].Password = "demo-" + hex.EncodeToString(b)
		changed = true
	}
	if !memory && (len(ts) > kept || changed) {
		b, _ := json.MarshalIndent(ts, "", "  ")
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", dataDir, err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return ts, nil
}

// devUsername is the demo account of a role: its name, with hyphens
// ("care-center-manager").
func devUsername(r domain.Role) string { return strings.ReplaceAll(string(r), "_", "-") }

// DevCredentials hashes demo tokens into API credentials.
func DevCredentials(ts []DevToken) []api.Credential {
	out := make([]api.Credential, 0, len(ts))
	for _, t := range ts {
		out = append(out, api.Credential{Name: t.Name, TokenHash: HashToken(t.Token), Role: t.Role, Entity: t.Entity})
	}
	return out
}

// HashToken is how tokens are configured: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
