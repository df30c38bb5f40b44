package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"

	"github.com/tawasul/tawasul/normalize"
)

// Beneficiary sessions of the running systems, one per system and mobile:
// one-time codes are throttled (one a minute per mobile), so a test signs a
// mobile in once and files with that session from then on.
var (
	sessionsMu sync.Mutex
	sessions   = map[string]string{}
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// signedIn is a session of the holder of mobile, as the portal opens one
// before filing: a code is only sent to a mobile with a ticket, so the
// beneficiary first filed one anonymously (and withdrew it, so that it
// climbs no ladder beside the test's tickets); the code is read from the
// outbox as an SMS gateway would deliver it. The filing stays unproven and
// messages nobody.
func (s *system) signedIn(mobile string) (string, error) {
	sessionsMu.Lock()
	defer sessionsMu.Unlock()
	e164, err := normalize.Mobile(mobile)
	if err != nil {
		return "", err
	}
	key := s.base + " " + e164
	if tok, ok := sessions[key]; ok {
		return tok, nil
	}
	first := ticketBody("KSU", "طلب سابق")
	first["beneficiary"].(map[string]any)["mobile"] = mobile
	r, err := s.send("POST", "/api/v1/tickets", "", first)
	if err != nil || r.Status != http.StatusCreated {
		return "", fmt.Errorf("first filing: %v HTTP %d %s", err, r.Status, r.Raw)
	}
	r, err = s.send("POST", "/api/v1/tickets/"+str(r.Body["number"])+"/withdrawal", "", map[string]any{"reason": "تكرار"},
		"X-Tracking-Code", str(r.Body["tracking_code"]))
	if err != nil || r.Status != http.StatusOK {
		return "", fmt.Errorf("withdrawing the first filing: %v HTTP %d %s", err, r.Status, r.Raw)
	}
	r, err = s.send("POST", "/api/v1/beneficiary/code", "", map[string]any{"mobile": mobile})
	if err != nil || r.Status != http.StatusAccepted {
		return "", fmt.Errorf("code request: %v HTTP %d %s", err, r.Status, r.Raw)
	}
	ms, err := s.app.Store.Outbox(context.Background(), "")
	if err != nil {
		return "", err
	}
	code := ""
	for _, m := range ms {
		if m.Template == "beneficiary_code" && m.Recipient == e164 {
			code = sixDigits.FindString(m.Body) // the newest is last
		}
	}
	r, err = s.send("POST", "/api/v1/beneficiary/session", "", map[string]any{"mobile": mobile, "code": code})
	if err != nil || r.Status != http.StatusOK {
		return "", fmt.Errorf("session: %v HTTP %d %s", err, r.Status, r.Raw)
	}
	sessions[key] = str(r.Body["access_token"])
	return sessions[key], nil
}

// fileSignedIn files body as its beneficiary signed in (signedIn): the
// mobile is proven, so the ticket messages it from the start, lists and
// takes the tracking code's uploads, as every filing did before anonymous
// ones were held apart.
func (s *system) fileSignedIn(body map[string]any) (number, code string) {
	s.t.Helper()
	tok, err := s.signedIn(str(body["beneficiary"].(map[string]any)["mobile"]))
	if err != nil {
		s.t.Fatal(err)
	}
	r := s.must(http.StatusCreated, s.do("POST", "/api/v1/tickets", tok, body))
	number, code = str(r.Body["number"]), str(r.Body["tracking_code"])
	if number == "" || code == "" {
		s.t.Fatalf("201 without number or tracking code: %s", r.Raw)
	}
	return number, code
}
