package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/auth/trackcode"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/workflows"
)

// The authorization matrix: every route the router serves (from Gin's
// Routes()) × every kind of caller × every kind of object, each with the
// answer the policy below expects. A route without a rule fails the test, so
// no new route reaches production without an authorization review.

// outcome is the class of answer a request gets.
type outcome int

const (
	allow    outcome = iota // 2xx (for actions: the fake workflow's answer)
	unauth                  // 401: no (valid) staff token
	forbid                  // 403: known caller, not allowed this action
	hidden                  // 404: out of scope reads exactly like missing
	needCode                // 400 tracking_code_required: a beneficiary route without a code
)

func (o outcome) String() string {
	return [...]string{"allow", "401", "403", "404", "400-code"}[o]
}

// codeHeld is what a caller presents as X-Tracking-Code.
type codeHeld int

const (
	noCode    codeHeld = iota
	rightCode          // the code of the beneficiary's own tickets (A's)
	wrongCode          // a well-formed code of no ticket
)

type mxCaller struct {
	name   string
	token  string // bearer; "" sends none
	role   domain.Role
	entity string
	code   codeHeld
	forged bool // the bearer matches no credential
	// bsession: the bearer is beneficiary A's session (signed in with a
	// one-time code), no staff credential.
	bsession bool
}

func (c mxCaller) staff() bool { return c.token != "" && !c.forged && !c.bsession }

// mxObject is one ticket the matrix acts on, described by what the policy
// looks at.
type mxObject struct {
	name           string
	number, code   string
	entity         string // filed to
	responsible    string // responsible now
	level          int
	escalationRole domain.Role
	status         domain.Status
	round          int
	owner          string // "A" (the beneficiary caller) or "B" (someone else)
	// atts holds one attachment id of each kind: "shared" (staff's, public,
	// with the answer), "note" (staff's, internal), "personal" (the
	// beneficiary's own filing document).
	atts map[string]string
}

// mxEntities extends the fixture's hierarchy with an entity two levels below
// its sector, so the sector official's scope is tested as a subtree.
var mxEntities = append(append([]store.Entity(nil), testEntities...), store.Entity{
	Code: "UQU-JMM", NameAR: "الكلية الجامعية بالجموم", NameEN: "Al-Jumum University College",
	Kind: domain.EntityPublicUniversity, Parent: "UQU",
})

// mxSectorOf is the sector an entity sits in (walking up, inclusive).
func mxSectorOf(code string) string {
	for range 16 {
		i := slices.IndexFunc(mxEntities, func(e store.Entity) bool { return e.Code == code })
		if i < 0 {
			return ""
		}
		if mxEntities[i].Kind == domain.EntitySector {
			return code
		}
		code = mxEntities[i].Parent
	}
	return ""
}

// ---- the policy, stated independently of api/auth.go ----------------------

// mxSees: a coordinator, manager or head sees the tickets filed to, or now the
// responsibility of, its entity; a sector official those of its sector's
// subtree; agents and reception what they filed (every ticket here was filed
// on the portal); the supervisor, the minister's office, admins and auditors
// see all.
func mxSees(c mxCaller, o *mxObject) bool {
	switch c.role {
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		return o.entity == c.entity || o.responsible == c.entity
	case domain.RoleSectorOfficial:
		return mxSectorOf(o.entity) == c.entity || mxSectorOf(o.responsible) == c.entity
	case domain.RoleAgent, domain.RoleReception, domain.RoleSurveyAgent:
		return false
	}
	return true
}

// mxActs: an admin always; staff of the responsible entity; a ladder role once
// the ticket has climbed to its rung or above, inside its part of the tree.
// Agents and auditors never answer.
func mxActs(c mxCaller, o *mxObject) bool {
	if c.role == domain.RoleAdmin {
		return true
	}
	if c.entity != "" && c.entity == o.responsible {
		return true
	}
	ladder := domain.LadderRoles()
	mine, held := slices.Index(ladder, c.role), slices.Index(ladder, o.escalationRole)
	if mine < 0 || o.level == 0 || held < mine {
		return false
	}
	switch c.role {
	case domain.RoleSectorOfficial:
		return mxSectorOf(o.responsible) == c.entity
	case domain.RoleSupervisor, domain.RoleMinisterOffice:
		return true
	}
	return o.responsible == c.entity
}

func mxOpen(mxCaller, *mxObject) outcome { return allow }

func mxStaffOnly(c mxCaller, _ *mxObject) outcome {
	if !c.staff() {
		return unauth
	}
	return allow
}

func mxRoles(roles ...domain.Role) func(mxCaller, *mxObject) outcome {
	return func(c mxCaller, o *mxObject) outcome {
		if !c.staff() {
			return unauth
		}
		if !slices.Contains(roles, c.role) {
			return forbid
		}
		return allow
	}
}

func mxRead(c mxCaller, o *mxObject) outcome {
	if !c.staff() {
		return unauth
	}
	if !mxSees(c, o) {
		return hidden
	}
	return allow
}

// mxInbox: the inbox lists exactly what the detail admits (one rule,
// authz.ReadScope = authz.Decide(Read)); a survey agent has none.
func mxInbox(c mxCaller, o *mxObject) outcome {
	if r := mxHasInbox(c, o); r != allow {
		return r
	}
	return mxRead(c, o)
}

// mxHasInbox: every staff member has an inbox but the survey agent, who
// sees the call list and no ticket.
func mxHasInbox(c mxCaller, _ *mxObject) outcome {
	switch {
	case !c.staff():
		return unauth
	case c.role == domain.RoleSurveyAgent:
		return forbid
	}
	return allow
}

// mxCoordinatorOf names the coordinator account the matrix keeps for entity.
func mxCoordinatorOf(entity string) string { return "mx-coord-" + strings.ToLower(entity) }

// mxClaim: a coordinator of the entity holding the ticket takes it.
func mxClaim(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if c.role != domain.RoleCoordinator || c.entity != o.responsible {
		return forbid
	}
	return allow
}

// mxAssign: the care-center manager of the entity holding the ticket, or an
// admin, hands it to that entity's coordinator.
func mxAssign(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if c.role == domain.RoleAdmin || (c.role == domain.RoleCareCenterManager && c.entity == o.responsible) {
		return allow
	}
	return forbid
}

// mxNote: any staff member who sees the ticket but an auditor adds an
// internal note.
func mxNote(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if c.role == domain.RoleAuditor {
		return forbid
	}
	return allow
}

// mxTransfer: the staff of the entity holding the ticket, the sector
// official over it, the supervisor and admins.
func mxTransfer(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	switch c.role {
	case domain.RoleAdmin, domain.RoleSupervisor:
		return allow
	case domain.RoleCoordinator, domain.RoleCareCenterManager, domain.RoleEntityHead:
		if c.entity == o.responsible {
			return allow
		}
	case domain.RoleSectorOfficial:
		if mxSectorOf(o.responsible) == c.entity {
			return allow
		}
	}
	return forbid
}

func mxAct(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if !mxActs(c, o) {
		return forbid
	}
	return allow
}

// mxMeeting: the minister's office keeps the minister's diary; whoever may
// answer the ticket may also offer a slot or decline.
func mxMeeting(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if c.role == domain.RoleMinisterOffice || mxActs(c, o) {
		return allow
	}
	return forbid
}

// mxHistory: the raw history is for auditors, admins and the supervisor;
// like every action it is decided after the read scope, so a ticket out of
// scope reads as missing and one in scope as forbidden.
func mxHistory(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	return mxRoles(domain.RoleAuditor, domain.RoleAdmin, domain.RoleSupervisor)(c, o)
}

// mxPerson: staff reading what is theirs in person; integration tokens
// have no one to read it.
func mxPerson(c mxCaller, _ *mxObject) outcome {
	switch {
	case !c.staff():
		return unauth
	case c.token == mxIntegrationToken:
		return forbid
	}
	return allow
}

// mxBeneficiary: the tracking code is the only credential; a staff token is
// no substitute. A code of another ticket reads like a wrong one.
func mxBeneficiary(c mxCaller, o *mxObject) outcome {
	switch {
	case c.code == noCode:
		return needCode
	case c.code == rightCode && o.owner == "A":
		return allow
	}
	return hidden
}

// mxOwn: a beneficiary session reaches the tickets filed with its own mobile
// (A's); another's reads like a missing one. Nobody else gets in, staff
// included.
func mxOwn(c mxCaller, o *mxObject) outcome {
	switch {
	case !c.bsession:
		return unauth
	case o != nil && o.owner != "A":
		return hidden
	}
	return allow
}

// mxBeneficiaryAction: objections and withdrawals take a beneficiary session
// for one's own tickets, or the tracking code as before.
func mxBeneficiaryAction(c mxCaller, o *mxObject) outcome {
	if c.bsession {
		return mxOwn(c, o)
	}
	return mxBeneficiary(c, o)
}

// mxAttach: staff who see the ticket attach to it, but auditors, who only read.
func mxAttach(c mxCaller, o *mxObject) outcome { return mxNote(c, o) }

// mxPersonal: the beneficiary's own documents reach staff who see the
// ticket, except auditors (who see it masked), and read like missing to them.
func mxPersonal(c mxCaller, o *mxObject) outcome {
	if r := mxRead(c, o); r != allow {
		return r
	}
	if c.role == domain.RoleAuditor {
		return hidden
	}
	return allow
}

// mxAttachment names one of an object's attachments for the path.
func mxAttachment(kind string) func(o *mxObject) map[string]string {
	return func(o *mxObject) map[string]string { return map[string]string{"id": o.atts[kind]} }
}

// mxUpload is a multipart body with a small PDF for purpose.
func mxUpload(purpose string) func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
	return func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
		body, ct := multipartBody(map[string]string{"purpose": purpose}, "مستند.pdf", samplePDF)
		return body, map[string]string{"Content-Type": ct}
	}
}

// mxFile: anyone may file on the portal; a token that matches nobody (a
// beneficiary session included: it is no staff token) is refused rather than
// treated as anonymous; auditors only read; survey agents only call.
func mxFile(c mxCaller, _ *mxObject) outcome {
	switch {
	case c.forged: // a beneficiary session files for its own mobile (the body's, A's)
		return unauth
	case c.role == domain.RoleAuditor, c.role == domain.RoleSurveyAgent:
		return forbid
	}
	return allow
}

// mxFAQ: the FAQ bank is read by anyone, the portal before filing and agents
// on a call; as for filing, a token that matches nobody (a beneficiary
// session included: it is no staff token) is refused rather than treated as
// anonymous.
func mxFAQ(c mxCaller, _ *mxObject) outcome {
	if c.forged || c.bsession {
		return unauth
	}
	return allow
}

// ---- the table ------------------------------------------------------------

const mxPassword = "a long enough password"

type mxRule struct {
	// objects: "tickets" runs the route once per ticket object (:number is
	// its number); "targets" once per entity filed to; "" once.
	objects string
	// params fills path parameters other than :number.
	params map[string]string
	// query is appended to the path (without the "?").
	query  string
	expect func(mxCaller, *mxObject) outcome
	// body and headers of the request.
	body func(m *matrix, c mxCaller, o *mxObject) (any, map[string]string)
	// observe classifies the answer when the status alone does not say
	// (the inbox: 200 either way, the ticket listed or not).
	observe func(m *matrix, r resp, o *mxObject) outcome
	// freshSession: a beneficiary session caller presents a session opened
	// for this one request (logout ends it; the others go on with theirs).
	freshSession bool
	// objectParams fills path parameters that depend on the object.
	objectParams func(o *mxObject) map[string]string
	// objectQuery is a query (without the "?") that depends on the object.
	objectQuery func(o *mxObject) string
}

var mxRules = map[string]mxRule{
	"GET /healthz":              {expect: mxOpen},
	"GET /readyz":               {expect: mxOpen},
	"GET /api/v1/openapi.yaml":  {expect: mxOpen},
	"GET /api/v1/entities":      {expect: mxOpen},
	"GET /api/v1/track/:number": {objects: "tickets", expect: mxBeneficiary},
	"POST /api/v1/tickets/:number/objections": {objects: "tickets", expect: mxBeneficiaryAction,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"reason": "لم تُحل المشكلة"}, nil
		}},
	"POST /api/v1/tickets/:number/info": {objects: "tickets", expect: mxBeneficiaryAction,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"answer": "رقمي الجامعي 441105678"}, nil
		}},
	"POST /api/v1/tickets/:number/rating": {objects: "tickets", expect: mxBeneficiaryAction,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"rating": 4, "comment": "شكراً"}, nil
		}},
	// No matrix ticket has a follow-up open, so only the ministry-wide roles
	// that may close any pass authorization (the fake workflow answers).
	"POST /api/v1/tickets/:number/follow-up/close": {objects: "tickets",
		expect: func(c mxCaller, o *mxObject) outcome {
			if r := mxRead(c, o); r != allow {
				return r
			}
			if c.role == domain.RoleAdmin || c.role == domain.RoleSupervisor {
				return allow
			}
			return forbid
		},
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"note": "اتصلنا بالمستفيد"}, nil
		}},
	// The fake workflow answers every meeting action; what the matrix
	// checks is who gets that far (kind and state are the workflow's).
	"POST /api/v1/tickets/:number/meeting/offer": {objects: "tickets", expect: mxMeeting,
		body: func(m *matrix, _ mxCaller, _ *mxObject) (any, map[string]string) {
			return map[string]any{"at": m.clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339), "place": "مكتب معالي الوزير"}, nil
		}},
	"POST /api/v1/tickets/:number/meeting/decline": {objects: "tickets", expect: mxMeeting,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"reason": "يُحال إلى الجهة المختصة"}, nil
		}},
	"POST /api/v1/tickets/:number/meeting/attendance": {objects: "tickets", expect: mxMeeting,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"attended": true}, nil
		}},
	"POST /api/v1/tickets/:number/meeting/confirm": {objects: "tickets", expect: mxBeneficiaryAction,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"accept": true}, nil
		}},
	"POST /api/v1/tickets/:number/notes": {objects: "tickets", expect: mxNote,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"message": "ملاحظة داخلية"}, nil
		}},
	"POST /api/v1/tickets/:number/info-requests": {objects: "tickets", expect: mxAct,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"question": "ما رقمك الجامعي؟"}, nil
		}},
	"POST /api/v1/tickets/:number/transfer": {objects: "tickets", expect: mxTransfer,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"entity": "EDU-RIY", "reason": "من اختصاص إدارة التعليم"}, nil
		}},
	"POST /api/v1/tickets/:number/withdrawal": {objects: "tickets", expect: mxBeneficiaryAction,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"reason": "حُلّت"}, nil
		}},

	// Beneficiaries signed in with a one-time code. Asking for a code is open
	// and answers alike for anyone; a bogus code is refused for everyone.
	"POST /api/v1/beneficiary/code": {expect: mxOpen,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"mobile": mxMobileA}, nil
		}},
	"POST /api/v1/beneficiary/session": {expect: func(mxCaller, *mxObject) outcome { return unauth },
		body: func(m *matrix, _ mxCaller, _ *mxObject) (any, map[string]string) {
			code := "000000"
			if m.sentCode(mxMobileA) == code {
				code = "000001"
			}
			return map[string]any{"mobile": mxMobileA, "code": code}, nil
		}},
	"GET /api/v1/beneficiary/tickets":         {objects: "tickets", expect: mxOwn, observe: mxOwnListed},
	"GET /api/v1/beneficiary/tickets/:number": {objects: "tickets", expect: mxOwn},
	"POST /api/v1/beneficiary/logout":         {expect: mxOwn, freshSession: true},
	// Verifying an anonymous filing's mobile takes a session of that mobile
	// and the ticket's own tracking code (these tickets are proven already:
	// verifying again changes nothing).
	"POST /api/v1/beneficiary/tickets/:number/verify": {objects: "tickets", expect: mxOwn,
		body: func(_ *matrix, _ mxCaller, o *mxObject) (any, map[string]string) {
			return nil, map[string]string{trackingHeader: o.code}
		}},

	"POST /api/v1/tickets": {objects: "targets", expect: mxFile,
		body: func(_ *matrix, _ mxCaller, o *mxObject) (any, map[string]string) {
			return ticketBody(func(m map[string]any) { m["entity"] = o.entity }), nil
		}},
	"GET /api/v1/tickets": {objects: "tickets", expect: mxInbox, observe: mxListed},
	// The inbox's badges: for whoever has an inbox; that a count holds only
	// what its view lists is package tickets' test (TestInboxCounts...).
	"GET /api/v1/tickets/counts":  {expect: mxHasInbox},
	"GET /api/v1/tickets/:number": {objects: "tickets", expect: mxRead},
	// A search finds what the inbox lists: the caller's read scope.
	"GET /api/v1/tickets/search": {objects: "tickets", expect: mxInbox, observe: mxListed,
		objectQuery: func(o *mxObject) string { return "q=" + o.number }},
	"POST /api/v1/tickets/:number/responses": {objects: "tickets", expect: mxAct,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"message": "تم الصرف"}, nil
		}},
	"GET /api/v1/tickets/:number/history": {objects: "tickets", expect: mxHistory},
	"POST /api/v1/tickets/:number/claim":  {objects: "tickets", expect: mxClaim},
	"POST /api/v1/tickets/:number/assignment": {objects: "tickets", expect: mxAssign,
		body: func(_ *matrix, _ mxCaller, o *mxObject) (any, map[string]string) {
			return map[string]any{"assignee": mxCoordinatorOf(o.responsible)}, nil
		}},
	// The coordinators' loads of KSU: for whoever assigns there.
	"GET /api/v1/coordinators": {query: "entity=KSU", expect: func(c mxCaller, o *mxObject) outcome {
		if r := mxRoles(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleCareCenterManager)(c, o); r != allow {
			return r
		}
		if c.role == domain.RoleCareCenterManager && c.entity != "KSU" {
			return forbid
		}
		return allow
	}},

	"GET /api/v1/policies/current":  {expect: mxStaffOnly},
	"GET /api/v1/policies":          {expect: mxStaffOnly},
	"GET /api/v1/policies/:version": {expect: mxStaffOnly, params: map[string]string{"version": "1"}},
	"GET /api/v1/policies/diff":     {expect: mxStaffOnly, query: "from=1&to=1"},
	"POST /api/v1/policies/preview": {expect: mxRoles(domain.RoleAdmin),
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) { return map[string]any{"version": 1}, nil }},
	"PUT /api/v1/policies": {expect: mxRoles(domain.RoleAdmin),
		body: func(m *matrix, _ mxCaller, _ *mxObject) (any, map[string]string) { return m.policy, nil }},
	"POST /api/v1/policies/:version/rollout": {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"version": "1"}},
	"GET /api/v1/policies/:version/rollout": {params: map[string]string{"version": "1"},
		expect: mxRoles(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleAuditor)},
	"GET /api/v1/entities/export": {expect: mxRoles(domain.RoleAdmin)},

	// Accounts. Login and refresh are open (the credentials are in the
	// body): a right password logs in whoever sends it, a bogus refresh token
	// is refused for everyone.
	"POST /api/v1/auth/login": {expect: mxOpen,
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"username": "mx-user", "password": mxPassword}, nil
		}},
	"POST /api/v1/auth/refresh": {expect: func(mxCaller, *mxObject) outcome { return unauth },
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"refresh_token": "not-a-refresh-token"}, nil
		}},
	// Single sign-on: not configured in the matrix's fixture, so the route
	// answers 404 to everyone (oidc_test.go covers it configured).
	"POST /api/v1/auth/oidc": {expect: func(mxCaller, *mxObject) outcome { return hidden },
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"id_token": "not-an-id-token"}, nil
		}},
	"POST /api/v1/auth/logout": {expect: mxStaffOnly},
	// Changing a password is for accounts; configured tokens have none.
	"POST /api/v1/auth/password": {expect: func(c mxCaller, _ *mxObject) outcome {
		if !c.staff() {
			return unauth
		}
		return forbid
	}, body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
		return map[string]any{"current_password": mxPassword, "new_password": "another long password"}, nil
	}},
	"POST /api/v1/accounts": {expect: mxRoles(domain.RoleAdmin),
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"username": "mx-new", "name": "جديد", "role": "coordinator", "entity": "KSU", "password": mxPassword}, nil
		}},
	"POST /api/v1/accounts/:username/disable": {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"username": "mx-victim"}},
	"PUT /api/v1/accounts/:username/role": {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"username": "mx-user"},
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"role": "care_center_manager", "entity": "KSU"}, nil
		}},
	// The codec server: admins in full, auditors redacted (codec_test.go);
	// its CORS preflight carries no credentials, as browsers send it.
	"POST /api/v1/codec/decode": {expect: mxRoles(domain.RoleAdmin, domain.RoleAuditor),
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"payloads": []any{}}, nil
		}},
	"OPTIONS /api/v1/codec/decode": {expect: mxOpen},
	// Integration tokens: administered by admins only.
	"POST /api/v1/tokens": {expect: mxRoles(domain.RoleAdmin),
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"name": "mx-new-token", "role": "agent", "expires_in_days": 30}, nil
		}},
	"GET /api/v1/tokens": {expect: mxRoles(domain.RoleAdmin)},
	// The outbox: administrators and the supervisor (recipients masked for
	// the supervisor; outbox_test.go covers what each sees).
	"GET /api/v1/outbox":               {expect: mxRoles(domain.RoleAdmin, domain.RoleSupervisor)},
	"POST /api/v1/tokens/:name/revoke": {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"name": "mx-victim-token"}},
	// The caller's own in-app notifications: every staff member in person,
	// not an integration (notifications_test.go covers whose each reads).
	"GET /api/v1/notifications":              {expect: mxPerson},
	"GET /api/v1/notifications/unread-count": {expect: mxPerson},
	"POST /api/v1/notifications/read": {expect: mxPerson, body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
		return map[string]any{"all": true}, nil
	}},
	// The survey call list: worked by survey agents, reviewed by the
	// supervisor and admins; the summary for officials; outcomes recorded by
	// survey agents only (call 999 does not exist: past authorization, 404).
	"GET /api/v1/survey-calls":         {expect: mxRoles(domain.RoleSurveyAgent, domain.RoleSupervisor, domain.RoleAdmin)},
	"GET /api/v1/survey-calls/summary": {expect: mxRoles(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleMinisterOffice)},
	"POST /api/v1/survey-calls/sample": {expect: mxRoles(domain.RoleAdmin, domain.RoleSupervisor)},
	"POST /api/v1/survey-calls/:id/outcome": {params: map[string]string{"id": "999"},
		expect: func(c mxCaller, o *mxObject) outcome {
			if r := mxRoles(domain.RoleSurveyAgent)(c, o); r != allow {
				return r
			}
			return hidden
		},
		body: func(*matrix, mxCaller, *mxObject) (any, map[string]string) {
			return map[string]any{"outcome": "declined"}, nil
		}},
	// The FAQ bank (newMatrix stores entries 1 and 2): read and marked
	// helpful by anyone, written by admins only (entry 2 is the one deleted).
	"GET /api/v1/faq/search":       {expect: mxFAQ, query: "q=Noor+results"},
	"GET /api/v1/faq/suggest":      {expect: mxFAQ, query: "subject=Noor&description=results"},
	"GET /api/v1/faq/:id":          {expect: mxFAQ, params: map[string]string{"id": "1"}},
	"POST /api/v1/faq/:id/helpful": {expect: mxFAQ, params: map[string]string{"id": "1"}},
	"GET /api/v1/faq":              {expect: mxRoles(domain.RoleAdmin)},
	"POST /api/v1/faq":             {expect: mxRoles(domain.RoleAdmin), body: mxFAQBody},
	"PUT /api/v1/faq/:id":          {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"id": "1"}, body: mxFAQBody},
	"DELETE /api/v1/faq/:id":       {expect: mxRoles(domain.RoleAdmin), params: map[string]string{"id": "2"}},
	"POST /api/v1/entities/import": {expect: mxRoles(domain.RoleAdmin),
		body: func(m *matrix, _ mxCaller, _ *mxObject) (any, map[string]string) {
			return m.entitiesCSV, map[string]string{"Content-Type": "text/csv"}
		}},

	// Attachments. Uploads: staff who see the ticket but auditors; the
	// beneficiary like their other actions. Downloads: the beneficiary's own
	// document through staff and session routes, a document shared with the
	// answer through the tracking code (which never reaches personal ones).
	"POST /api/v1/tickets/:number/attachments":             {objects: "tickets", expect: mxAttach, body: mxUpload("note")},
	"POST /api/v1/tickets/:number/beneficiary-attachments": {objects: "tickets", expect: mxBeneficiaryAction, body: mxUpload("filing")},
	"GET /api/v1/tickets/:number/attachments/:id": {objects: "tickets", expect: mxPersonal,
		objectParams: mxAttachment("personal")},
	"GET /api/v1/track/:number/attachments/:id": {objects: "tickets", expect: mxBeneficiary,
		objectParams: mxAttachment("shared")},
	"GET /api/v1/beneficiary/tickets/:number/attachments/:id": {objects: "tickets", expect: mxOwn,
		objectParams: mxAttachment("personal")},
}

func mxFAQBody(*matrix, mxCaller, *mxObject) (any, map[string]string) {
	return map[string]any{"question_ar": "كيف أطلع على نتائج نور؟", "answer_ar": "من حساب ولي الأمر في نظام نور.",
		"question_en": "Where are Noor results?", "answer_en": "In the guardian's Noor account.", "category": "noor"}, nil
}

// mxListedAs: a list answers 200 to whoever may list at all; the object
// counts as seen when it is listed (number reads an item's ticket number).
func mxListedAs[T any](number func(T) string) func(*matrix, resp, *mxObject) outcome {
	return func(_ *matrix, r resp, o *mxObject) outcome {
		if r.Code != http.StatusOK {
			return mxClass(r)
		}
		var l struct {
			Items []T `json:"items"`
		}
		r.json(&l)
		if slices.ContainsFunc(l.Items, func(s T) bool { return number(s) == o.number }) {
			return allow
		}
		return hidden
	}
}

var (
	// mxListed: the staff inbox.
	mxListed = mxListedAs(func(s summaryJSON) string { return s.Number })
	// mxOwnListed: a beneficiary's own list.
	mxOwnListed = mxListedAs(func(s ownSummaryJSON) string { return s.Number })
)

// mxClass maps an answer to its outcome; -1 for anything else.
func mxClass(r resp) outcome {
	switch {
	case r.Code >= 200 && r.Code < 300:
		return allow
	case r.Code == http.StatusUnauthorized:
		return unauth
	case r.Code == http.StatusForbidden:
		return forbid
	case r.Code == http.StatusNotFound:
		return hidden
	case r.Code == http.StatusBadRequest && strings.Contains(r.Body.String(), `"`+codeTrackingCodeRequired+`"`):
		return needCode
	}
	return -1
}

// ---- the fixture ----------------------------------------------------------

type matrix struct {
	*fixture
	tickets     []*mxObject
	targets     []*mxObject
	policy      json.RawMessage
	entitiesCSV []byte
}

var mxCallers = []mxCaller{
	{name: "anonymous"},
	{name: "forged token", token: "tok-nobody", forged: true},
	{name: "beneficiary (right code)", role: domain.RoleBeneficiary, code: rightCode},
	{name: "beneficiary (wrong code)", role: domain.RoleBeneficiary, code: wrongCode},
	{name: "agent", token: testTokens["agent"], role: domain.RoleAgent},
	{name: "reception", token: testTokens["reception"], role: domain.RoleReception},
	{name: "coordinator@KSU", token: testTokens["coord-ksu"], role: domain.RoleCoordinator, entity: "KSU"},
	{name: "care_center_manager@KSU", token: testTokens["manager-ksu"], role: domain.RoleCareCenterManager, entity: "KSU"},
	{name: "entity_head@KSU", token: testTokens["head-ksu"], role: domain.RoleEntityHead, entity: "KSU"},
	{name: "sector_official@SEC-UNI", token: testTokens["sector-uni"], role: domain.RoleSectorOfficial, entity: "SEC-UNI"},
	{name: "supervisor", token: testTokens["supervisor"], role: domain.RoleSupervisor},
	{name: "minister_office", token: testTokens["minister"], role: domain.RoleMinisterOffice},
	{name: "admin", token: testTokens["admin"], role: domain.RoleAdmin},
	{name: "auditor", token: testTokens["auditor"], role: domain.RoleAuditor},
	{name: "survey_agent", token: testTokens["survey"], role: domain.RoleSurveyAgent},
	// An integration token (store.APIToken) acts exactly like a configured
	// token of its role and entity.
	{name: "integration token coordinator@KSU", token: mxIntegrationToken, role: domain.RoleCoordinator, entity: "KSU"},
	// Beneficiary A signed in with a one-time code: A's tickets, nothing else.
	{name: "beneficiary session (A)", token: mxBeneficiaryToken, role: domain.RoleBeneficiary, bsession: true},
}

const (
	// mxIntegrationToken is the secret of the integration token newMatrix stores.
	mxIntegrationToken = "tw_mx-integration-token"
	// mxBeneficiaryToken is the session token newMatrix stores for beneficiary A.
	mxBeneficiaryToken = "tb_mx-beneficiary-a"
	// mxMobileA is the mobile of beneficiary A (ticketBody's); B's is mobileB.
	mxMobileA = "0501234567"
)

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	f := newFixture(t, func(o *Options) {
		o.IntakePerMinute, o.LoginPerMinute = 1<<20, 1<<20 // no 429s in the way
		o.AttachmentsPerTicket = 1 << 20                   // nor 409s
	})
	ctx := context.Background()
	if err := f.store.UpsertEntities(ctx, mxEntities); err != nil {
		t.Fatal(err)
	}
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		return stateFor(strings.TrimPrefix(o.WorkflowID, "ticket-")), nil
	}
	f.tc.history = func(*workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
		return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{}}, nil
	}
	f.tc.query = func(id, q string) (any, error) { return workflows.RolloutProgress{Version: 1}, nil }
	m := &matrix{fixture: f}
	for _, u := range []string{"mx-user", "mx-victim"} {
		f.account(u, domain.RoleCoordinator, "KSU", mxPassword)
	}
	// One coordinator account per entity, for assignments to whichever holds a ticket.
	for _, e := range mxEntities {
		f.account(mxCoordinatorOf(e.Code), domain.RoleCoordinator, e.Code, mxPassword)
	}
	for name, secret := range map[string]string{"mx-integration": mxIntegrationToken, "mx-victim-token": "tw_mx-victim-token"} {
		if _, err := f.store.CreateAPIToken(ctx, store.NewAPIToken{Name: name, TokenHash: tokenHash(secret),
			Role: domain.RoleCoordinator, Entity: "KSU", ExpiresAt: f.clock.Now().Add(24 * time.Hour), CreatedBy: "admin"},
			f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}

	f.sessionWithToken(mxMobileA, mxBeneficiaryToken)

	for i, q := range []string{"كيف أطلع على نتائج الطلاب في نظام نور؟", "ما موعد حركة النقل؟"} {
		e, err := f.store.CreateFAQ(ctx, store.FAQContent{QuestionAR: q, AnswerAR: "من نظام نور.", QuestionEN: "Noor results?",
			AnswerEN: "In Noor.", Category: "noor", ReviewedOn: "2026-01-01", Active: true}, "admin", f.clock.Now())
		if err != nil || e.ID != int64(i+1) {
			t.Fatalf("FAQ entry %d: id %d, %v", i+1, e.ID, err)
		}
	}

	mk := func(name, entity string, edits ...func(o *mxObject)) {
		o := &mxObject{name: name, entity: entity, responsible: entity, status: domain.StatusOpen, owner: "A"}
		for _, e := range edits {
			e(o)
		}
		c := f.file("", func(b map[string]any) {
			b["entity"] = entity
			if o.owner == "B" {
				b["beneficiary"] = map[string]any{"name": "خالد الحربي", "national_id": validID("112233445"),
					"mobile": mobileB, "type": "parent"}
			}
		})
		o.number, o.code = c.Number, c.TrackingCode
		row, err := f.store.GetTicket(ctx, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		at := row.CreatedAt
		err = f.store.ApplyChange(ctx, store.TicketChange{
			Number: o.number, Version: 1, Status: o.status, ResponsibleEntity: o.responsible,
			PolicyVersion: row.PolicyVersion, Round: o.round, EscalationLevel: o.level, EscalationRole: o.escalationRole,
			SLADueAt: row.SLADueAt,
			Events: []store.TicketEvent{
				{Seq: 1, Type: workflows.EventCreated, At: at, ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary, Public: true},
				{Seq: 2, Type: workflows.EventEscalated, At: at.Add(time.Minute), ActorID: "coord-ksu", ActorRole: domain.RoleCoordinator,
					Message: "INTERNAL-NOTE " + name},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		o.atts = map[string]string{
			"shared": f.attach(o.number, domain.AttachResponse, true, "coord-ksu", domain.RoleCoordinator, "رد الجامعة.pdf").ID,
			"note":   f.attach(o.number, domain.AttachNote, false, "coord-ksu", domain.RoleCoordinator, "INTERNAL-NOTE.pdf").ID,
			"personal": f.attach(o.number, domain.AttachFiling, true, tickets.BeneficiaryActor.ID, domain.RoleBeneficiary,
				"PERSONAL-DOCUMENT.pdf").ID,
		}
		m.tickets = append(m.tickets, o)
	}
	escalated := func(level int, role domain.Role) func(*mxObject) {
		return func(o *mxObject) { o.level, o.escalationRole = level, role }
	}
	mk("own entity", "KSU")
	mk("same sector, other entity", "UQU")
	mk("other entity", "EDU-RIY")
	for i, r := range domain.LadderRoles() {
		mk("KSU escalated to "+string(r), "KSU", escalated(i+1, r))
	}
	mk("other sector escalated to sector_official", "EDU-RIY", escalated(3, domain.RoleSectorOfficial))
	mk("nested entity escalated to sector_official", "UQU-JMM", escalated(3, domain.RoleSectorOfficial))
	mk("objected, review held by the sector", "KSU", func(o *mxObject) {
		o.status, o.round, o.responsible = domain.StatusReopened, 1, "SEC-UNI"
	})
	mk("another beneficiary's", "KSU", func(o *mxObject) { o.owner = "B" })
	// Filed inside SEC-UNI and now held outside it (a transfer changes only
	// the responsible entity): SEC-UNI's official still reads it, but may no
	// longer transfer or answer it.
	mk("filed in the sector, transferred out", "KSU", func(o *mxObject) { o.responsible = "EDU-RIY" })

	m.targets = []*mxObject{{name: "filed to KSU", entity: "KSU"}, {name: "filed to EDU-RIY", entity: "EDU-RIY"}}

	p, err := f.store.CurrentPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Reason = "مراجعة دورية"
	if m.policy, err = json.Marshal(p); err != nil {
		t.Fatal(err)
	}
	r := f.do(req{method: "GET", path: "/api/v1/entities/export", token: testTokens["admin"]})
	r.expect(http.StatusOK)
	m.entitiesCSV = r.Body.Bytes()
	return m
}

// request builds the request of caller c for route (method, path) on o.
func (m *matrix) request(rule mxRule, method, path string, c mxCaller, o *mxObject) (req, error) {
	rq := req{method: method, token: c.token, headers: map[string]string{}}
	if rule.freshSession && c.bsession {
		rq.token = m.sessionFor(mxMobileA)
	}
	if o != nil && o.number != "" {
		path = strings.Replace(path, ":number", o.number, 1)
		switch c.code {
		case rightCode:
			code := o.code
			if o.owner != "A" {
				code = m.tickets[0].code // A's own ticket's code, tried on B's ticket
			}
			rq.headers[trackingHeader] = code
		case wrongCode:
			rq.headers[trackingHeader] = trackcode.New()
		}
	}
	for k, v := range rule.params {
		path = strings.Replace(path, ":"+k, v, 1)
	}
	if rule.objectParams != nil && o != nil {
		for k, v := range rule.objectParams(o) {
			path = strings.Replace(path, ":"+k, v, 1)
		}
	}
	if strings.Contains(path, ":") || strings.Contains(path, "*") {
		return rq, fmt.Errorf("path %s has a parameter the matrix cannot fill", path)
	}
	if rule.body != nil {
		var hs map[string]string
		rq.body, hs = rule.body(m, c, o)
		for k, v := range hs {
			rq.headers[k] = v
		}
	}
	if method == http.MethodGet && strings.HasSuffix(path, "/api/v1/tickets") {
		path += "?status=open,answered,reopened,closed,withdrawn&limit=200"
	}
	if rule.query != "" {
		path += "?" + rule.query
	}
	if rule.objectQuery != nil && o != nil {
		path += "?" + rule.objectQuery(o)
	}
	rq.path = path
	return rq, nil
}

func TestAuthorizationMatrix(t *testing.T) {
	start := time.Now()
	m := newMatrix(t)
	routes := m.api.engine.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	served := map[string]bool{}
	cells, failures := 0, 0
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		served[key] = true
		rule, ok := mxRules[key]
		if !ok {
			t.Errorf("route %s has no row in the authorization matrix: add one to mxRules", key)
			continue
		}
		objects := []*mxObject{nil}
		switch rule.objects {
		case "tickets":
			objects = m.tickets
		case "targets":
			objects = m.targets
		case "":
		default:
			t.Fatalf("%s: unknown objects %q", key, rule.objects)
		}
		for _, c := range mxCallers {
			for _, o := range objects {
				rq, err := m.request(rule, rt.Method, rt.Path, c, o)
				if err != nil {
					t.Errorf("%s: %v", key, err)
					break
				}
				want := rule.expect(c, o)
				r := m.do(rq)
				got := mxClass(r)
				if rule.observe != nil {
					got = m.observe(rule, r, o)
				}
				cells++
				where := key + " as " + c.name
				if o != nil {
					where += " on " + o.name
				}
				if got != want {
					failures++
					body := r.Body.String()
					if len(body) > 300 {
						body = body[:300] + "…"
					}
					if got < 0 {
						t.Errorf("%s: HTTP %d, want %s: %s", where, r.Code, want, body)
					} else {
						t.Errorf("%s: %s (HTTP %d), want %s: %s", where, got, r.Code, want, body)
					}
					continue
				}
				if rule.observe == nil {
					m.checkAnswer(t, where, r, c, o, got)
				}
			}
		}
	}
	for key := range mxRules {
		if !served[key] {
			t.Errorf("mxRules has a row for %s, which the router does not serve", key)
		}
	}
	t.Logf("authorization matrix: %d routes × %d callers → %d cells, %d failures, in %s",
		len(routes), len(mxCallers), cells, failures, time.Since(start).Round(time.Millisecond))
}

func (m *matrix) observe(rule mxRule, r resp, o *mxObject) outcome { return rule.observe(m, r, o) }

// checkAnswer adds what the status cannot say: a 404 is the same problem as
// for a missing ticket, and no answer to a beneficiary carries internal notes
// or personal data.
func (m *matrix) checkAnswer(t *testing.T, where string, r resp, c mxCaller, o *mxObject, got outcome) {
	t.Helper()
	body := r.Body.String()
	if got == hidden && o != nil && o.number != "" {
		var p Problem
		if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || p.Code != codeNotFound {
			t.Errorf("%s: 404 is not the plain not_found problem: %s", where, body)
		}
	}
	if got == allow && !c.staff() && !c.bsession && o != nil && strings.Contains(body, "PERSONAL-DOCUMENT") {
		t.Errorf("%s: a tracking code reached the beneficiary's personal document: %s", where, body)
	}
	if got == allow && !c.staff() && o != nil && o.number != "" {
		for _, secret := range []string{"INTERNAL-NOTE", validID("108765432"), validID("112233445"), "501234567", "559876543", "coord-ksu"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the beneficiary's answer contains %q: %s", where, secret, body)
			}
		}
	}
}
