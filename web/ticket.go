package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// ticketActions are the ticket page's forms: each one's path segment and
// the authorization it needs, in the order the page offers them.
var ticketActions = []struct {
	key string
	act authz.Action
	// when says whether the ticket is where the action makes sense now; the
	// workflow still decides (a page can be stale).
	when func(store.Ticket) bool
}{
	{"answer", authz.Respond, pending},
	{"ask", authz.RequestInfo, pending},
	{"note", authz.Note, always},
	{"transfer", authz.Transfer, pending},
	{"claim", authz.Claim, pending},
	{"assign", authz.Assign, pending},
	// A request to meet the minister: a slot while it waits for one (or
	// another in place of the one offered or booked), a refusal while it
	// waits for an answer, what happened once booked.
	{"offer", authz.ScheduleMeeting, meetingOpen},
	{"decline", authz.ScheduleMeeting, meetingPending},
	{"attendance", authz.ScheduleMeeting, meetingBooked},
}

func always(store.Ticket) bool    { return true }
func pending(t store.Ticket) bool { return t.Status.Pending() }

func meetingPending(t store.Ticket) bool {
	return t.Kind == domain.KindMeetingRequest && t.Status.Pending()
}

func meetingOpen(t store.Ticket) bool {
	return meetingPending(t) || t.Status == domain.StatusMeetingOffered || t.Status == domain.StatusMeetingBooked
}

func meetingBooked(t store.Ticket) bool {
	return t.Kind == domain.KindMeetingRequest && t.Status == domain.StatusMeetingBooked
}

// systemEvents are the timeline's events whose message the engine wrote
// for itself; the page shows their name only.
var systemEvents = map[string]bool{
	"created": true, "assigned": true, "escalated": true, "policy_applied": true,
	"ladder_top_reached": true, "escalation_stood_down": true, "survey_invited": true,
	"change_not_recorded": true, "meeting_reminder": true, "meeting_attendance_due": true,
}

// ticket is the staff page of one ticket: what the reader may see of it (the
// same view the API gives, tickets.View) and the forms of the actions the
// policy lets them take now.
func (w *Web) ticket(c *gin.Context) error {
	tp, err := w.ticketPage(c, c.Param("number"))
	if err != nil {
		return err
	}
	if n := doneNotice(c, "done."); n != "" {
		tp.Notice, tp.NoticeClass = n, "ok"
	}
	return render(c, http.StatusOK, views.TicketPage(w.page(c, "ticket.title", "inbox"), tp))
}

// ticketPage gathers the page of number as the signed-in reader may see it.
func (w *Web) ticketPage(c *gin.Context, number string) (views.Ticket, error) {
	ctx := c.Request.Context()
	actor, _ := actorOf(c)
	v, err := w.tickets.View(ctx, actor, number)
	if err != nil {
		return views.Ticket{}, err
	}
	l := langOf(c)
	t := v.Ticket
	ids := []string{t.AssignedTo}
	for _, e := range v.Timeline {
		ids = append(ids, e.ActorID)
	}
	personName := w.names(ctx, ids)
	cal, known := w.calendars.of(ctx, t.PolicyVersion)
	tp := views.Ticket{
		Number: t.Number, Subject: t.Subject, Description: t.Description,
		Kind: l.T("kind." + string(t.Kind)), Channel: l.T("channel." + string(t.Channel)),
		Priority: l.T("priority." + string(t.Priority)), PriorityKey: string(t.Priority),
		Status: l.T("status." + string(t.Status)), Badge: badge(l, t, cal, known, w.now()),
		Filed: t.CreatedAt, Rung: l.T("rung.care_center"),
		Holder: w.entityName(c, l, t.ResponsibleEntity), Key: newFormKey(),
	}
	if t.Status.Pending() && t.Status != domain.StatusAwaitingInfo {
		tp.Due, tp.DueHijri = t.SLADueAt, l.Hijri(t.SLADueAt)
	}
	if t.EscalationLevel > 0 {
		tp.Rung = l.Format("rung.at", l.T("role."+string(t.EscalationRole)))
	}
	if tp.Presence, err = w.presence(c, l, actor, t.Number); err != nil {
		return views.Ticket{}, err
	}
	if e, err := w.tickets.ExplainDeadline(ctx, t); err == nil {
		tp.Explain = explanation(l, e)
	} else if !errors.Is(err, tickets.ErrNothingToExplain) {
		w.log.Warn("explaining a deadline", "number", t.Number, "error", err)
	}
	if t.AssignedTo != "" {
		tp.Holder += " · " + personName(t.AssignedTo)
	}
	if t.MeetingStatus != "" && t.MeetingAt != nil {
		tp.Meeting = &views.Meeting{State: l.T("meeting." + t.MeetingStatus), At: *t.MeetingAt, Place: t.MeetingPlace}
	}
	b := v.Beneficiary
	tp.Beneficiary = []views.Fact{
		{Label: l.T("beneficiary.name"), Value: b.Name},
		{Label: l.T("beneficiary.national_id"), Value: b.NationalID, LTR: true},
		{Label: l.T("beneficiary.mobile"), Value: b.Mobile, LTR: true},
	}
	if b.Email != "" {
		tp.Beneficiary = append(tp.Beneficiary, views.Fact{Label: l.T("beneficiary.email"), Value: b.Email, LTR: true})
	}
	tp.Beneficiary = append(tp.Beneficiary, views.Fact{Label: l.T("beneficiary.type"), Value: l.T("btype." + string(b.Type))})
	tp.Timeline = timeline(l, personName, v.Timeline)
	if slices.Contains(views.Auditing, actor.Role) && w.tickets.Authorize(ctx, tickets.SubjectOf(actor), authz.ReadHistory, t) == nil {
		tp.History = "/tickets/" + t.Number + "/history"
	}
	for _, a := range v.Attachments {
		tp.Attachments = append(tp.Attachments, views.Attachment{
			Name: a.Name, Size: l.Count(int((a.Size+1023)/1024), "n.kb"),
			Href: "/tickets/" + t.Number + "/attachments/" + a.ID,
		})
	}
	for _, a := range ticketActions {
		if !a.when(t) {
			continue
		}
		if w.tickets.Authorize(ctx, tickets.SubjectOf(actor), a.act, t) != nil {
			continue
		}
		tp.Actions = append(tp.Actions, views.Action{Key: a.key, Label: l.T("action." + a.key)})
		switch a.key {
		case "transfer":
			if tp.Entities, err = w.entityOptions(ctx, l, t.ResponsibleEntity); err != nil {
				return views.Ticket{}, err
			}
		case "assign":
			if tp.Coordinators, err = w.coordinatorOptions(ctx, l, t.ResponsibleEntity); err != nil {
				return views.Ticket{}, err
			}
		case "attendance":
			tp.Attendance = []views.Option{{Value: "held", Label: l.T("meeting.held")}, {Value: "not_held", Label: l.T("meeting.missed")}}
		}
	}
	return tp, nil
}

// timeline is a ticket's business timeline as the pages show it, people by
// their names.
func timeline(l i18n.Lang, personName func(string) string, events []store.TicketEvent) []views.Entry {
	out := make([]views.Entry, 0, len(events))
	for _, e := range events {
		entry := views.Entry{At: e.At, Who: personName(e.ActorID), What: l.T("event." + e.Type), Message: e.Message, Public: e.Public}
		if e.ActorRole == domain.RoleSystem || e.ActorRole == domain.RoleBeneficiary {
			// Tawasul itself and the beneficiary read as their roles.
			entry.Who = l.T("role." + string(e.ActorRole))
		}
		if e.Type == "created" || systemEvents[e.Type] && e.ActorRole == domain.RoleSystem {
			// The engine's own notes ("least loaded", "channel portal")
			// are for the API's readers; the event's name says it here.
			entry.Message = ""
		}
		out = append(out, entry)
	}
	return out
}

// entityOptions are the entities a ticket held by except may go to.
func (w *Web) entityOptions(ctx context.Context, l i18n.Lang, except string) ([]views.Option, error) {
	es, err := w.entities.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]views.Option, 0, len(es))
	for _, e := range es {
		if e.Code == except {
			continue
		}
		name := e.NameAR
		if l == i18n.EN {
			name = e.NameEN
		}
		out = append(out, views.Option{Value: e.Code, Label: name})
	}
	return out, nil
}

// coordinatorOptions are the active coordinators of entity, least loaded
// first, each with their pending count.
func (w *Web) coordinatorOptions(ctx context.Context, l i18n.Lang, entity string) ([]views.Option, error) {
	loads, err := w.store.CoordinatorLoads(ctx, entity)
	if err != nil {
		return nil, err
	}
	out := make([]views.Option, 0, len(loads))
	for _, c := range loads {
		out = append(out, views.Option{Value: c.Username, Label: coordinatorLabel(l, c.Name, c.Pending)})
	}
	return out, nil
}

// coordinatorLabel is how a coordinator reads among the choices of whom to
// hand a ticket: their name and their pending work.
func coordinatorLabel(l i18n.Lang, name string, pending int) string {
	return name + " (" + l.Count(pending, "n.pending") + ")"
}

// names is how the actor ids of one page read: an account's name, else the
// id itself (configured tokens, the system, the beneficiary); the accounts
// among ids are looked up in one query, any other once when first met.
func (w *Web) names(ctx context.Context, ids []string) func(id string) string {
	var usernames []string
	for _, id := range ids {
		if u, ok := strings.CutPrefix(id, store.AccountActorPrefix); ok {
			usernames = append(usernames, u)
		}
	}
	found, err := w.store.AccountNames(ctx, usernames)
	if err != nil {
		w.log.Warn("reading account names", "error", err)
	}
	if found == nil {
		found = map[string]string{}
	}
	return func(id string) string {
		u, ok := strings.CutPrefix(id, store.AccountActorPrefix)
		if !ok {
			return id
		}
		key := store.NormalizeUsername(u)
		n, known := found[key]
		if !known {
			// Not among the page's people named up front (a history's
			// actors come from its events): looked up once.
			if acc, err := w.store.GetAccountByUsername(ctx, u); err == nil {
				n = acc.Name
			}
			found[key] = n
		}
		if n != "" {
			return n
		}
		return u
	}
}

// newFormKey names one rendering of a form: sent twice (a double click, a
// resend after a timeout) it is one action (tickets' action keys).
func newFormKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "web-" + hex.EncodeToString(b[:])
}
