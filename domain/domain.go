// Package domain holds the closed vocabularies every layer shares: ticket kinds,
// channels, priorities, statuses, beneficiary attributes and staff roles. Keeping
// them in one leaf package lets the workflow, the API, the store and the SLA
// policy agree on spelling without importing each other.
package domain

import "slices"

// Kind is what the beneficiary asks for.
type Kind string

const (
	KindInquiry        Kind = "inquiry"
	KindComplaint      Kind = "complaint"
	KindSuggestion     Kind = "suggestion"
	KindReport         Kind = "report"
	KindConsultation   Kind = "consultation"
	KindMeetingRequest Kind = "meeting_request"
)

// Kinds lists every kind in a fixed order (stable for iteration in workflows).
func Kinds() []Kind {
	return []Kind{KindInquiry, KindComplaint, KindSuggestion, KindReport, KindConsultation, KindMeetingRequest}
}

func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Channel is how the ticket reached the ministry.
type Channel string

const (
	ChannelPortal     Channel = "portal"
	ChannelApp        Channel = "app"
	ChannelCallCenter Channel = "call_center"
	ChannelSocial     Channel = "social"
	ChannelWalkIn     Channel = "walk_in"
	ChannelEmail      Channel = "email"
)

func Channels() []Channel {
	return []Channel{ChannelPortal, ChannelApp, ChannelCallCenter, ChannelSocial, ChannelWalkIn, ChannelEmail}
}

func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// SelfService reports whether a beneficiary may file on this channel without
// staff: the portal and the app. The others are staffed (agents, reception).
func (c Channel) SelfService() bool { return c == ChannelPortal || c == ChannelApp }

// Priority orders the inbox and selects the SLA rule.
type Priority string

const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

func Priorities() []Priority { return []Priority{PriorityNormal, PriorityHigh, PriorityUrgent} }

func (p Priority) Valid() bool { return slices.Contains(Priorities(), p) }

// Status is where a ticket stands in its life.
type Status string

const (
	// StatusOpen: waiting for the responsible entity's answer (possibly escalated).
	StatusOpen Status = "open"
	// StatusAnswered: answered; the objection window is running.
	StatusAnswered Status = "answered"
	// StatusReopened: the beneficiary objected; under review one level up.
	StatusReopened Status = "reopened"
	// StatusClosed: the objection window passed, or the review was answered.
	StatusClosed Status = "closed"
	// StatusWithdrawn: the beneficiary withdrew the ticket.
	StatusWithdrawn Status = "withdrawn"
	// StatusAwaitingInfo: staff asked the beneficiary a question; the SLA
	// clock is paused until the answer (or the reply window closes it).
	StatusAwaitingInfo Status = "awaiting_info"
	// StatusMeetingOffered: the minister's office offered a meeting slot;
	// the beneficiary has until the offer's confirm-by time to accept it.
	StatusMeetingOffered Status = "meeting_offered"
	// StatusMeetingBooked: the beneficiary accepted the slot; the ticket
	// waits for the meeting and its attendance record.
	StatusMeetingBooked Status = "meeting_booked"
)

func Statuses() []Status {
	return []Status{StatusOpen, StatusAnswered, StatusReopened, StatusClosed, StatusWithdrawn, StatusAwaitingInfo,
		StatusMeetingOffered, StatusMeetingBooked}
}

func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Pending reports whether the ticket waits on staff (it belongs in an inbox).
func (s Status) Pending() bool { return s == StatusOpen || s == StatusReopened }

// Final reports whether nothing more can happen to the ticket.
func (s Status) Final() bool { return s == StatusClosed || s == StatusWithdrawn }

// BeneficiaryType is who the beneficiary is to the ministry.
type BeneficiaryType string

const (
	BeneficiaryStudent            BeneficiaryType = "student"
	BeneficiaryTeacher            BeneficiaryType = "teacher"
	BeneficiaryFaculty            BeneficiaryType = "faculty"
	BeneficiaryScholarshipStudent BeneficiaryType = "scholarship_student"
	BeneficiaryParent             BeneficiaryType = "parent"
	BeneficiaryEmployee           BeneficiaryType = "employee"
	BeneficiaryCompany            BeneficiaryType = "company"
	BeneficiaryOther              BeneficiaryType = "other"
)

func BeneficiaryTypes() []BeneficiaryType {
	return []BeneficiaryType{BeneficiaryStudent, BeneficiaryTeacher, BeneficiaryFaculty, BeneficiaryScholarshipStudent,
		BeneficiaryParent, BeneficiaryEmployee, BeneficiaryCompany, BeneficiaryOther}
}

func (b BeneficiaryType) Valid() bool { return slices.Contains(BeneficiaryTypes(), b) }

type Gender string

const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
)

func (g Gender) Valid() bool { return g == GenderMale || g == GenderFemale }

type Nationality string

const (
	NationalityCitizen  Nationality = "citizen"
	NationalityResident Nationality = "resident"
)

func (n Nationality) Valid() bool { return n == NationalityCitizen || n == NationalityResident }

// Role is what a staff member (or integration) may do.
type Role string

const (
	RoleAgent             Role = "agent"
	RoleCoordinator       Role = "coordinator"
	RoleCareCenterManager Role = "care_center_manager"
	RoleEntityHead        Role = "entity_head"
	RoleSectorOfficial    Role = "sector_official"
	RoleSupervisor        Role = "supervisor"
	RoleMinisterOffice    Role = "minister_office"
	RoleAdmin             Role = "admin"
	RoleAuditor           Role = "auditor"
	// RoleReception files tickets for walk-in visitors.
	RoleReception Role = "reception"
	// RoleSurveyAgent calls a daily sample of beneficiaries whose tickets
	// closed and records how it went; they see the call list, no ticket.
	RoleSurveyAgent Role = "survey_agent"
	// RoleBeneficiary is the person who filed, proven by the tracking code.
	RoleBeneficiary Role = "beneficiary"
	// RoleSystem stamps what the workflow does by itself (timers, escalation).
	RoleSystem Role = "system"
)

// StaffRoles lists the roles a configured token may carry.
func StaffRoles() []Role {
	return []Role{RoleAgent, RoleCoordinator, RoleCareCenterManager, RoleEntityHead, RoleSectorOfficial,
		RoleSupervisor, RoleMinisterOffice, RoleAdmin, RoleAuditor, RoleReception, RoleSurveyAgent}
}

func (r Role) ValidStaff() bool { return slices.Contains(StaffRoles(), r) }

// LadderRoles lists the roles that may hold an escalation level, lowest first.
func LadderRoles() []Role {
	return []Role{RoleCareCenterManager, RoleEntityHead, RoleSectorOfficial, RoleSupervisor, RoleMinisterOffice}
}

// Scope says where in the hierarchy a ladder role sits.
type Scope string

const (
	ScopeEntity   Scope = "entity"   // the ticket's entity itself
	ScopeSector   Scope = "sector"   // the entity's parent sector (deputyship)
	ScopeMinistry Scope = "ministry" // the ministry root
)

// LadderScope maps a ladder role to where its holder is found.
func LadderScope(r Role) Scope {
	switch r {
	case RoleSectorOfficial:
		return ScopeSector
	case RoleSupervisor, RoleMinisterOffice:
		return ScopeMinistry
	default:
		return ScopeEntity
	}
}

// EntityKind classifies nodes of the ministry's hierarchy.
type EntityKind string

const (
	EntityMinistry            EntityKind = "ministry"
	EntitySector              EntityKind = "sector"
	EntityPublicUniversity    EntityKind = "public_university"
	EntityPrivateUniversity   EntityKind = "private_university"
	EntityEducationDepartment EntityKind = "education_department"
	EntityAgency              EntityKind = "agency" // ministry agencies and cultural attachés
)

func EntityKinds() []EntityKind {
	return []EntityKind{EntityMinistry, EntitySector, EntityPublicUniversity, EntityPrivateUniversity,
		EntityEducationDepartment, EntityAgency}
}

func (k EntityKind) Valid() bool { return slices.Contains(EntityKinds(), k) }

// Verification is how a call-center agent verified the caller's identity.
type Verification string

const (
	// VerificationNationalIDQuestions: the caller answered questions about
	// the national ID record (date of birth, ID expiry...).
	VerificationNationalIDQuestions Verification = "national_id_questions"
	// VerificationAbsherOTP: a one-time code sent through Absher was read back.
	VerificationAbsherOTP Verification = "absher_otp"
	// VerificationRegisteredMobile: the call came from the mobile on record.
	VerificationRegisteredMobile Verification = "registered_mobile"
	// VerificationUnverified: filed on the caller's word (general inquiries).
	VerificationUnverified Verification = "unverified"
)

func Verifications() []Verification {
	return []Verification{VerificationNationalIDQuestions, VerificationAbsherOTP, VerificationRegisteredMobile, VerificationUnverified}
}

func (v Verification) Valid() bool { return slices.Contains(Verifications(), v) }

// SocialPlatform is where a social-media post came from.
type SocialPlatform string

func SocialPlatforms() []SocialPlatform {
	return []SocialPlatform{"x", "instagram", "facebook", "tiktok", "snapchat", "youtube", "whatsapp", "telegram", "linkedin"}
}

func (p SocialPlatform) Valid() bool { return slices.Contains(SocialPlatforms(), p) }

// AttachmentPurpose says at which step of a ticket's life a document came.
type AttachmentPurpose string

const (
	// AttachFiling: documents that support the filing (from the beneficiary,
	// or from the agent or reception who filed for them).
	AttachFiling AttachmentPurpose = "filing"
	// AttachResponse: a document staff send with their answer.
	AttachResponse AttachmentPurpose = "response"
	// AttachObjection: the beneficiary's evidence for an objection.
	AttachObjection AttachmentPurpose = "objection"
	// AttachInfo: the beneficiary's answer to a question staff asked.
	AttachInfo AttachmentPurpose = "info"
	// AttachNote: a document staff keep among themselves.
	AttachNote AttachmentPurpose = "note"
)

func AttachmentPurposes() []AttachmentPurpose {
	return []AttachmentPurpose{AttachFiling, AttachResponse, AttachObjection, AttachInfo, AttachNote}
}

func (p AttachmentPurpose) Valid() bool { return slices.Contains(AttachmentPurposes(), p) }

// FromBeneficiary reports whether the purpose is one the beneficiary
// uploads for (their evidence is personal data, whoever carried it in).
func (p AttachmentPurpose) FromBeneficiary() bool {
	return p == AttachFiling || p == AttachObjection || p == AttachInfo
}
