package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// View narrows the staff inbox to one kind of pending task; the actor's
// read scope still bounds what any view shows.
type View string

const (
	// ViewAll: the pending work (open, reopened).
	ViewAll View = "all"
	// ViewAssigned: the pending tickets assigned to the actor ("mine").
	ViewAssigned View = "assigned"
	// ViewUnassigned: the pending tickets nobody has claimed yet.
	ViewUnassigned View = "unassigned"
	// ViewEscalated: the pending tickets whose escalation rung the actor's
	// role holds (ladder roles only).
	ViewEscalated View = "escalated"
	// ViewFollowUps: closed tickets with an open or overdue quality follow-up.
	ViewFollowUps View = "follow_ups"
	// ViewMeetings: meeting slots offered or booked, soonest first.
	ViewMeetings View = "meetings"
	// ViewOverdue: the pending tickets past their deadline.
	ViewOverdue View = "overdue"
	// ViewAwaiting: the tickets waiting for the beneficiary's answer to a
	// question staff asked (the SLA is paused meanwhile).
	ViewAwaiting View = "awaiting"
)

// Views lists every view in the order a front end shows them.
func Views() []View {
	return []View{ViewAll, ViewAssigned, ViewUnassigned, ViewOverdue, ViewAwaiting, ViewEscalated, ViewFollowUps, ViewMeetings}
}

// Valid reports whether v names a view.
func (v View) Valid() bool { return slices.Contains(Views(), v) }

// ShownTo reports whether a staff member in role has this view among the ones
// shown to them (InboxCounts' badges): the views whose tickets their role
// acts on. Inbox itself answers any view but escalated to anyone, bounded by
// their scope, as the API always has.
func (v View) ShownTo(role domain.Role) bool {
	switch v {
	case ViewAll, ViewOverdue, ViewAwaiting:
		return true
	case ViewAssigned:
		// Only a coordinator claims or is assigned a ticket (authz Claim).
		return role == domain.RoleCoordinator
	case ViewUnassigned:
		// What a coordinator may claim and their manager assign.
		return role == domain.RoleCoordinator || role == domain.RoleCareCenterManager || role == domain.RoleAdmin
	case ViewEscalated:
		return slices.Contains(domain.LadderRoles(), role)
	case ViewFollowUps:
		// Who may close a follow-up (authz CloseFollowUp).
		return role == domain.RoleCareCenterManager || role == domain.RoleSupervisor || role == domain.RoleAdmin
	case ViewMeetings:
		// The minister's diary.
		return role == domain.RoleMinisterOffice || role == domain.RoleAdmin
	}
	return false
}

// InboxQuery is what a front end asks of the inbox. The zero value is the
// first page of all the pending work in the caller's scope.
type InboxQuery struct {
	View View // "" is ViewAll
	// Status names the statuses to list instead of the view's own; nil keeps
	// the view's.
	Status []domain.Status
	// Overdue keeps the pending tickets past their deadline.
	Overdue bool
	// Entity keeps the tickets the entity with this code is responsible for.
	Entity string
	// Cursor is an InboxPage's NextCursor, for the page after it.
	Cursor string
	// Limit is the page size, 1..MaxInboxLimit; 0 is the store's default (50).
	Limit int
}

// MaxInboxLimit is the largest inbox page.
const MaxInboxLimit = 200

// CodeBadCursor refuses a cursor that no page handed out.
const CodeBadCursor = refusal.CodeBadCursor

// InboxPage is one page of an inbox, most urgent deadline first (a
// meetings page: soonest meeting first).
type InboxPage struct {
	Tickets    []store.Ticket
	NextCursor string // "" on the last page
	// At is the instant the inbox was read: whether a ticket is overdue is
	// judged at it, as the Overdue filter was.
	At time.Time
}

// Inbox is a page of the staff inbox: the work in actor's read scope,
// narrowed to one view. Bad input is an Invalid refusal naming each field at
// fault (status, limit, view); a cursor no page handed out is Invalid with
// CodeBadCursor.
func (s *Service) Inbox(ctx context.Context, actor workflows.Actor, q InboxQuery) (InboxPage, error) {
	at := s.now()
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return InboxPage{}, fmt.Errorf("inbox: %w", err)
	}
	f, err := inboxFilter(actor, q, tree, at)
	if err != nil {
		return InboxPage{}, err
	}
	page, err := s.store.ListTickets(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return InboxPage{}, refusal.Because(refusal.Invalid, CodeBadCursor, err)
	} else if err != nil {
		return InboxPage{}, fmt.Errorf("inbox: %w", err)
	}
	return InboxPage{Tickets: page.Tickets, NextCursor: page.NextCursor, At: at}, nil
}

// inboxFilter is the store's filter for q as actor asks it, read at at.
func inboxFilter(actor workflows.Actor, q InboxQuery, tree *authz.Tree, at time.Time) (store.TicketFilter, error) {
	f := store.TicketFilter{Entity: strings.TrimSpace(q.Entity), Cursor: q.Cursor, Limit: q.Limit,
		Overdue: q.Overdue, Now: at}
	var bad []refusal.Field
	for _, st := range q.Status {
		if !st.Valid() {
			bad = append(bad, refusal.Field{Name: "status", Code: refusal.FieldInvalidValue})
			break
		}
	}
	f.Status = q.Status
	// The inbox is the pending work; other statuses are asked for by name.
	pending := []domain.Status{domain.StatusOpen, domain.StatusReopened}
	if len(q.Status) == 0 {
		f.Status = pending
	}
	if q.Limit < 0 || q.Limit > MaxInboxLimit {
		bad = append(bad, refusal.Field{Name: "limit", Code: refusal.FieldOutOfRange})
	}
	subject := SubjectOf(actor)
	switch q.View {
	case "", ViewAll:
	case ViewAssigned:
		f.AssignedTo = actor.ID
	case ViewUnassigned:
		f.Unassigned = true
	case ViewOverdue:
		f.Overdue = true
	case ViewAwaiting:
		// Only awaiting_info waits on the beneficiary; naming another
		// status asks for what this view never holds.
		other := slices.ContainsFunc(q.Status, func(st domain.Status) bool { return st != domain.StatusAwaitingInfo })
		if other && !slices.ContainsFunc(bad, func(b refusal.Field) bool { return b.Name == "status" }) {
			bad = append(bad, refusal.Field{Name: "status", Code: refusal.FieldInvalidValue})
		}
		f.Status = []domain.Status{domain.StatusAwaitingInfo}
	case ViewEscalated:
		if !ViewEscalated.ShownTo(actor.Role) {
			bad = append(bad, refusal.Field{Name: "view", Code: refusal.FieldInvalidValue})
		}
		f.HeldByRole, f.HeldByEntity = actor.Role, authz.HeldAt(subject, tree)
	case ViewFollowUps:
		// Quality follow-ups wait on closed tickets: a care-center manager
		// sees their entity's; the scope bounds everyone else.
		f.FollowUps = true
		if actor.Role == domain.RoleCareCenterManager {
			f.FollowUpEntity = actor.Entity
		}
		if len(q.Status) == 0 {
			f.Status = nil
		}
	case ViewMeetings:
		// The minister's office's calendar: slots offered and booked,
		// soonest first (by meeting time, not by deadline).
		f.Meetings = true
		if len(q.Status) == 0 {
			f.Status = nil
		}
	default:
		bad = append(bad, refusal.Field{Name: "view", Code: refusal.FieldInvalidValue})
	}
	if len(bad) > 0 {
		return store.TicketFilter{}, refusal.Fields(bad...)
	}
	f.Scope = authz.ReadScope(subject, tree, tree.Codes())
	return f, nil
}

// Overdue reports whether t is pending and past its deadline at at: the
// Overdue filter's rule for one ticket.
func Overdue(t store.Ticket, at time.Time) bool {
	return t.Status.Pending() && t.SLADueAt.Before(at)
}

// CountCap is the most a view's count says exactly: past it a badge shows
// "999+" (ViewCount.More), so a count never reads more than CountCap+1
// tickets.
const CountCap = 999

// ViewCount is how many tickets one view of an actor's inbox holds.
type ViewCount struct {
	View View
	// N is the number of tickets, at most CountCap.
	N int
	// More: the view holds more than CountCap tickets.
	More bool
}

// InboxCounts counts each view the actor's role has (View.ShownTo), in the order
// of Views, as Inbox's first page of that view with no other filter would
// list them; all in one round trip to the database.
func (s *Service) InboxCounts(ctx context.Context, actor workflows.Actor) ([]ViewCount, error) {
	at := s.now()
	tree, err := s.entities.Tree(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox counts: %w", err)
	}
	var views []View
	var fs []store.TicketFilter
	for _, v := range Views() {
		if !v.ShownTo(actor.Role) {
			continue
		}
		f, err := inboxFilter(actor, InboxQuery{View: v}, tree, at)
		if err != nil {
			return nil, fmt.Errorf("inbox counts: view %s: %w", v, err)
		}
		views, fs = append(views, v), append(fs, f)
	}
	ns, err := s.store.CountTickets(ctx, fs, CountCap+1)
	if err != nil {
		return nil, fmt.Errorf("inbox counts: %w", err)
	}
	out := make([]ViewCount, len(views))
	for i, v := range views {
		out[i] = ViewCount{View: v, N: min(ns[i], CountCap), More: ns[i] > CountCap}
	}
	return out, nil
}
