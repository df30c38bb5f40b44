package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Limits of ticket text, counted in runes after normalization.
const (
	MaxSubject     = 200
	MaxDescription = 5000
	MaxName        = 200
	MaxMessage     = 5000
)

// Form is a filing as sent, by any front end. Enumerations are plain strings
// so an unknown value becomes a field error rather than a decode error.
type Form struct {
	Kind        string           `json:"kind"`
	Channel     string           `json:"channel"`
	Priority    string           `json:"priority"`
	Subject     string           `json:"subject"`
	Description string           `json:"description"`
	Entity      string           `json:"entity"`
	Beneficiary *BeneficiaryForm `json:"beneficiary"`
	// ChannelDetails are what each staffed channel records about how the
	// ticket came in.
	ChannelDetails *ChannelDetailsForm `json:"channel_details"`
}

// ChannelDetailsForm is what a staffed channel records, as sent.
type ChannelDetailsForm struct {
	Verification string `json:"verification"` // call_center: how the caller was verified
	Platform     string `json:"platform"`     // social: where the post was
	Handle       string `json:"handle"`       // social: who posted it
	PostURL      string `json:"post_url"`     // social: the post, optional
	MessageID    string `json:"message_id"`   // email: the message filed from, optional
}

// BeneficiaryForm is who the ticket is for, as sent.
type BeneficiaryForm struct {
	Name        string `json:"name"`
	NationalID  string `json:"national_id"`
	Mobile      string `json:"mobile"`
	Email       string `json:"email"`
	Type        string `json:"type"`
	Gender      string `json:"gender"`
	Nationality string `json:"nationality"`
	Language    string `json:"language"`
}

// Filer is who files: a staff member (Staff true, on a staffed channel or
// for a caller) or the beneficiary (self-service), anonymous or signed in.
type Filer struct {
	Actor workflows.Actor
	Staff bool
	// Mobile is the beneficiary's own mobile (E.164), proven by the one-time
	// code of their session; "" for an anonymous filer and for staff. A
	// filer signed in files for that mobile only.
	Mobile string
}

// Intake is a checked, normalized filing. Its JSON form is the canonical
// request whose hash binds an Idempotency-Key to one body.
type Intake struct {
	Kind        domain.Kind           `json:"kind"`
	Channel     domain.Channel        `json:"channel"`
	Priority    domain.Priority       `json:"priority"`
	Subject     string                `json:"subject"`
	Description string                `json:"description"`
	Entity      string                `json:"entity"`
	Beneficiary workflows.Beneficiary `json:"beneficiary"`
	Details     store.ChannelDetails  `json:"channel_details"`
}

func (in Intake) hash() string {
	b, err := json.Marshal(in)
	if err != nil { // plain strings only: cannot fail
		panic(err)
	}
	sum := sha256.Sum256(append([]byte("tawasul intake v1\n"), b...))
	return hex.EncodeToString(sum[:])
}

// Check checks and normalizes a filing before anything is written. A
// staff-only channel without a filing staff member is Forbidden; every other
// problem is collected into one Invalid refusal naming each field.
func (s *Service) Check(ctx context.Context, in Form, by Filer) (Intake, error) {
	var out Intake
	var errs []refusal.Field
	add := func(field, code string) { errs = append(errs, refusal.Field{Name: field, Code: code}) }

	out.Kind = domain.Kind(strings.TrimSpace(in.Kind))
	switch {
	case out.Kind == "":
		add("kind", refusal.FieldRequired)
	case !out.Kind.Valid():
		add("kind", refusal.FieldInvalidValue)
	}

	out.Channel = domain.Channel(strings.TrimSpace(in.Channel))
	switch {
	case out.Channel == "":
		add("channel", refusal.FieldRequired)
	case !out.Channel.Valid():
		add("channel", refusal.FieldInvalidValue)
	case by.Staff && !authz.MayFile(by.Actor.Role):
		return Intake{}, refusal.New(refusal.Forbidden, refusal.CodeForbidden)
	case !out.Channel.SelfService() && !by.Staff:
		e := refusal.New(refusal.Forbidden, refusal.CodeForbidden)
		e.Fields = []refusal.Field{{Name: "channel", Code: refusal.FieldStaffOnlyChannel}}
		return Intake{}, e
	}

	out.Priority = domain.Priority(strings.TrimSpace(in.Priority))
	if out.Priority == "" {
		out.Priority = domain.PriorityNormal
	} else if !out.Priority.Valid() {
		add("priority", refusal.FieldInvalidValue)
	} else if out.Priority != domain.PriorityNormal && !(by.Staff && authz.MaySetPriority(by.Actor.Role)) {
		// Priority orders the staff's work and picks the SLA: a beneficiary
		// describes the matter, staff judge its urgency.
		add("priority", refusal.FieldStaffOnly)
	}

	out.Subject = normalize.Text(in.Subject)
	CheckText(&errs, "subject", out.Subject, MaxSubject, true)
	out.Description = normalize.Text(in.Description)
	CheckText(&errs, "description", out.Description, MaxDescription, true)

	out.Entity = strings.TrimSpace(in.Entity)
	if out.Kind == domain.KindMeetingRequest {
		// A request to meet the minister goes to the minister's office at
		// the ministry, whichever entity the matter concerns (an entity
		// given is still checked, so a typo is not silently accepted).
		tree, err := s.entities.Tree(ctx)
		if err != nil {
			return Intake{}, fmt.Errorf("load hierarchy: %w", err)
		}
		if out.Entity != "" && !slices.Contains(tree.Codes(), out.Entity) {
			add("entity", refusal.FieldUnknownEntity)
		}
		out.Entity = tree.Root()
	}
	if out.Entity == "" {
		add("entity", refusal.FieldRequired)
	} else if len(out.Entity) > 32 || normalize.HasHidden(out.Entity) {
		// Not a code anyone could hold, and PostgreSQL refuses a NUL even in
		// the lookup.
		add("entity", refusal.FieldUnknownEntity)
	} else if _, err := s.store.GetEntity(ctx, out.Entity); errors.Is(err, store.ErrNotFound) {
		add("entity", refusal.FieldUnknownEntity)
	} else if err != nil {
		return Intake{}, fmt.Errorf("load entity: %w", err)
	}

	if in.Beneficiary == nil {
		add("beneficiary", refusal.FieldRequired)
	} else {
		b, berrs := checkBeneficiary(*in.Beneficiary)
		out.Beneficiary = b
		errs = append(errs, berrs...)
		if by.Mobile != "" && b.Mobile != "" && b.Mobile != by.Mobile {
			// A session proves one mobile; another is filed signed out, unproven.
			add("beneficiary.mobile", refusal.FieldNotYourMobile)
		}
	}
	if out.Channel.Valid() {
		d, derrs := checkChannelDetails(out.Channel, in.ChannelDetails)
		out.Details = d
		errs = append(errs, derrs...)
		if out.Channel == domain.ChannelEmail && in.Beneficiary != nil && out.Beneficiary.Email == "" {
			add("beneficiary.email", refusal.FieldRequired) // the address the answer goes back to
		}
	}
	if len(errs) > 0 {
		return Intake{}, refusal.Fields(errs...)
	}
	return out, nil
}

// checkChannelDetails checks what each channel must record: how a caller was
// verified, which platform and account a post came from; a field that belongs
// to another channel is refused rather than silently kept.
func checkChannelDetails(ch domain.Channel, in *ChannelDetailsForm) (store.ChannelDetails, []refusal.Field) {
	var d store.ChannelDetails
	var errs []refusal.Field
	add := func(field, code string) {
		errs = append(errs, refusal.Field{Name: "channel_details." + field, Code: code})
	}
	if in == nil {
		in = &ChannelDetailsForm{}
	}
	d.Verification = domain.Verification(strings.TrimSpace(in.Verification))
	d.Platform = domain.SocialPlatform(strings.ToLower(strings.TrimSpace(in.Platform)))
	d.Handle = normalize.Text(in.Handle)
	d.PostURL = strings.TrimSpace(in.PostURL)
	d.MessageID = strings.TrimSpace(in.MessageID)
	only := func(field string, set bool, on domain.Channel) {
		if set && ch != on {
			add(field, refusal.FieldNotForChannel)
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
			add("verification", refusal.FieldRequired)
		case !d.Verification.Valid():
			add("verification", refusal.FieldNotInList)
		}
	case domain.ChannelSocial:
		switch {
		case d.Platform == "":
			add("platform", refusal.FieldRequired)
		case !d.Platform.Valid():
			add("platform", refusal.FieldNotInList)
		}
		switch {
		case d.Handle == "":
			add("handle", refusal.FieldRequired)
		case utf8.RuneCountInString(d.Handle) > 100 || strings.ContainsAny(d.Handle, " \t\n"):
			add("handle", refusal.FieldInvalidValue)
		}
		if d.PostURL != "" {
			if u, err := url.Parse(d.PostURL); err != nil || u.Scheme != "https" || u.Host == "" || len(d.PostURL) > 500 ||
				normalize.HasHidden(d.PostURL) {
				add("post_url", refusal.FieldInvalidValue)
			}
		}
	case domain.ChannelEmail:
		switch {
		case len(d.MessageID) > 200:
			add("message_id", refusal.FieldTooLong)
		case normalize.HasHidden(d.MessageID):
			add("message_id", refusal.FieldInvalidValue)
		}
	}
	return d, errs
}

func checkBeneficiary(in BeneficiaryForm) (workflows.Beneficiary, []refusal.Field) {
	var b workflows.Beneficiary
	var errs []refusal.Field
	add := func(field, code string) {
		errs = append(errs, refusal.Field{Name: "beneficiary." + field, Code: code})
	}

	b.Name = normalize.Text(in.Name)
	CheckText(&errs, "beneficiary.name", b.Name, MaxName, true)

	if strings.TrimSpace(in.NationalID) == "" {
		add("national_id", refusal.FieldRequired)
	} else if id, err := normalize.NationalID(in.NationalID); err != nil {
		add("national_id", refusal.FieldInvalidNationalID)
	} else {
		b.NationalID = id
	}

	if strings.TrimSpace(in.Mobile) == "" {
		add("mobile", refusal.FieldRequired)
	} else if m, err := normalize.Mobile(in.Mobile); err != nil {
		add("mobile", refusal.FieldInvalidMobile)
	} else {
		b.Mobile = m
	}

	if strings.TrimSpace(in.Email) != "" {
		if e, err := normalize.Email(in.Email); err != nil {
			add("email", refusal.FieldInvalidEmail)
		} else {
			b.Email = e
		}
	}

	b.Type = domain.BeneficiaryType(strings.TrimSpace(in.Type))
	switch {
	case b.Type == "":
		add("type", refusal.FieldRequired)
	case !b.Type.Valid():
		add("type", refusal.FieldInvalidValue)
	}

	if g := strings.TrimSpace(in.Gender); g != "" {
		b.Gender = domain.Gender(g)
		if !b.Gender.Valid() {
			add("gender", refusal.FieldInvalidValue)
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
			add("nationality", refusal.FieldInvalidValue)
		case fromID != "" && given != fromID:
			add("nationality", refusal.FieldNationality)
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
		add("language", refusal.FieldInvalidValue)
	}
	return b, errs
}

// CheckText adds field's error to errs when s (already normalized) is missing
// but required, or longer than max runes.
func CheckText(errs *[]refusal.Field, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		*errs = append(*errs, refusal.Field{Name: field, Code: refusal.FieldRequired})
	case utf8.RuneCountInString(s) > max:
		*errs = append(*errs, refusal.Field{Name: field, Code: refusal.FieldTooLong})
	}
}
