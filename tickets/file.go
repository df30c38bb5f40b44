package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// BeneficiaryActor files self-service tickets and takes the beneficiary's
// actions.
var BeneficiaryActor = workflows.Actor{ID: "beneficiary", Role: domain.RoleBeneficiary}

// Filing is one checked filing and, when the client sent one, the
// Idempotency-Key that makes its retries the same filing.
type Filing struct {
	Intake Intake
	By     Filer
	// Key is the client's Idempotency-Key; "" files without one.
	Key string
}

// Filed is the ticket a filing made (or a retry found).
type Filed struct {
	Ticket store.Ticket
	// TrackingCode is shown to the filer here only (and to a retry with the
	// same key); "" on a replay whose seal cannot be opened any more.
	TrackingCode string
	// Replayed: the key was known, and this is the first filing's ticket.
	Replayed bool
}

// File files a ticket: the current policy's snapshot and first deadline, a
// fresh tracking code, the row (with its idempotency record, in one
// transaction), then its workflow. The ticket is durably accepted once its row
// is committed: if Temporal is unreachable now, StartPending starts its
// workflow when it is back (the SLA counts from filing either way), so a
// failed start does not fail the filing, and a client retry cannot make a twin.
func (s *Service) File(ctx context.Context, f Filing) (Filed, error) {
	filedBy := BeneficiaryActor
	if f.By.Staff {
		filedBy = f.By.Actor
	}
	var keyHash, reqHash string
	if f.Key != "" {
		// The filer is part of the request: the same key and body from another
		// caller is not a retry of this one (and must not reveal its code).
		req := f.Intake.hash() + "\n" + filedBy.ID
		if f.By.Mobile != "" {
			// Signed in or not is part of the request too: an anonymous retry
			// must not be handed a proven filing's code.
			req += "\nsession"
		}
		keyHash, reqHash = trackcode.SHA256Hex(f.Key), trackcode.SHA256Hex(req)
		rec, err := s.store.FindIdempotency(ctx, keyHash)
		switch {
		case err == nil:
			return s.replay(ctx, rec, f.Key, reqHash)
		case !errors.Is(err, store.ErrNotFound):
			return Filed{}, fmt.Errorf("find idempotency record: %w", err)
		}
	}

	policy, err := s.store.CurrentPolicy(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return Filed{}, refusal.New(refusal.Busy, refusal.CodeNoPolicy)
	} else if err != nil {
		return Filed{}, fmt.Errorf("load policy: %w", err)
	}
	// Numbers run by the ministry's calendar year: the store takes the year in
	// CreatedAt's location.
	in := f.Intake
	now := s.now().In(sla.Zone(policy.Calendar.TimeZone))
	due, _, err := policy.FirstResponseDue(now, in.Kind, in.Priority)
	if err != nil {
		return Filed{}, fmt.Errorf("policy v%d: %w", policy.Version, err)
	}

	code := trackcode.New()
	var proven *time.Time
	if mobileProven(in, f.By) {
		proven = &now
	}
	t := store.NewTicket{
		Kind:                   in.Kind,
		Channel:                in.Channel,
		Priority:               in.Priority,
		Status:                 domain.StatusOpen,
		Subject:                in.Subject,
		Description:            in.Description,
		Entity:                 in.Entity,
		ResponsibleEntity:      in.Entity,
		BeneficiaryName:        in.Beneficiary.Name,
		BeneficiaryNationalID:  in.Beneficiary.NationalID,
		BeneficiaryMobile:      in.Beneficiary.Mobile,
		BeneficiaryEmail:       in.Beneficiary.Email,
		BeneficiaryType:        in.Beneficiary.Type,
		BeneficiaryGender:      in.Beneficiary.Gender,
		BeneficiaryNationality: in.Beneficiary.Nationality,
		BeneficiaryLanguage:    notify.Language(in.Beneficiary.Language),
		TrackingHash:           s.keys.TrackingHash(code),
		MobileProvenAt:         proven,
		PolicyVersion:          policy.Version,
		SLADueAt:               due,
		FiledByID:              filedBy.ID,
		FiledByRole:            filedBy.Role,
		ChannelDetails:         in.Details,
		CreatedAt:              now,
	}
	var idem *store.IdempotencyRecord
	if f.Key != "" {
		sealed, err := s.keys.Seal(trackcode.SealTrackingCode, f.Key, keyHash, code)
		if err != nil {
			return Filed{}, fmt.Errorf("seal tracking code: %w", err)
		}
		idem = &store.IdempotencyRecord{KeyHash: keyHash, RequestHash: reqHash, SealedCode: sealed, CreatedAt: now}
	}
	ticket, rec, created, err := s.store.CreateTicket(ctx, t, idem)
	switch {
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return Filed{}, refusal.New(refusal.Invalid, refusal.CodeIdempotencyReused)
	case err != nil:
		return Filed{}, fmt.Errorf("create ticket: %w", err)
	case !created && rec != nil:
		// A concurrent request with the same key won the race: answer as its replay.
		return s.replay(ctx, *rec, f.Key, reqHash)
	}
	if err := s.start(ctx, ticket, &policy, filedBy); err != nil {
		s.log.Warn("ticket saved; workflow start deferred to the pending-start loop", "number", ticket.Number, "error", err)
	}
	return Filed{Ticket: ticket, TrackingCode: code}, nil
}

// mobileProven says whether a filing proves the beneficiary's mobile to be
// the filer's. Staff file for a caller or a visitor they verified, or from a
// channel they answer, and are accountable for it; a call-center caller taken
// on their word (unverified) proves nothing. A beneficiary proves the mobile
// their session's one-time code went to (Check refused any other). An
// anonymous filing can name anyone's mobile, so it proves nothing until
// ProveMobile.
func mobileProven(in Intake, by Filer) bool {
	if by.Staff {
		return in.Channel != domain.ChannelCallCenter || in.Details.Verification != domain.VerificationUnverified
	}
	return by.Mobile != "" && by.Mobile == in.Beneficiary.Mobile
}

// ProveMobile proves t's beneficiary mobile to be its filer's: a beneficiary
// signed in with a one-time code to mobile presented t's tracking code, so
// whoever filed it holds that mobile. From then on the ticket is in the
// mobile's own list, takes the beneficiary's uploads and messages the
// beneficiary. The workflow hears it first (an update, idempotent by the
// ticket's number), the row after: a failure before the row leaves nothing
// half done for the retry. A ticket of another mobile is NotFound, as any
// ticket that is not the caller's.
func (s *Service) ProveMobile(ctx context.Context, t store.Ticket, mobile string) (store.Ticket, error) {
	if mobile == "" || t.BeneficiaryMobile != mobile {
		return store.Ticket{}, refusal.New(refusal.NotFound, refusal.CodeNotFound)
	}
	if t.MobileProvenAt != nil {
		return t, nil
	}
	req := workflows.ProveMobileRequest{Actor: BeneficiaryActor}
	_, err := s.act(ctx, t, t.Number, action{workflows.UpdateProveMobile, BeneficiaryActor.ID, req})
	// A finished workflow sends nothing more: the row alone is left to prove.
	if err != nil && !refusal.Is(err, workflows.ErrTicketClosed) {
		return store.Ticket{}, err
	}
	if err := s.store.ProveMobile(ctx, t.Number, mobile, s.now()); err != nil {
		return store.Ticket{}, fmt.Errorf("prove mobile of %s: %w", t.Number, err)
	}
	proven, err := s.store.GetTicket(ctx, t.Number)
	if err != nil {
		return store.Ticket{}, fmt.Errorf("load ticket %s: %w", t.Number, err)
	}
	return proven, nil
}

// replay answers a filing whose Idempotency-Key is known: the same ticket and
// tracking code, finishing the workflow start if the first attempt could not.
func (s *Service) replay(ctx context.Context, rec store.IdempotencyRecord, key, reqHash string) (Filed, error) {
	if rec.RequestHash != reqHash {
		return Filed{}, refusal.New(refusal.Invalid, refusal.CodeIdempotencyReused)
	}
	ticket, err := s.store.GetTicket(ctx, rec.TicketNumber)
	if err != nil {
		return Filed{}, fmt.Errorf("load ticket %s of idempotency record: %w", rec.TicketNumber, err)
	}
	code, err := s.keys.Open(trackcode.SealTrackingCode, key, rec.KeyHash, rec.SealedCode)
	if err != nil {
		// Only a changed tracking secret gets here; the ticket exists, so
		// answer it without the code rather than make the client retry forever.
		s.log.Error("cannot unseal tracking code", "number", ticket.Number, "error", err)
		code = ""
	}
	if !ticket.WorkflowStarted {
		if err := s.start(ctx, ticket, nil, filerOf(ticket)); err != nil {
			s.log.Warn("workflow start retry failed; left to the pending-start loop", "number", ticket.Number, "error", err)
		}
	}
	return Filed{Ticket: ticket, TrackingCode: code, Replayed: true}, nil
}
