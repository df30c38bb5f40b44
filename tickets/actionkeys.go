package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
)

// ActionKeyRetention is how long an action's Idempotency-Key stays bound to
// its request (the API's purge loop deletes older ones). Clients retry within
// minutes; a week also covers a retry queued through a long outage. After it
// the key is unknown again, and its reuse is a fresh action: never the first
// one's answer, since the update id carries the request hash too.
const ActionKeyRetention = 7 * 24 * time.Hour

// updateID names the workflow update an action is, so a retried request is
// the same update and Temporal answers it with the first result.
//
// Without a key it is a fresh update (no dedupe). With one, the key is first
// claimed for this request (store.ClaimActionKey): the same key with another
// request is refused with idempotency_key_reused, not answered with the
// first action's result. The id is then the update, the actor, the key and
// the request's hash: the same on every retry, including one after a crash
// between the claim and the update (the claim is found, the update sent
// again), and never that of another request, even once the claim is purged.
func (s *Service) updateID(ctx context.Context, t store.Ticket, key string, a action) (string, error) {
	prefix := a.update + "/" + a.actor + "/"
	if key == "" {
		return prefix + randomID(), nil
	}
	req, err := requestHash(a)
	if err != nil {
		return "", err
	}
	k := store.ActionKey{
		KeyHash:      trackcode.SHA256Hex(t.Number + "\n" + a.actor + "\n" + key),
		RequestHash:  req,
		TicketNumber: t.Number,
		CreatedAt:    s.now(),
	}
	_, err = s.store.ClaimActionKey(ctx, k)
	switch {
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return "", refusal.New(refusal.Invalid, refusal.CodeIdempotencyReused)
	case err != nil:
		return "", fmt.Errorf("claim the action's idempotency key: %w", err)
	}
	// The key itself stays out of the id (it is the client's secret-ish
	// handle, and Temporal's history is read more widely than the database).
	return prefix + k.KeyHash[:32] + "/" + req[:32], nil
}

// requestHash is the hex SHA-256 of the update's name and its request as
// JSON without the credential trace (workflows.Credential, under "via"): a
// retry that comes from another address or session is the same request.
// Requests are structs, whose JSON has a fixed field order.
func requestHash(a action) (string, error) {
	b, err := json.Marshal(a.arg)
	if err != nil {
		return "", fmt.Errorf("encode %s request: %w", a.update, err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("decode %s request: %w", a.update, err)
	}
	b, err = json.Marshal(withoutVia(v)) // maps marshal with sorted keys
	if err != nil {
		return "", fmt.Errorf("encode %s request: %w", a.update, err)
	}
	return trackcode.SHA256Hex(a.update + "\n" + string(b)), nil
}

// withoutVia drops every "via" member (the Credential of an actor or of a
// beneficiary's request) from a decoded JSON value.
func withoutVia(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "via")
		for k, e := range v {
			v[k] = withoutVia(e)
		}
	case []any:
		for i, e := range v {
			v[i] = withoutVia(e)
		}
	}
	return v
}
