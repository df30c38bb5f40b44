package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/faq"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/notify"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// numberPattern is the shape of a ticket number ("2026-000123"); anything
// else is a 404 without touching the database.
var numberPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{6,9}$`)

// beneficiaryActor files self-service tickets.
var beneficiaryActor = workflows.Actor{ID: "beneficiary", Role: domain.RoleBeneficiary}

// createdJSON is the answer to a filing. tracking_code is shown here only
// (and to a retry with the same Idempotency-Key).
type createdJSON struct {
	Number       string          `json:"number"`
	TrackingCode string          `json:"tracking_code,omitempty"`
	Status       domain.Status   `json:"status"`
	SLADueAt     time.Time       `json:"sla_due_at"`
	Entity       string          `json:"entity"`
	Kind         domain.Kind     `json:"kind"`
	Priority     domain.Priority `json:"priority"`
	Channel      domain.Channel  `json:"channel"`
	CreatedAt    time.Time       `json:"created_at"`
	// QueueNumber is the walk-in visitor's number for the day at the entity.
	QueueNumber string `json:"queue_number,omitempty"`
	// Suggestions are FAQ entries that may answer the ticket: the
	// beneficiary may find the answer before the entity replies, and an
	// agent filing on a call can read it out at once.
	Suggestions []faq.Hit `json:"suggestions,omitempty"`
}

func (a *API) createTicket(c *gin.Context) {
	ctx := c.Request.Context()
	actor, isStaff := staffActor(c)
	// Staff traffic is not limited per IP: a whole call center sits behind one address.
	if !isStaff && a.rateLimited(c, a.limiter) {
		return
	}
	key, hasKey, kerr := idempotencyKey(c.Request.Header)
	if kerr != nil {
		writeProblem(c, kerr)
		return
	}
	var body createTicketIn
	if err := decodeJSON(c, &body, false); err != nil {
		writeProblem(c, err)
		return
	}
	in, err := a.validateIntake(ctx, body, actor, isStaff)
	if err != nil {
		a.fail(c, err)
		return
	}
	filedBy := beneficiaryActor
	if isStaff {
		filedBy = actor
	}
	suggestions := a.suggestAhead(c, in.Subject, in.Description)

	var keyHash, reqHash string
	if hasKey {
		// The filer is part of the request: the same key and body from another
		// caller is not a retry of this one (and must not reveal its code).
		keyHash, reqHash = sha256Hex(key), sha256Hex(in.hash()+"\n"+filedBy.ID)
		rec, err := a.store.FindIdempotency(ctx, keyHash)
		switch {
		case err == nil:
			a.replay(c, rec, key, reqHash, isStaff, suggestions)
			return
		case !errors.Is(err, store.ErrNotFound):
			a.fail(c, fmt.Errorf("find idempotency record: %w", err))
			return
		}
	}

	policy, err := a.store.CurrentPolicy(ctx)
	if errors.Is(err, store.ErrNotFound) {
		writeProblem(c, problem(http.StatusServiceUnavailable, codeNoPolicy))
		return
	} else if err != nil {
		a.fail(c, fmt.Errorf("load policy: %w", err))
		return
	}
	// Numbers run by the ministry's calendar year: the store takes the year in
	// CreatedAt's location.
	now := a.now().In(zone(policy.Calendar.TimeZone))
	due, _, err := policy.FirstResponseDue(now, in.Kind, in.Priority)
	if err != nil {
		a.fail(c, fmt.Errorf("policy v%d: %w", policy.Version, err))
		return
	}

	code := newTrackingCode()
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
		TrackingHash:           a.trackingHash(code),
		PolicyVersion:          policy.Version,
		SLADueAt:               due,
		FiledByID:              filedBy.ID,
		FiledByRole:            filedBy.Role,
		ChannelDetails:         in.Details,
		CreatedAt:              now,
	}
	var idem *store.IdempotencyRecord
	if hasKey {
		sealed, err := a.seal(key, keyHash, code)
		if err != nil {
			a.fail(c, err)
			return
		}
		idem = &store.IdempotencyRecord{KeyHash: keyHash, RequestHash: reqHash, SealedCode: sealed, CreatedAt: now}
	}
	ticket, rec, created, err := a.store.CreateTicket(ctx, t, idem)
	switch {
	case errors.Is(err, store.ErrIdempotencyMismatch):
		writeProblem(c, problem(http.StatusUnprocessableEntity, codeIdempotencyReused))
		return
	case err != nil:
		a.fail(c, fmt.Errorf("create ticket: %w", err))
		return
	case !created && rec != nil:
		// A concurrent request with the same key won the race: answer as its replay.
		a.replay(c, *rec, key, reqHash, isStaff, suggestions)
		return
	}

	// The ticket is durably accepted once its row is committed: if Temporal is
	// unreachable now, the pending-start loop starts its workflow when it is
	// back (the SLA counts from filing either way). Answering 201 keeps the
	// beneficiary's number and code, and a client retry cannot make a twin.
	if err := a.startTicket(ctx, ticket, &policy, filedBy); err != nil {
		a.log.Warn("ticket saved; workflow start deferred to the pending-start loop", "number", ticket.Number,
			"error", err, "request_id", c.GetString(requestIDKey))
	}
	a.writeCreated(c, ticket, code, isStaff, false, suggestions())
}

// replay answers a request whose Idempotency-Key is known: the same ticket and
// tracking code, finishing the workflow start if the first attempt could not.
func (a *API) replay(c *gin.Context, rec store.IdempotencyRecord, key, reqHash string, isStaff bool, suggestions func() []faq.Hit) {
	ctx := c.Request.Context()
	if rec.RequestHash != reqHash {
		writeProblem(c, problem(http.StatusUnprocessableEntity, codeIdempotencyReused))
		return
	}
	ticket, err := a.store.GetTicket(ctx, rec.TicketNumber)
	if err != nil {
		a.fail(c, fmt.Errorf("load ticket %s of idempotency record: %w", rec.TicketNumber, err))
		return
	}
	code, err := a.unseal(key, rec.KeyHash, rec.SealedCode)
	if err != nil {
		// Only a changed TrackingSecret gets here; the ticket exists, so answer
		// it without the code rather than make the client retry forever.
		a.log.Error("cannot unseal tracking code", "number", ticket.Number, "error", err)
		code = ""
	}
	if !ticket.WorkflowStarted {
		if err := a.startTicket(ctx, ticket, nil, filerOf(ticket)); err != nil {
			a.log.Warn("workflow start retry failed; left to the pending-start loop", "number", ticket.Number, "error", err)
		}
	}
	a.writeCreated(c, ticket, code, isStaff, true, suggestions())
}

func (a *API) writeCreated(c *gin.Context, t store.Ticket, code string, isStaff, replayed bool, suggestions []faq.Hit) {
	loc := "/api/v1/track/" + t.Number
	if isStaff {
		loc = "/api/v1/tickets/" + t.Number
	}
	c.Header("Location", loc)
	if replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	writeJSON(c, http.StatusCreated, createdJSON{
		Number: t.Number, TrackingCode: code, Status: t.Status, SLADueAt: t.SLADueAt.UTC(),
		Entity: t.Entity, Kind: t.Kind, Priority: t.Priority, Channel: t.Channel, CreatedAt: t.CreatedAt.UTC(),
		QueueNumber: t.QueueNumber,
		Suggestions: suggestions,
	})
}

var zones sync.Map // time zone name -> *time.Location

// zone loads a time zone once; an unknown name (a validated policy has none) is UTC.
func zone(name string) *time.Location {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		loc = time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// inputLanguage is the workflow input's form of a beneficiary's language:
// Arabic, the default, is left out (workflows.Beneficiary.Language).
func inputLanguage(lang string) string {
	if lang == notify.English {
		return notify.English
	}
	return ""
}

// filerOf rebuilds who filed a ticket from its row (the entity is not kept).
func filerOf(t store.Ticket) workflows.Actor {
	if t.FiledByRole == "" || t.FiledByRole == domain.RoleBeneficiary {
		return beneficiaryActor
	}
	return workflows.Actor{ID: t.FiledByID, Name: t.FiledByID, Role: t.FiledByRole}
}

// startTicket starts the ticket's workflow (an already started one counts as
// success) and records the start. policy is the snapshot the ticket was filed
// under; nil loads it by the row's version.
func (a *API) startTicket(ctx context.Context, t store.Ticket, policy *sla.Policy, filedBy workflows.Actor) error {
	if policy == nil {
		p, err := a.store.GetPolicy(ctx, t.PolicyVersion)
		if err != nil {
			return fmt.Errorf("load policy v%d: %w", t.PolicyVersion, err)
		}
		policy = &p
	}
	in := workflows.TicketInput{
		Number:   t.Number,
		Kind:     t.Kind,
		Channel:  t.Channel,
		Priority: t.Priority,
		Subject:  t.Subject,
		Entity:   t.Entity,
		Beneficiary: workflows.Beneficiary{
			Name: t.BeneficiaryName, NationalID: t.BeneficiaryNationalID, Mobile: t.BeneficiaryMobile,
			Email: t.BeneficiaryEmail, Type: t.BeneficiaryType, Gender: t.BeneficiaryGender,
			Nationality: t.BeneficiaryNationality, Language: inputLanguage(t.BeneficiaryLanguage),
		},
		FiledBy: filedBy,
		FiledAt: t.CreatedAt.UTC(),
		Policy:  *policy,
	}
	// Finish the start even if the client hangs up: it is cheaper than leaving
	// the row for the pending-start loop.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.updateTO)
	defer cancel()
	_, err := a.temporal.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                       workflows.TicketWorkflowID(t.Number),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.TicketWorkflowName, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return fmt.Errorf("start workflow %s: %w", workflows.TicketWorkflowID(t.Number), err)
	}
	if err := a.store.MarkWorkflowStarted(sctx, t.Number); err != nil {
		// The workflow runs; the pending-start loop will find it started and mark it.
		a.log.Warn("workflow started but not marked", "number", t.Number, "error", err)
	}
	return nil
}

// StartPending starts workflows for intake rows whose start was never
// confirmed (older than 10s, so a request still in flight is left alone). It
// stops at the first failed start, which usually means Temporal is down.
func (a *API) StartPending(ctx context.Context) (int, error) {
	ts, err := a.store.UnstartedTickets(ctx, a.now().Add(-10*time.Second), 100)
	if err != nil {
		return 0, fmt.Errorf("list unstarted tickets: %w", err)
	}
	n := 0
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := a.startTicket(ctx, t, nil, filerOf(t)); err != nil {
			var unavailable *serviceerror.Unavailable
			if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) {
				return n, fmt.Errorf("ticket %s: %w", t.Number, err) // Temporal is down: try later
			}
			// One ticket that cannot start must not hold up the ones behind it.
			a.log.Error("ticket cannot be started; skipped", "number", t.Number, "error", err)
			continue
		}
		n++
	}
	return n, nil
}

// summaryJSON is one inbox line; no personal data.
type summaryJSON struct {
	Number            string          `json:"number"`
	Kind              domain.Kind     `json:"kind"`
	Channel           domain.Channel  `json:"channel"`
	Priority          domain.Priority `json:"priority"`
	Status            domain.Status   `json:"status"`
	Subject           string          `json:"subject"`
	Entity            string          `json:"entity"`
	ResponsibleEntity string          `json:"responsible_entity"`
	Round             int             `json:"round"`
	EscalationLevel   int             `json:"escalation_level"`
	EscalationRole    domain.Role     `json:"escalation_role,omitempty"`
	AssignedTo        string          `json:"assigned_to,omitempty"`
	Rating            int             `json:"rating,omitempty"`
	FollowUpStatus    string          `json:"follow_up_status,omitempty"`
	Meeting           *meetingJSON    `json:"meeting,omitempty"`
	SLADueAt          time.Time       `json:"sla_due_at"`
	Overdue           bool            `json:"overdue"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	// Version is the projection's: 0 until the ticket's workflow has
	// recorded it (its first workflow task), then one more per change.
	Version int64 `json:"version"`
}

// meetingJSON is a request to meet the minister's slot, once one was offered
// (or the request declined).
type meetingJSON struct {
	Status string     `json:"status"`
	At     *time.Time `json:"at,omitempty"`
	Place  string     `json:"place,omitempty"`
	// ConfirmBy is when an offered slot lapses unless accepted (shown to the
	// beneficiary after an action; the read model does not keep it).
	ConfirmBy *time.Time `json:"confirm_by,omitempty"`
}

func meetingOf(t store.Ticket) *meetingJSON {
	if t.MeetingStatus == "" {
		return nil
	}
	return &meetingJSON{Status: t.MeetingStatus, At: t.MeetingAt, Place: t.MeetingPlace}
}

func summarize(t store.Ticket, now time.Time) summaryJSON {
	return summaryJSON{
		Number: t.Number, Kind: t.Kind, Channel: t.Channel, Priority: t.Priority, Status: t.Status,
		Subject: t.Subject, Entity: t.Entity, ResponsibleEntity: t.ResponsibleEntity, Round: t.Round,
		EscalationLevel: t.EscalationLevel, EscalationRole: t.EscalationRole, AssignedTo: t.AssignedTo, Rating: t.Rating, FollowUpStatus: t.FollowUpStatus, SLADueAt: t.SLADueAt.UTC(),
		Meeting:   meetingOf(t),
		Overdue:   t.Status.Pending() && t.SLADueAt.Before(now),
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		Version: t.Version,
	}
}

func (a *API) listTickets(c *gin.Context) {
	ctx := c.Request.Context()
	actor, _ := staffActor(c)
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "entity", "status", "overdue", "cursor", "limit", "view"); len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	now := a.now()
	f := store.TicketFilter{Entity: strings.TrimSpace(q.Get("entity")), Cursor: q.Get("cursor"), Now: now}
	var errs []fieldErr
	for _, v := range q["status"] {
		for _, s := range strings.Split(v, ",") {
			st := domain.Status(strings.TrimSpace(s))
			if !st.Valid() {
				errs = append(errs, fieldErr{field: "status", code: fieldInvalidValue})
				break
			}
			f.Status = append(f.Status, st)
		}
	}
	if len(q["status"]) == 0 {
		// The inbox is the pending work; other statuses are asked for by name.
		f.Status = []domain.Status{domain.StatusOpen, domain.StatusReopened}
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fieldErr{field: "overdue", code: fieldInvalidValue})
		}
		f.Overdue = b
	}
	limit, limitErrs := limitParam(q)
	f.Limit = limit
	errs = append(errs, limitErrs...)
	tree, err := a.entities.tree(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	// view narrows the inbox to one kind of pending task; the read scope
	// below still bounds what any view shows.
	switch q.Get("view") {
	case "", "all":
	case "assigned":
		f.AssignedTo = actor.ID
	case "unassigned":
		f.Unassigned = true
	case "escalated":
		if !slices.Contains(domain.LadderRoles(), actor.Role) {
			errs = append(errs, fieldErr{field: "view", code: fieldInvalidValue})
		}
		f.HeldByRole, f.HeldByEntity = actor.Role, authz.HeldAt(subjectOf(actor), tree)
	case "follow_ups":
		// Quality follow-ups wait on closed tickets: a care-center manager
		// sees their entity's; the scope bounds everyone else.
		f.FollowUps = true
		if actor.Role == domain.RoleCareCenterManager {
			f.FollowUpEntity = actor.Entity
		}
		if len(q["status"]) == 0 {
			f.Status = nil
		}
	case "meetings":
		// The minister's office's calendar: slots offered and booked,
		// soonest first (by meeting time, not by deadline).
		f.Meetings = true
		if len(q["status"]) == 0 {
			f.Status = nil
		}
	default:
		errs = append(errs, fieldErr{field: "view", code: fieldInvalidValue})
	}
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	f.Scope = authz.ReadScope(subjectOf(actor), tree, tree.Codes())
	page, err := a.store.ListTickets(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		writeProblem(c, problem(http.StatusBadRequest, codeBadCursor))
		return
	} else if err != nil {
		a.fail(c, fmt.Errorf("list tickets: %w", err))
		return
	}
	items := make([]summaryJSON, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		items = append(items, summarize(t, now))
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}

type beneficiaryJSON struct {
	Name        string                 `json:"name"`
	NationalID  string                 `json:"national_id"`
	Mobile      string                 `json:"mobile"`
	Email       string                 `json:"email,omitempty"`
	Type        domain.BeneficiaryType `json:"type"`
	Gender      domain.Gender          `json:"gender,omitempty"`
	Nationality domain.Nationality     `json:"nationality,omitempty"`
	Language    string                 `json:"language"`
}

type actorJSON struct {
	ID   string      `json:"id"`
	Role domain.Role `json:"role,omitempty"`
}

type eventJSON struct {
	Seq     int       `json:"seq"`
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Actor   actorJSON `json:"actor"`
	Entity  string    `json:"entity,omitempty"`
	Level   int       `json:"level,omitempty"`
	Public  bool      `json:"public"`
	Message string    `json:"message,omitempty"`
}

type ticketJSON struct {
	summaryJSON
	Description    string                `json:"description"`
	Beneficiary    beneficiaryJSON       `json:"beneficiary"`
	PolicyVersion  int                   `json:"policy_version"`
	ObjectionUntil *time.Time            `json:"objection_until,omitempty"`
	RespondedAt    *time.Time            `json:"responded_at,omitempty"`
	ClosedAt       *time.Time            `json:"closed_at,omitempty"`
	FiledBy        actorJSON             `json:"filed_by"`
	ChannelDetails *store.ChannelDetails `json:"channel_details,omitempty"`
	QueueNumber    string                `json:"queue_number,omitempty"`
	Timeline       []eventJSON           `json:"timeline"`
	// Attachments are those the caller may download.
	Attachments []attachmentJSON `json:"attachments"`
}

// loadVisible finds a ticket the staff member may see; out of scope answers
// exactly like a missing ticket, so scope does not reveal what exists.
func (a *API) loadVisible(c *gin.Context) (store.Ticket, workflows.Actor, bool) {
	actor, _ := staffActor(c)
	number := c.Param("number")
	if !numberPattern.MatchString(number) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return store.Ticket{}, actor, false
	}
	t, err := a.store.GetTicket(c.Request.Context(), number)
	if errors.Is(err, store.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return store.Ticket{}, actor, false
	} else if err != nil {
		a.fail(c, fmt.Errorf("get ticket: %w", err))
		return store.Ticket{}, actor, false
	}
	d, err := a.decide(c.Request.Context(), actor, authz.Read, t)
	if err != nil {
		a.fail(c, err)
		return store.Ticket{}, actor, false
	}
	if d != authz.Allowed {
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return store.Ticket{}, actor, false
	}
	return t, actor, true
}

// authorize asks the policy whether actor may do act to the visible ticket t;
// on refusal it has written the problem.
func (a *API) authorize(c *gin.Context, actor workflows.Actor, act authz.Action, t store.Ticket) bool {
	return a.authorizeFor(c, subjectOf(actor), act, t)
}

// authorizeFor is authorize for any subject, a beneficiary's included.
func (a *API) authorizeFor(c *gin.Context, s authz.Subject, act authz.Action, t store.Ticket) bool {
	d, err := a.decideFor(c.Request.Context(), s, act, t)
	switch {
	case err != nil:
		a.fail(c, err)
		return false
	case d == authz.Hidden:
		writeProblem(c, problem(http.StatusNotFound, codeNotFound))
		return false
	case d == authz.Forbidden:
		writeProblem(c, problem(http.StatusForbidden, codeForbidden))
		return false
	}
	return true
}

func (a *API) getTicket(c *gin.Context) {
	t, actor, ok := a.loadVisible(c)
	if !ok {
		return
	}
	events, err := a.store.Timeline(c.Request.Context(), t.Number, false)
	if err != nil {
		a.fail(c, fmt.Errorf("timeline: %w", err))
		return
	}
	atts, err := a.attachmentsFor(c.Request.Context(), subjectOf(actor), t)
	if err != nil {
		a.fail(c, err)
		return
	}
	b := beneficiaryJSON{
		Name: t.BeneficiaryName, NationalID: t.BeneficiaryNationalID, Mobile: t.BeneficiaryMobile,
		Email: t.BeneficiaryEmail, Type: t.BeneficiaryType, Gender: t.BeneficiaryGender,
		Nationality: t.BeneficiaryNationality, Language: t.BeneficiaryLanguage,
	}
	// Auditors review how tickets were handled, not who filed them.
	if actor.Role == domain.RoleAuditor {
		b.NationalID = normalize.MaskID(b.NationalID)
		b.Mobile = normalize.MaskPhone(b.Mobile)
		b.Email = ""
	}
	out := ticketJSON{
		summaryJSON: summarize(t, a.now()), Description: t.Description, Beneficiary: b,
		PolicyVersion: t.PolicyVersion, ObjectionUntil: utcPtr(t.ObjectionUntil),
		RespondedAt: utcPtr(t.RespondedAt), ClosedAt: utcPtr(t.ClosedAt),
		FiledBy:     actorJSON{ID: t.FiledByID, Role: t.FiledByRole},
		QueueNumber: t.QueueNumber,
		Timeline:    make([]eventJSON, 0, len(events)),
		Attachments: staffAttachments(atts),
	}
	if t.ChannelDetails != (store.ChannelDetails{}) {
		d := t.ChannelDetails
		out.ChannelDetails = &d
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, eventJSON{
			Seq: e.Seq, Type: e.Type, At: e.At.UTC(), Actor: actorJSON{ID: e.ActorID, Role: e.ActorRole},
			Entity: e.Entity, Level: e.Level, Public: e.Public, Message: e.Message,
		})
	}
	writeJSON(c, http.StatusOK, out)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type messageIn struct {
	Message string `json:"message"`
}

// respond answers a ticket through the workflow's "respond" update, so the
// workflow decides (and refuses with a 409) whether an answer is possible now.
func (a *API) respond(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.Respond)
	if !ok {
		return
	}
	var in messageIn
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	msg := normalize.Text(in.Message)
	var errs []fieldErr
	checkText(&errs, "message", msg, maxMessage, true)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.RespondRequest{Actor: actor, Message: msg}
	if state, ok := a.act(c, t, workflows.UpdateRespond, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}
