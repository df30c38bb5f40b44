package tickets

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
)

// numberPattern is the shape of a ticket number ("2026-000123").
var numberPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{6,9}$`)

// ValidNumber reports whether s has the shape of a ticket number; anything
// else is not found without touching the database.
func ValidNumber(s string) bool { return numberPattern.MatchString(s) }

// Get is the ticket numbered number, or a NotFound refusal. Whether the
// caller may see it is the front end's question (authz), answered after.
func (s *Service) Get(ctx context.Context, number string) (store.Ticket, error) {
	if !ValidNumber(number) {
		return store.Ticket{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	t, err := s.store.GetTicket(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return store.Ticket{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return store.Ticket{}, fmt.Errorf("get ticket %s: %w", number, err)
	}
	return t, nil
}

// decoyHash is compared against when the ticket does not exist, so a missing
// ticket costs the same comparison as a wrong code.
var decoyHash = trackcode.SHA256Hex("tawasul decoy tracking hash")

// Tracked is the ticket numbered number if code (as the beneficiary typed
// it) is its tracking code. An unknown number and a wrong code are the very
// same NotFound, in the same time.
func (s *Service) Tracked(ctx context.Context, number, code string) (store.Ticket, error) {
	presented := []byte(s.keys.TrackingHash(trackcode.Canonical(code)))
	var t store.Ticket
	want, found := decoyHash, false
	if ValidNumber(number) {
		var err error
		t, err = s.store.GetTicket(ctx, number)
		switch {
		case err == nil:
			want, found = t.TrackingHash, true
		case !errors.Is(err, store.ErrNotFound):
			return store.Ticket{}, fmt.Errorf("get ticket %s: %w", number, err)
		}
	}
	match := subtle.ConstantTimeCompare(presented, []byte(want)) == 1
	if !found || !match {
		return store.Ticket{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	return t, nil
}
