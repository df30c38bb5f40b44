package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/accounts"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
)

// Staff sign-in over JSON: password login with short-lived opaque access
// tokens and one-time refresh tokens, logout and password change. The rules
// are package signin's, shared with the web pages; these handlers decode,
// call it and render. The admin's create, disable and role change are in
// accounts.go.

const (
	accessTTL         = signin.AccessTTL
	maxPasswordBytes  = signin.MaxPasswordBytes
	maxUsernameLength = signin.MaxUsernameLength
)

var usernamePattern = accounts.UsernamePattern

type loginIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenPair is the answer to a login or refresh.
type tokenPair struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	ExpiresIn    int         `json:"expires_in"` // seconds
	TokenType    string      `json:"token_type"`
	Role         domain.Role `json:"role"`
	Entity       string      `json:"entity,omitempty"`
}

func writeTokens(c *gin.Context, sess signin.Session, acc store.Account) error {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	return writeJSON(c, http.StatusOK, tokenPair{
		AccessToken: sess.Access, RefreshToken: sess.Refresh, ExpiresIn: int(sess.ExpiresAt.Sub(sess.IssuedAt) / time.Second),
		TokenType: "Bearer", Role: acc.Role, Entity: acc.Entity,
	})
}

// badCredentials is the one answer to every refused login, whatever the
// reason: the client learns nothing about which.
func badCredentials() *apiError { return problem(http.StatusUnauthorized, codeInvalidCredentials) }

// login exchanges a username and password for a token pair
// (signin.Service.Password, then Start). The client's address is rate
// limited here too, before any work.
func (a *API) login(c *gin.Context) error {
	if err := a.rateLimit(c, a.limits.login); err != nil {
		return err
	}
	var in loginIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	acc, err := a.signin.Password(c.Request.Context(), signin.Attempt{
		Username: in.Username, Password: in.Password, Address: clientAddress(c), IP: c.ClientIP(),
	})
	if err != nil {
		return err
	}
	return a.startSession(c, acc, auditLogin, gin.H{"ip": c.ClientIP()})
}

// startSession opens a session for acc, audited as action with detail, and
// answers the token pair: the end of every successful login (password or
// single sign-on).
func (a *API) startSession(c *gin.Context, acc store.Account, action string, detail gin.H) error {
	sess, err := a.signin.Start(c.Request.Context(), acc, signin.StartOptions{Action: action, Detail: detail, WithRefresh: true})
	if err != nil {
		return err
	}
	return writeTokens(c, sess, acc)
}

type refreshIn struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh exchanges a refresh token for a new pair (signin.Service.Refresh).
func (a *API) refresh(c *gin.Context) error {
	if err := a.rateLimit(c, a.limits.login); err != nil {
		return err
	}
	var in refreshIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	sess, acc, err := a.signin.Refresh(c.Request.Context(), in.RefreshToken, c.ClientIP())
	if err != nil {
		return err
	}
	return writeTokens(c, sess, acc)
}

// logout ends the caller's session. A configured token has no session (it is
// revoked by removing it from the configuration): 204 all the same.
func (a *API) logout(c *gin.Context) error {
	if sid, ok := sessionOf(c); ok {
		actor, _ := staffActor(c)
		if err := a.signin.Logout(c.Request.Context(), actor, sid); err != nil {
			return err
		}
	}
	c.Status(http.StatusNoContent)
	return nil
}

type passwordIn struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword replaces the caller's own password and ends every session
// of the account, this one included (signin.Service.ChangePassword).
func (a *API) changePassword(c *gin.Context) error {
	if _, ok := sessionOf(c); !ok {
		return problem(http.StatusForbidden, codeNotAnAccount)
	}
	actor, _ := staffActor(c)
	var in passwordIn
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	if err := a.signin.ChangePassword(c.Request.Context(), actor, signin.PasswordChange{
		Current: in.CurrentPassword, New: in.NewPassword, Address: clientAddress(c), IP: c.ClientIP(),
	}); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type accountIn struct {
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Role     domain.Role `json:"role"`
	Entity   string      `json:"entity"`
	Password string      `json:"password"`
}

type accountOut struct {
	Username  string      `json:"username"`
	Name      string      `json:"name"`
	Role      domain.Role `json:"role"`
	Entity    string      `json:"entity,omitempty"`
	Disabled  bool        `json:"disabled"`
	CreatedAt time.Time   `json:"created_at"`
}
