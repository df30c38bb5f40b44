package api

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Limits of intake text, counted in runes after normalization.
const (
	maxSubject     = 200
	maxDescription = 5000
	maxName        = 200
	maxMessage     = 5000
)

// createTicketIn is the intake body as sent. Enumerations are plain strings
// so an unknown value becomes a field error (422) rather than a decode error.
type createTicketIn struct {
	Kind        string         `json:"kind"`
	Channel     string         `json:"channel"`
	Priority    string         `json:"priority"`
	Subject     string         `json:"subject"`
	Description string         `json:"description"`
	Entity      string         `json:"entity"`
	Beneficiary *beneficiaryIn `json:"beneficiary"`
	// ChannelDetails are what each staffed channel records about how the
	// ticket came in.
	ChannelDetails *channelDetailsIn `json:"channel_details"`
}

type channelDetailsIn struct {
	Verification string `json:"verification"` // call_center: how the caller was verified
	Platform     string `json:"platform"`     // social: where the post was
	Handle       string `json:"handle"`       // social: who posted it
	PostURL      string `json:"post_url"`     // social: the post, optional
	MessageID    string `json:"message_id"`   // email: the message filed from, optional
}

type beneficiaryIn struct {
	Name        string `json:"name"`
	NationalID  string `json:"national_id"`
	Mobile      string `json:"mobile"`
	Email       string `json:"email"`
	Type        string `json:"type"`
	Gender      string `json:"gender"`
	Nationality string `json:"nationality"`
	Language    string `json:"language"`
}

// intake is a validated, normalized request. Its JSON form is the canonical
// request whose hash binds an Idempotency-Key to one body.
type intake struct {
	Kind        domain.Kind           `json:"kind"`
	Channel     domain.Channel        `json:"channel"`
	Priority    domain.Priority       `json:"priority"`
	Subject     string                `json:"subject"`
	Description string                `json:"description"`
	Entity      string                `json:"entity"`
	Beneficiary workflows.Beneficiary `json:"beneficiary"`
	Details     store.ChannelDetails  `json:"channel_details"`
}

func (in intake) hash() string {
	b, err := json.Marshal(in)
	if err != nil { // plain strings only: cannot fail
		panic(err)
	}
	sum := sha256.Sum256(append([]byte("tawasul intake v1\n"), b...))
	return hex.EncodeToString(sum[:])
}

// validateIntake checks and normalizes everything before anything is written.
// A staff-only channel without a filing staff token is 403; every other
// problem is collected into one 422.
func (a *API) validateIntake(ctx context.Context, in createTicketIn, actor workflows.Actor, isStaff bool) (intake, error) {
	var out intake
	var errs []fieldErr
	add := func(field, code string) { errs = append(errs, fieldErr{field: field, code: code}) }

	out.Kind = domain.Kind(strings.TrimSpace(in.Kind))
	switch {
	case out.Kind == "":
		add("kind", fieldRequired)
	case !out.Kind.Valid():
		add("kind", fieldInvalidValue)
	}

	out.Channel = domain.Channel(strings.TrimSpace(in.Channel))
	switch {
	case out.Channel == "":
		add("channel", fieldRequired)
	case !out.Channel.Valid():
		add("channel", fieldInvalidValue)
	case isStaff && !authz.MayFile(actor.Role):
		e := problem(http.StatusForbidden, codeForbidden)
		return intake{}, e
	case !out.Channel.SelfService() && !isStaff:
		e := problem(http.StatusForbidden, codeForbidden)
		e.fields = []fieldErr{{field: "channel", code: fieldStaffOnlyChannel}}
		return intake{}, e
	}

	out.Priority = domain.Priority(strings.TrimSpace(in.Priority))
	if out.Priority == "" {
		out.Priority = domain.PriorityNormal
	} else if !out.Priority.Valid() {
		add("priority", fieldInvalidValue)
	} else if out.Priority != domain.PriorityNormal && !(isStaff && authz.MaySetPriority(actor.Role)) {
		// Priority orders the staff's work and picks the SLA: a beneficiary
		// describes the matter, staff judge its urgency.
		add("priority", fieldStaffOnly)
	}

	out.Subject = normalize.Text(in.Subject)
	checkText(&errs, "subject", out.Subject, maxSubject, true)
	out.Description = normalize.Text(in.Description)
	checkText(&errs, "description", out.Description, maxDescription, true)

	out.Entity = strings.TrimSpace(in.Entity)
	if out.Kind == domain.KindMeetingRequest {
		// A request to meet the minister goes to the minister's office at
		// the ministry, whichever entity the matter concerns (an entity
		// given is still checked, so a typo is not silently accepted).
		tree, err := a.entities.tree(ctx)
		if err != nil {
			return intake{}, fmt.Errorf("load hierarchy: %w", err)
		}
		if out.Entity != "" && !slices.Contains(tree.Codes(), out.Entity) {
			add("entity", fieldUnknownEntity)
		}
		out.Entity = tree.Root()
	}
	if out.Entity == "" {
		add("entity", fieldRequired)
	} else if len(out.Entity) > 32 {
		add("entity", fieldUnknownEntity)
	} else if _, err := a.store.GetEntity(ctx, out.Entity); errors.Is(err, store.ErrNotFound) {
		add("entity", fieldUnknownEntity)
	} else if err != nil {
		return intake{}, fmt.Errorf("load entity: %w", err)
	}

	if in.Beneficiary == nil {
		add("beneficiary", fieldRequired)
	} else {
		b, berrs := validateBeneficiary(*in.Beneficiary)
		out.Beneficiary = b
		errs = append(errs, berrs...)
	}
	if out.Channel.Valid() {
		d, derrs := validateChannelDetails(out.Channel, in.ChannelDetails)
		out.Details = d
		errs = append(errs, derrs...)
		if out.Channel == domain.ChannelEmail && in.Beneficiary != nil && out.Beneficiary.Email == "" {
			add("beneficiary.email", fieldRequired) // the address the answer goes back to
		}
	}
	if len(errs) > 0 {
		return intake{}, invalid(errs...)
	}
	return out, nil
}

// validateChannelDetails checks what each channel must record: how a caller
// was verified, which platform and account a post came from; a field that
// belongs to another channel is refused rather than silently kept.
func validateChannelDetails(ch domain.Channel, in *channelDetailsIn) (store.ChannelDetails, []fieldErr) {
	var d store.ChannelDetails
	var errs []fieldErr
	add := func(field, code string) { errs = append(errs, fieldErr{field: "channel_details." + field, code: code}) }
	if in == nil {
		in = &channelDetailsIn{}
	}
	d.Verification = domain.Verification(strings.TrimSpace(in.Verification))
	d.Platform = domain.SocialPlatform(strings.ToLower(strings.TrimSpace(in.Platform)))
	d.Handle = normalize.Text(in.Handle)
	d.PostURL = strings.TrimSpace(in.PostURL)
	d.MessageID = strings.TrimSpace(in.MessageID)
	only := func(field string, set bool, on domain.Channel) {
		if set && ch != on {
			add(field, fieldNotForChannel)
		}
	}
	only("verification", d.Verification != "", domain.ChannelCallCenter)
	only("platform", d.Platform != "", domain.ChannelSocial)
	only("handle", d.Handle != "", domain.ChannelSocial)
	only("post_url", d.PostURL != "", domain.ChannelSocial)
	only("message_id", d.MessageID != "", domain.ChannelEmail)
	switch ch {
	case domain.ChannelCallCenter:
		switch {
		case d.Verification == "":
			add("verification", fieldRequired)
		case !d.Verification.Valid():
			add("verification", fieldNotInList)
		}
	case domain.ChannelSocial:
		switch {
		case d.Platform == "":
			add("platform", fieldRequired)
		case !d.Platform.Valid():
			add("platform", fieldNotInList)
		}
		switch {
		case d.Handle == "":
			add("handle", fieldRequired)
		case utf8.RuneCountInString(d.Handle) > 100 || strings.ContainsAny(d.Handle, " \t\n"):
			add("handle", fieldInvalidValue)
		}
		if d.PostURL != "" {
			if u, err := url.Parse(d.PostURL); err != nil || u.Scheme != "https" || u.Host == "" || len(d.PostURL) > 500 {
				add("post_url", fieldInvalidValue)
			}
		}
	case domain.ChannelEmail:
		if len(d.MessageID) > 200 {
			add("message_id", fieldTooLong)
		}
	}
	return d, errs
}

func validateBeneficiary(in beneficiaryIn) (workflows.Beneficiary, []fieldErr) {
	var b workflows.Beneficiary
	var errs []fieldErr
	add := func(field, code string) { errs = append(errs, fieldErr{field: "beneficiary." + field, code: code}) }

	b.Name = normalize.Text(in.Name)
	checkText(&errs, "beneficiary.name", b.Name, maxName, true)

	if strings.TrimSpace(in.NationalID) == "" {
		add("national_id", fieldRequired)
	} else if id, err := normalize.NationalID(in.NationalID); err != nil {
		add("national_id", fieldInvalidNationalID)
	} else {
		b.NationalID = id
	}

	if strings.TrimSpace(in.Mobile) == "" {
		add("mobile", fieldRequired)
	} else if m, err := normalize.Mobile(in.Mobile); err != nil {
		add("mobile", fieldInvalidMobile)
	} else {
		b.Mobile = m
	}

	if strings.TrimSpace(in.Email) != "" {
		if e, err := normalize.Email(in.Email); err != nil {
			add("email", fieldInvalidEmail)
		} else {
			b.Email = e
		}
	}

	b.Type = domain.BeneficiaryType(strings.TrimSpace(in.Type))
	switch {
	case b.Type == "":
		add("type", fieldRequired)
	case !b.Type.Valid():
		add("type", fieldInvalidValue)
	}

	if g := strings.TrimSpace(in.Gender); g != "" {
		b.Gender = domain.Gender(g)
		if !b.Gender.Valid() {
			add("gender", fieldInvalidValue)
		}
	}

	// The first digit of a Saudi ID says who holds it: 1 citizen, 2 resident.
	var fromID domain.Nationality
	if b.NationalID != "" {
		switch b.NationalID[0] {
		case '1':
			fromID = domain.NationalityCitizen
		case '2':
			fromID = domain.NationalityResident
		}
	}
	b.Nationality = fromID
	if n := strings.TrimSpace(in.Nationality); n != "" {
		given := domain.Nationality(n)
		switch {
		case !given.Valid():
			add("nationality", fieldInvalidValue)
		case fromID != "" && given != fromID:
			add("nationality", fieldNationality)
		default:
			b.Nationality = given
		}
	}

	// Arabic is the default and stays implicit in the workflow input
	// (workflows.Beneficiary.Language), so "ar" and no language are one request.
	switch strings.ToLower(strings.TrimSpace(in.Language)) {
	case "", notify.Arabic:
	case notify.English:
		b.Language = notify.English
	default:
		add("language", fieldInvalidValue)
	}
	return b, errs
}

func checkText(errs *[]fieldErr, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		*errs = append(*errs, fieldErr{field: field, code: fieldRequired})
	case utf8.RuneCountInString(s) > max:
		*errs = append(*errs, fieldErr{field: field, code: fieldTooLong})
	}
}

// idempotencyKey reads the optional Idempotency-Key header: absent is fine,
// present must be 1..200 printable ASCII characters.
func idempotencyKey(h http.Header) (string, bool, *apiError) {
	vs, present := h["Idempotency-Key"]
	if !present {
		return "", false, nil
	}
	if len(vs) != 1 || !printableToken(vs[0], 200) {
		return "", false, problem(http.StatusBadRequest, codeBadIdempotencyKey)
	}
	return vs[0], true, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Tracking codes: 12 characters from an alphabet without look-alikes (no 0/O,
// 1/I), 60 bits of randomness. 32 symbols divide 256, so taking a byte mod 32
// is unbiased.
const trackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

func newTrackingCode() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = trackingAlphabet[b[i]%32]
	}
	return string(b[:])
}

// canonicalTrackingCode forgives what people do when copying a code: spaces,
// dashes, lower case, Arabic-Indic digits.
func canonicalTrackingCode(s string) string {
	s = normalize.Digits(s)
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// Seals: AES-GCM under a key derived with HKDF-SHA256 from a raw value only
// the client holds (the database keeps its hash) salted with the server
// secret, the info label keeping each use's keys apart. What is sealed can be
// read again only by a request presenting that raw value.
const (
	// The tracking code of an idempotent filing, under the raw Idempotency-Key.
	sealTrackingCode = "tawasul tracking-code seal v1"
	// The mobile of a beneficiary session, under the session's token.
	sealSessionMobile = "tawasul beneficiary-session mobile seal v1"
)

func (a *API) seal(rawKey, keyHash, code string) ([]byte, error) {
	return a.sealWith(sealTrackingCode, rawKey, keyHash, code)
}

func (a *API) unseal(rawKey, keyHash string, sealed []byte) (string, error) {
	return a.openWith(sealTrackingCode, rawKey, keyHash, sealed)
}

// sealWith seals plain under rawKey for the use named by info; aad (the raw
// key's stored hash) binds the sealed bytes to their row.
func (a *API) sealWith(info, rawKey, aad, plain string) ([]byte, error) {
	gcm, err := a.gcm(info, rawKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, []byte(plain), []byte(aad)), nil
}

func (a *API) openWith(info, rawKey, aad string, sealed []byte) (string, error) {
	gcm, err := a.gcm(info, rawKey)
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed value too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("open sealed value (%s): %w", info, err)
	}
	return string(plain), nil
}

func (a *API) gcm(info, rawKey string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(rawKey), a.secret, info, 32)
	if err != nil {
		return nil, fmt.Errorf("derive seal key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
