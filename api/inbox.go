package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
)

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

// listTickets is the staff inbox: the pending work in the caller's scope,
// narrowed to one view.
func (a *API) listTickets(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, _ := staffActor(c)
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "entity", "status", "overdue", "cursor", "limit", "view"); len(errs) > 0 {
		return invalid(errs...)
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
	tree, err := a.entities.Tree(ctx)
	if err != nil {
		return err
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
		return invalid(errs...)
	}
	f.Scope = authz.ReadScope(subjectOf(actor), tree, tree.Codes())
	page, err := a.store.ListTickets(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return problem(http.StatusBadRequest, codeBadCursor)
	} else if err != nil {
		return fmt.Errorf("list tickets: %w", err)
	}
	items := make([]summaryJSON, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		items = append(items, summarize(t, now))
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}
