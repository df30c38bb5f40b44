package loadgen

import (
	"math/rand/v2"

	"github.com/tawasul/tawasul/domain"
)

// Share is one value of a dimension and its weight in percent.
type Share[T comparable] struct {
	Value  T
	Weight float64
}

// Dimension is a weighted choice and where its weights come from, so a report
// can say which proportions are facts and which are assumptions.
type Dimension[T comparable] struct {
	Shares []Share[T]
	Source string
}

// Pick draws one value in proportion to the weights.
func (d Dimension[T]) Pick(r *rand.Rand) T {
	total := 0.0
	for _, s := range d.Shares {
		total += s.Weight
	}
	x := r.Float64() * total
	for _, s := range d.Shares {
		if x < s.Weight {
			return s.Value
		}
		x -= s.Weight
	}
	return d.Shares[len(d.Shares)-1].Value
}

// Fraction is the expected share of v (0..1).
func (d Dimension[T]) Fraction(v T) float64 {
	total, w := 0.0, 0.0
	for _, s := range d.Shares {
		total += s.Weight
		if s.Value == v {
			w += s.Weight
		}
	}
	if total == 0 {
		return 0
	}
	return w / total
}

// Mix is the shape of the traffic. DefaultMix documents every weight's origin.
type Mix struct {
	Kinds       Dimension[domain.Kind]
	Channels    Dimension[domain.Channel]
	Priorities  Dimension[domain.Priority]
	Types       Dimension[domain.BeneficiaryType]
	Genders     Dimension[domain.Gender]
	Nationality Dimension[domain.Nationality]
	// Verifications is how call-center callers are verified; Platforms where
	// social-media posts come from.
	Verifications Dimension[domain.Verification]
	Platforms     Dimension[domain.SocialPlatform]
	// EmailShare is the share of beneficiaries who give an e-mail address.
	EmailShare float64
}

// DefaultMix follows docs/seeds-digest.md (the DIGEST) where it gives figures and
// says so; where it gives none the weights are assumptions, marked as such.
func DefaultMix() Mix {
	return Mix{
		Kinds: Dimension[domain.Kind]{
			Source: "assumed, except meeting_request: 8,000 minister meetings against 300,000+ e-service beneficiaries and 42,000 visitors in 2018 (DIGEST) ≈ 2%",
			Shares: []Share[domain.Kind]{
				{domain.KindInquiry, 40}, {domain.KindComplaint, 30}, {domain.KindReport, 10},
				{domain.KindSuggestion, 9}, {domain.KindConsultation, 9}, {domain.KindMeetingRequest, 2},
			},
		},
		// 2018 volumes (DIGEST): 300,000+ beneficiaries on the e-service
		// (portal and app), 42,000 walk-in visitors, 1,000,000+ calls to 19996 of
		// which most are answered from the FAQ bank; we assume one call in five
		// becomes a ticket. The portal/app split and social/e-mail are assumed.
		Channels: Dimension[domain.Channel]{
			Source: "DIGEST 2018 volumes: e-service 300k, walk-in 42k, calls 1M (assumed 1 in 5 filed); portal/app split, social and e-mail assumed",
			Shares: []Share[domain.Channel]{
				{domain.ChannelPortal, 35}, {domain.ChannelApp, 17}, {domain.ChannelCallCenter, 35},
				{domain.ChannelWalkIn, 7}, {domain.ChannelSocial, 4}, {domain.ChannelEmail, 2},
			},
		},
		Verifications: Dimension[domain.Verification]{
			Source: "assumed",
			Shares: []Share[domain.Verification]{
				{domain.VerificationRegisteredMobile, 50}, {domain.VerificationNationalIDQuestions, 30},
				{domain.VerificationAbsherOTP, 15}, {domain.VerificationUnverified, 5},
			},
		},
		Platforms: Dimension[domain.SocialPlatform]{
			Source: "assumed (the DIGEST names social media as a channel, no shares)",
			Shares: []Share[domain.SocialPlatform]{{"x", 60}, {"instagram", 15}, {"tiktok", 10}, {"snapchat", 10}, {"facebook", 5}},
		},
		Priorities: Dimension[domain.Priority]{
			Source: "assumed (the DIGEST names classification by importance, no shares)",
			Shares: []Share[domain.Priority]{
				{domain.PriorityNormal, 80}, {domain.PriorityHigh, 15}, {domain.PriorityUrgent, 5},
			},
		},
		Types: Dimension[domain.BeneficiaryType]{
			Source: "company 13% from the DIGEST (reception-center split: men 65%, women 23%, companies 13%); the other types assumed",
			Shares: []Share[domain.BeneficiaryType]{
				{domain.BeneficiaryStudent, 33}, {domain.BeneficiaryParent, 18}, {domain.BeneficiaryTeacher, 15},
				{domain.BeneficiaryEmployee, 8}, {domain.BeneficiaryScholarshipStudent, 6},
				{domain.BeneficiaryFaculty, 5}, {domain.BeneficiaryOther, 2}, {domain.BeneficiaryCompany, 13},
			},
		},
		Genders: Dimension[domain.Gender]{
			Source: "DIGEST: men 65%, women 23% of requests (companies apart)",
			Shares: []Share[domain.Gender]{{domain.GenderMale, 65}, {domain.GenderFemale, 23}},
		},
		Nationality: Dimension[domain.Nationality]{
			Source: "DIGEST: citizens 87%, residents 13%",
			Shares: []Share[domain.Nationality]{{domain.NationalityCitizen, 87}, {domain.NationalityResident, 13}},
		},
		EmailShare: 0.3,
	}
}

// entityGroup is a set of entities a beneficiary type writes to, weighted.
type entityGroup struct {
	weight float64
	match  func(Entity) bool
}

func ofKind(k domain.EntityKind) func(Entity) bool {
	return func(e Entity) bool { return e.Kind == k }
}

// attaché is how the bundled organization places cultural attachés: under the
// scholarships deputyship. With another organization the group is empty and
// the draw falls back to any entity.
func attache(e Entity) bool { return e.Parent == "SCHOLAR" || e.Code == "SCHOLAR" }

// affinity says where a beneficiary of a type usually writes (a teacher to an
// education department, a scholarship student to a cultural attaché). Types
// not listed write to any entity, which spreads traffic over all 141, the
// sectors included.
var affinity = map[domain.BeneficiaryType][]entityGroup{
	domain.BeneficiaryStudent: {{4, ofKind(domain.EntityPublicUniversity)}, {2, ofKind(domain.EntityPrivateUniversity)},
		{4, ofKind(domain.EntityEducationDepartment)}},
	domain.BeneficiaryTeacher:            {{1, ofKind(domain.EntityEducationDepartment)}},
	domain.BeneficiaryParent:             {{1, ofKind(domain.EntityEducationDepartment)}},
	domain.BeneficiaryFaculty:            {{3, ofKind(domain.EntityPublicUniversity)}, {1, ofKind(domain.EntityPrivateUniversity)}},
	domain.BeneficiaryScholarshipStudent: {{1, attache}},
	domain.BeneficiaryCompany: {{1, ofKind(domain.EntityPrivateUniversity)}, {1, ofKind(domain.EntityEducationDepartment)},
		{1, ofKind(domain.EntityAgency)}},
}
