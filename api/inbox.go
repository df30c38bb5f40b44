package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
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
		Overdue:   tickets.Overdue(t, now),
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		Version: t.Version,
	}
}

// listTickets is the staff inbox: decode the query, ask the core's Inbox
// (tickets.Service.Inbox holds the views and the read scope), render.
func (a *API) listTickets(c *gin.Context) error {
	actor, _ := staffActor(c)
	q := c.Request.URL.Query()
	if errs := onlyParams(q, "entity", "status", "overdue", "cursor", "limit", "view"); len(errs) > 0 {
		return invalid(errs...)
	}
	in := tickets.InboxQuery{View: tickets.View(q.Get("view")), Entity: q.Get("entity"), Cursor: q.Get("cursor")}
	for _, v := range q["status"] {
		for _, s := range strings.Split(v, ",") {
			in.Status = append(in.Status, domain.Status(strings.TrimSpace(s)))
		}
	}
	// Values that are not even of their type are the request's own fault;
	// what they mean is the core's to judge.
	var errs []fieldErr
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fieldErr{field: "overdue", code: fieldInvalidValue})
		}
		in.Overdue = b
	}
	limit, limitErrs := limitParam(q)
	in.Limit = limit
	if errs = append(errs, limitErrs...); len(errs) > 0 {
		return invalid(errs...)
	}
	page, err := a.tickets.Inbox(c.Request.Context(), actor, in)
	if err != nil {
		return err
	}
	items := make([]summaryJSON, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		items = append(items, summarize(t, page.At))
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}

// countTickets is the number of tickets in each view the caller's role has,
// for the badges beside the views' names.
func (a *API) countTickets(c *gin.Context) error {
	if errs := onlyParams(c.Request.URL.Query()); len(errs) > 0 {
		return invalid(errs...)
	}
	actor, _ := staffActor(c)
	counts, err := a.tickets.InboxCounts(c.Request.Context(), actor)
	if err != nil {
		return err
	}
	items := make([]viewCountJSON, 0, len(counts))
	for _, n := range counts {
		items = append(items, viewCountJSON{View: n.View, Count: n.N, More: n.More})
	}
	return writeJSON(c, http.StatusOK, gin.H{"items": items})
}

// viewCountJSON is one view's badge: count, and more when the view holds
// more than count ("999+").
type viewCountJSON struct {
	View  tickets.View `json:"view"`
	Count int          `json:"count"`
	More  bool         `json:"more"`
}
