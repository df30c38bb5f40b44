// Package authz is the one place that decides who may do what to which
// ticket. Every path that reads or changes a ticket — detail, timeline, inbox
// list, history, actions, assignment — asks Decide, and every query that lists
// tickets asks ReadScope, the same read rule stated as a filter the store can
// run. TestScopeAgreesWithDecide (store) proves the two agree.
//
// The package is a leaf (it knows the vocabularies in domain and nothing
// else) so the API, the store and tests can all use it.
package authz

import (
	"slices"

	"github.com/tawasul/tawasul/domain"
)

// Subject is who asks: a staff member, an integration, or a beneficiary
// proven by a one-time code.
type Subject struct {
	ID     string // actor ID ("user:ali", "token:ivr", a configured token's name)
	Role   domain.Role
	Entity string // the entity (or sector) of an entity-scoped role
	// Mobile is the verified mobile (E.164) of a beneficiary subject.
	Mobile string
	// CodeOnly: a beneficiary proven by one ticket's tracking code, not by
	// their mobile. Whoever holds a code may be a relative or a helper, so
	// the beneficiary's personal documents stay out of their reach (Mobile is
	// then the ticket's own, which the code stands for).
	CodeOnly bool
}

// Ticket is what the policy looks at (a projection of the read-model row).
type Ticket struct {
	Entity            string // filed to
	ResponsibleEntity string // who must act now
	EscalationLevel   int
	EscalationRole    domain.Role
	FiledByID         string
	BeneficiaryMobile string
	// MobileProven: BeneficiaryMobile is proven to be the filer's (staff
	// filed it, or its owner signed in with a one-time code). An anonymous
	// filing can name anyone's mobile: until proven, the mobile's owner does
	// not see it as theirs and the tracking code takes no upload.
	MobileProven   bool
	AssignedTo     string
	FollowUpEntity string // the entity of an open quality follow-up
	// Round is 1 while an objection's review is open (0 before it).
	Round int
}

// Action is what the subject wants to do.
type Action string

const (
	// Read: the ticket, its timeline, its line in a list or a count.
	Read Action = "read"
	// ReadHistory: the raw Temporal history of the ticket's workflows.
	ReadHistory Action = "read_history"
	// Respond: answer the ticket (first answer or the review of an objection).
	Respond Action = "respond"
	// Claim: a coordinator takes the ticket for themself.
	Claim Action = "claim"
	// Assign: hand the ticket to a coordinator (the care-center manager's call).
	Assign Action = "assign"
	// Object and Withdraw are the beneficiary's own actions, and so is
	// ProvideInfo, the answer to a question staff asked.
	Object      Action = "object"
	Withdraw    Action = "withdraw"
	ProvideInfo Action = "provide_info"
	// Note: an internal note between staff (never shown to the beneficiary).
	Note Action = "note"
	// RequestInfo: ask the beneficiary a question (pauses the SLA).
	RequestInfo Action = "request_info"
	// Transfer: hand the ticket to another entity.
	Transfer Action = "transfer"
	// Rate: the beneficiary's satisfaction rating.
	Rate Action = "rate"
	// CloseFollowUp: close the quality follow-up a low rating opened.
	CloseFollowUp Action = "close_follow_up"
	// ScheduleMeeting: offer a slot for a request to meet the minister,
	// decline the request, record whether the meeting was held.
	ScheduleMeeting Action = "schedule_meeting"
	// ConfirmMeeting: the beneficiary accepts or turns down the slot.
	ConfirmMeeting Action = "confirm_meeting"
	// Attach: add a document to the ticket (staff: one kept among staff;
	// the beneficiary: their own evidence).
	Attach Action = "attach"
	// AttachPublic: staff add a document the beneficiary will see.
	AttachPublic Action = "attach_public"
	// ReadAttachment, ReadInternalAttachment and ReadPersonalAttachment
	// download one document; AttachmentRead says which a document needs.
	ReadAttachment         Action = "read_attachment"
	ReadInternalAttachment Action = "read_internal_attachment"
	ReadPersonalAttachment Action = "read_personal_attachment"
)

// AttachmentRead is the action that downloading a document needs: one staff
// keep among themselves is internal; the beneficiary's evidence (filing,
// objection, answers) is personal data; a document staff shared with an
// answer is readable by whoever reads the ticket.
func AttachmentRead(purpose domain.AttachmentPurpose, public bool) Action {
	switch {
	case !public:
		return ReadInternalAttachment
	case purpose.FromBeneficiary():
		return ReadPersonalAttachment
	}
	return ReadAttachment
}

// Decision is the answer. Hidden (out of read scope) must be answered exactly
// like a missing ticket (404), so scope reveals nothing about what exists;
// Forbidden (visible, but not this action) answers 403. NotResponsible is a
// Forbidden that says why: the staff of an entity that still sees a ticket
// under an objection's review, held by another entity, may not answer it —
// in the first place the entity whose answer is under objection (403
// not_responsible, the code the workflow gives the same refusal when the
// review has been handed back to that entity).
type Decision int

const (
	Hidden Decision = iota
	Forbidden
	NotResponsible
	Allowed
)

func (d Decision) String() string {
	return [...]string{"hidden", "forbidden", "not_responsible", "allowed"}[d]
}

// Hierarchy is where entities sit; Parent of the root is "".
type Hierarchy interface {
	Parent(code string) string
	Kind(code string) domain.EntityKind
}

// EntityScoped reports whether a role works inside one entity (or sector)
// only, and so needs an entity.
func EntityScoped(r domain.Role) bool {
	switch r {
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead, domain.RoleSectorOfficial:
		return true
	}
	return false
}

// MayFile reports whether a staff role may file tickets for beneficiaries:
// every staff role but the auditor, who only reads, and the survey agent,
// whose work is the call list and not tickets.
func MayFile(r domain.Role) bool {
	return r.ValidStaff() && r != domain.RoleAuditor && r != domain.RoleSurveyAgent
}

// MayReadAuditLog reports whether a staff role may browse the audit log
// and see whether its chain holds: auditors, whose work it is, and admins.
func MayReadAuditLog(r domain.Role) bool {
	return r == domain.RoleAuditor || r == domain.RoleAdmin
}

// MaySetPriority reports whether a filer may choose a ticket's priority. A
// beneficiary may not: priority orders the staff's work and picks the SLA.
func MaySetPriority(r domain.Role) bool { return MayFile(r) }

// Decide is the policy.
func Decide(s Subject, act Action, t Ticket, h Hierarchy) Decision {
	if !sees(s, t, h) {
		return Hidden
	}
	var ok bool
	switch act {
	case Read:
		ok = true
	case ReadHistory:
		ok = s.Role == domain.RoleAuditor || s.Role == domain.RoleAdmin || s.Role == domain.RoleSupervisor
	case Respond:
		ok = mayRespond(s, t, h)
	case Claim:
		ok = s.Role == domain.RoleCoordinator && s.Entity == t.ResponsibleEntity
	case Assign:
		ok = s.Role == domain.RoleAdmin ||
			(s.Role == domain.RoleCareCenterManager && s.Entity == t.ResponsibleEntity)
	case CloseFollowUp:
		ok = s.Role == domain.RoleAdmin || s.Role == domain.RoleSupervisor ||
			(s.Role == domain.RoleCareCenterManager && s.Entity != "" && s.Entity == t.FollowUpEntity)
	case Object, Withdraw, ProvideInfo, Rate, ConfirmMeeting:
		ok = s.Role == domain.RoleBeneficiary
	case ScheduleMeeting:
		// The minister's diary is kept by the minister's office; whoever
		// else may answer the request may also decline it or offer a slot.
		ok = s.Role == domain.RoleMinisterOffice || mayRespond(s, t, h)
	case Note:
		ok = MayFile(s.Role)
	case RequestInfo:
		// Whoever may answer may first ask what the answer needs.
		ok = mayRespond(s, t, h)
	case Transfer:
		ok = mayTransfer(s, t, h)
	case Attach:
		// An upload to an unproven filing would show in the account of
		// whoever the filer named once it is proven.
		ok = MayFile(s.Role) || (s.Role == domain.RoleBeneficiary && t.MobileProven)
	case AttachPublic:
		// Showing the beneficiary a document is part of answering them;
		// front-line staff also scan what a caller or visitor hands over
		// (they see only the tickets they filed).
		ok = mayRespond(s, t, h) || s.Role == domain.RoleAgent || s.Role == domain.RoleReception
	case ReadAttachment:
		ok = true
	case ReadInternalAttachment:
		ok = s.Role.ValidStaff()
	case ReadPersonalAttachment:
		// Like the masked identity on their ticket view, auditors review how
		// a case was handled, not the beneficiary's papers.
		ok = (s.Role.ValidStaff() && s.Role != domain.RoleAuditor) ||
			(s.Role == domain.RoleBeneficiary && !s.CodeOnly)
	}
	switch {
	case ok:
		return Allowed
	case act == Respond && t.Round > 0 && EntityScoped(s.Role):
		// It sees the review through its entity (filed to it, or in its
		// sector) but does not hold it: the entity whose answer is under
		// objection, or one standing with it.
		return NotResponsible
	}
	return Forbidden
}

// sees is the read rule.
func sees(s Subject, t Ticket, h Hierarchy) bool {
	switch s.Role {
	case domain.RoleAdmin, domain.RoleAuditor, domain.RoleSupervisor, domain.RoleMinisterOffice:
		return true
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		return s.Entity != "" && (t.Entity == s.Entity || t.ResponsibleEntity == s.Entity)
	case domain.RoleSectorOfficial:
		// The whole subtree, however deep: escalation finds a ticket's sector
		// by walking up, so its official must open whatever climbs to them.
		return s.Entity != "" && (Within(h, t.Entity, s.Entity) || Within(h, t.ResponsibleEntity, s.Entity))
	case domain.RoleAgent, domain.RoleReception:
		// Front-line staff file for callers and visitors; they follow what
		// they filed. A caller asking about another ticket gives its number
		// and tracking code, like on the portal.
		return s.ID != "" && t.FiledByID == s.ID
	case domain.RoleBeneficiary:
		// The tracking code reads its own ticket; the mobile's owner reads
		// the tickets proven theirs, not what anyone filed naming the mobile.
		return s.Mobile != "" && t.BeneficiaryMobile == s.Mobile && (t.MobileProven || s.CodeOnly)
	}
	return false
}

// mayRespond: an admin; staff of the entity responsible now; a ladder role
// once the ticket has climbed to its rung or beyond, inside its part of the
// tree (a higher rung does not take the ticket from the lower ones: whoever
// answers first stops the climb).
func mayRespond(s Subject, t Ticket, h Hierarchy) bool {
	switch s.Role {
	case domain.RoleAdmin:
		return true
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead, domain.RoleSectorOfficial:
		if s.Entity != "" && s.Entity == t.ResponsibleEntity {
			return true
		}
	}
	ladder := domain.LadderRoles()
	rank := slices.Index(ladder, s.Role)
	if rank < 0 || t.EscalationLevel == 0 || slices.Index(ladder, t.EscalationRole) < rank {
		return false
	}
	switch domain.LadderScope(s.Role) {
	case domain.ScopeMinistry:
		return true
	case domain.ScopeSector:
		return s.Entity != "" && SectorOf(h, t.ResponsibleEntity) == s.Entity
	default:
		return s.Entity == t.ResponsibleEntity
	}
}

// mayTransfer: the staff of the entity holding the ticket (who see it is
// not theirs), the sector official over it, the supervisor and admins.
func mayTransfer(s Subject, t Ticket, h Hierarchy) bool {
	switch s.Role {
	case domain.RoleAdmin, domain.RoleSupervisor:
		return true
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		return s.Entity != "" && s.Entity == t.ResponsibleEntity
	case domain.RoleSectorOfficial:
		return s.Entity != "" && Within(h, t.ResponsibleEntity, s.Entity)
	}
	return false
}

// Scope is the read rule as a filter: a ticket is readable when All, or it
// was filed to or is held by one of Entities, or FiledBy filed it, or it
// belongs to Mobile (its mobile proven). The zero Scope matches nothing.
type Scope struct {
	All      bool
	Entities []string
	FiledBy  string
	Mobile   string
}

// Empty reports whether the scope matches nothing.
func (sc Scope) Empty() bool {
	return !sc.All && len(sc.Entities) == 0 && sc.FiledBy == "" && sc.Mobile == ""
}

// ReadScope is Decide(s, Read, ·) for lists and counts. entities are all
// the hierarchy's codes (a sector official's scope is its subtree).
func ReadScope(s Subject, h Hierarchy, entities []string) Scope {
	switch s.Role {
	case domain.RoleAdmin, domain.RoleAuditor, domain.RoleSupervisor, domain.RoleMinisterOffice:
		return Scope{All: true}
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		if s.Entity == "" {
			return Scope{}
		}
		return Scope{Entities: []string{s.Entity}}
	case domain.RoleSectorOfficial:
		if s.Entity == "" {
			return Scope{}
		}
		sc := Scope{Entities: []string{s.Entity}}
		for _, e := range entities {
			if e != s.Entity && Within(h, e, s.Entity) {
				sc.Entities = append(sc.Entities, e)
			}
		}
		return sc
	case domain.RoleAgent, domain.RoleReception:
		return Scope{FiledBy: s.ID}
	case domain.RoleBeneficiary:
		return Scope{Mobile: s.Mobile}
	}
	return Scope{}
}

// maxDepth bounds walks up the hierarchy so a cycle in bad data cannot loop.
const maxDepth = 16

// Within reports whether code is root or sits anywhere below it.
func Within(h Hierarchy, code, root string) bool {
	if code == "" || root == "" {
		return false
	}
	for range maxDepth {
		if code == root {
			return true
		}
		p := h.Parent(code)
		if p == "" || p == code {
			return false
		}
		code = p
	}
	return false
}

// SectorOf is the sector code sits in (code itself if it is one), "" if none.
func SectorOf(h Hierarchy, code string) string {
	for range maxDepth {
		if code == "" {
			return ""
		}
		if h.Kind(code) == domain.EntitySector {
			return code
		}
		p := h.Parent(code)
		if p == code {
			return ""
		}
		code = p
	}
	return ""
}

// Node is one entity of the hierarchy as the policy needs it.
type Node struct {
	Code   string
	Parent string
	Kind   domain.EntityKind
}

// Tree is a Hierarchy held in memory.
type Tree struct {
	parent map[string]string
	kind   map[string]domain.EntityKind
	codes  []string
}

// NewTree indexes nodes.
func NewTree(nodes []Node) *Tree {
	t := &Tree{parent: make(map[string]string, len(nodes)), kind: make(map[string]domain.EntityKind, len(nodes))}
	for _, n := range nodes {
		t.parent[n.Code], t.kind[n.Code] = n.Parent, n.Kind
		t.codes = append(t.codes, n.Code)
	}
	return t
}

func (t *Tree) Parent(code string) string          { return t.parent[code] }
func (t *Tree) Kind(code string) domain.EntityKind { return t.kind[code] }
func (t *Tree) Codes() []string                    { return t.codes }

// Root is the ministry: the first entity without a parent ("" if none).
func (t *Tree) Root() string {
	for _, c := range t.codes {
		if t.parent[c] == "" {
			return c
		}
	}
	return ""
}

// HeldAt is where a subject's rung sits when a ticket climbs to it: the
// ministry for ministry-wide roles, otherwise the subject's own entity (as
// activities.ResolveLevel records the holder).
func HeldAt(s Subject, t *Tree) string {
	if domain.LadderScope(s.Role) == domain.ScopeMinistry {
		return t.Root()
	}
	return s.Entity
}
