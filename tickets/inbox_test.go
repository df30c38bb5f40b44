package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// Staff of the fixture's hierarchy (MOE over KSU and KAU).
var (
	coordKSU   = workflows.Actor{ID: "user:coord-ksu", Role: domain.RoleCoordinator, Entity: "KSU"}
	coordKAU   = workflows.Actor{ID: "user:coord-kau", Role: domain.RoleCoordinator, Entity: "KAU"}
	managerKSU = workflows.Actor{ID: "user:manager-ksu", Role: domain.RoleCareCenterManager, Entity: "KSU"}
	supervisor = workflows.Actor{ID: "user:supervisor", Role: domain.RoleSupervisor}
	auditor    = workflows.Actor{ID: "user:auditor", Role: domain.RoleAuditor}
)

// withKAU adds a second university beside KSU, before anything reads the
// hierarchy.
func withKAU(t *testing.T, f fixture) {
	t.Helper()
	if err := f.store.UpsertEntities(context.Background(), []store.Entity{{Code: "KAU", NameAR: "جامعة الملك عبدالعزيز",
		NameEN: "King Abdulaziz University", Kind: domain.EntityPublicUniversity, Parent: "MOE"}}); err != nil {
		t.Fatal(err)
	}
}

// change projects a workflow step onto the filed ticket number, as the
// workflow would: edit turns the ticket's current state into the new one.
func (f fixture) change(t *testing.T, number string, edit func(*store.TicketChange)) {
	t.Helper()
	ctx := context.Background()
	tk, err := f.store.GetTicket(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	ch := store.TicketChange{Number: number, Version: tk.Version + 1, Status: tk.Status,
		ResponsibleEntity: tk.ResponsibleEntity, PolicyVersion: tk.PolicyVersion, Round: tk.Round,
		EscalationLevel: tk.EscalationLevel, EscalationRole: tk.EscalationRole, EscalationEntity: tk.EscalationEntity,
		SLADueAt: tk.SLADueAt, AssignedTo: tk.AssignedTo, FollowUpStatus: tk.FollowUpStatus,
		FollowUpEntity: tk.FollowUpEntity, MeetingStatus: tk.MeetingStatus, MeetingAt: tk.MeetingAt}
	edit(&ch)
	if err := f.store.ApplyChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
}

// inboxWorld is one KSU ticket in each state the views tell apart.
type inboxWorld struct {
	plain, assigned, overdue, awaiting, escalated, followUp, meeting string
}

func newInboxWorld(t *testing.T, f fixture) inboxWorld {
	t.Helper()
	withKAU(t, f)
	now := f.svc.now()
	w := inboxWorld{}
	for _, n := range []*string{&w.plain, &w.assigned, &w.overdue, &w.awaiting, &w.escalated, &w.followUp, &w.meeting} {
		*n = f.file(t, "").Ticket.Number
	}
	f.change(t, w.assigned, func(c *store.TicketChange) { c.AssignedTo = coordKSU.ID })
	f.change(t, w.overdue, func(c *store.TicketChange) { c.SLADueAt = now.Add(-time.Hour) })
	f.change(t, w.awaiting, func(c *store.TicketChange) { c.Status = domain.StatusAwaitingInfo })
	f.change(t, w.escalated, func(c *store.TicketChange) {
		c.EscalationLevel, c.EscalationRole, c.EscalationEntity = 4, domain.RoleSupervisor, "MOE"
	})
	f.change(t, w.followUp, func(c *store.TicketChange) {
		c.Status, c.FollowUpStatus, c.FollowUpEntity = domain.StatusClosed, "open", "KSU"
	})
	at := now.Add(72 * time.Hour)
	f.change(t, w.meeting, func(c *store.TicketChange) {
		c.Status, c.MeetingStatus, c.MeetingAt = domain.StatusMeetingOffered, "offered", &at
	})
	return w
}

func (f fixture) inbox(t *testing.T, actor workflows.Actor, q InboxQuery) []string {
	t.Helper()
	p, err := f.svc.Inbox(context.Background(), actor, q)
	if err != nil {
		t.Fatalf("Inbox(%s, %+v): %v", actor.ID, q, err)
	}
	var out []string
	for _, tk := range p.Tickets {
		out = append(out, tk.Number)
	}
	slices.Sort(out)
	return out
}

func sorted(ns ...string) []string {
	ns = slices.Clone(ns)
	slices.Sort(ns)
	return ns
}

func TestInboxViews(t *testing.T) {
	f := newFixture(t)
	w := newInboxWorld(t, f)
	cases := []struct {
		actor workflows.Actor
		view  View
		want  []string
	}{
		{coordKSU, "", sorted(w.plain, w.assigned, w.overdue, w.escalated)},
		{coordKSU, ViewAll, sorted(w.plain, w.assigned, w.overdue, w.escalated)},
		{coordKSU, ViewAssigned, sorted(w.assigned)},
		{coordKSU, ViewUnassigned, sorted(w.plain, w.overdue, w.escalated)},
		{coordKSU, ViewOverdue, sorted(w.overdue)},
		{coordKSU, ViewAwaiting, sorted(w.awaiting)},
		{coordKSU, ViewFollowUps, sorted(w.followUp)},
		{coordKSU, ViewMeetings, sorted(w.meeting)},
		{supervisor, ViewEscalated, sorted(w.escalated)},
		{managerKSU, ViewEscalated, nil}, // KSU's manager holds no rung of it
		{managerKSU, ViewFollowUps, sorted(w.followUp)},
		// Scope: another entity's coordinator sees nothing of KSU's, whatever the view.
		{coordKAU, ViewAll, nil},
		{coordKAU, ViewUnassigned, nil},
		{coordKAU, ViewOverdue, nil},
		{coordKAU, ViewAwaiting, nil},
		{coordKAU, ViewFollowUps, nil},
		{coordKAU, ViewMeetings, nil},
	}
	for _, c := range cases {
		if got := f.inbox(t, c.actor, InboxQuery{View: c.view}); !slices.Equal(got, c.want) {
			t.Errorf("%s, view %q: %v, want %v", c.actor.ID, c.view, got, c.want)
		}
	}
	// A status named narrows the view; the overdue filter is the overdue view.
	if got := f.inbox(t, coordKSU, InboxQuery{Status: []domain.Status{domain.StatusAwaitingInfo, domain.StatusClosed}}); !slices.Equal(got, sorted(w.awaiting, w.followUp)) {
		t.Errorf("statuses awaiting_info,closed: %v", got)
	}
	if got := f.inbox(t, coordKSU, InboxQuery{Overdue: true}); !slices.Equal(got, sorted(w.overdue)) {
		t.Errorf("overdue filter: %v", got)
	}
}

func TestInboxIsMostUrgentFirstAndPages(t *testing.T) {
	f := newFixture(t)
	w := newInboxWorld(t, f)
	p, err := f.svc.Inbox(context.Background(), coordKSU, InboxQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tickets) != 1 || p.Tickets[0].Number != w.overdue || p.NextCursor == "" {
		t.Fatalf("first page %+v, want the overdue ticket and a cursor", p)
	}
	if !Overdue(p.Tickets[0], p.At) {
		t.Errorf("the overdue ticket is not overdue at the page's instant %v", p.At)
	}
	next, err := f.svc.Inbox(context.Background(), coordKSU, InboxQuery{Limit: 1, Cursor: p.NextCursor})
	if err != nil || len(next.Tickets) != 1 || next.Tickets[0].Number == w.overdue {
		t.Fatalf("second page %+v, %v", next, err)
	}
}

func TestInboxRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		actor  workflows.Actor
		q      InboxQuery
		fields []string
	}{
		{coordKSU, InboxQuery{View: "mine-and-more"}, []string{"view"}},
		{coordKSU, InboxQuery{View: ViewEscalated}, []string{"view"}}, // not a ladder role
		{coordKSU, InboxQuery{Status: []domain.Status{"lost"}}, []string{"status"}},
		{coordKSU, InboxQuery{View: ViewAwaiting, Status: []domain.Status{domain.StatusOpen}}, []string{"status"}},
		{coordKSU, InboxQuery{Limit: MaxInboxLimit + 1}, []string{"limit"}},
		{coordKSU, InboxQuery{View: "x", Status: []domain.Status{"lost"}, Limit: -1}, []string{"status", "limit", "view"}},
	}
	for _, c := range cases {
		_, err := f.svc.Inbox(context.Background(), c.actor, c.q)
		r, ok := refusal.As(err)
		if !ok || r.Kind != refusal.Invalid || r.Code != refusal.CodeValidation {
			t.Errorf("%+v: %v, want an Invalid refusal", c.q, err)
			continue
		}
		var got []string
		for _, fe := range r.Fields {
			got = append(got, fe.Name)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%+v: fields %v, want %v", c.q, got, c.fields)
		}
	}
	_, err := f.svc.Inbox(context.Background(), coordKSU, InboxQuery{Cursor: "%%garbage"})
	if r, ok := refusal.As(err); !ok || r.Kind != refusal.Invalid || r.Code != CodeBadCursor {
		t.Errorf("bad cursor: %v, want Invalid %s", err, CodeBadCursor)
	}
}

func TestInboxCountsCountWhatEachViewLists(t *testing.T) {
	f := newFixture(t)
	newInboxWorld(t, f)
	for _, c := range []struct {
		actor workflows.Actor
		views []View
	}{
		{coordKSU, []View{ViewAll, ViewAssigned, ViewUnassigned, ViewOverdue, ViewAwaiting}},
		{coordKAU, []View{ViewAll, ViewAssigned, ViewUnassigned, ViewOverdue, ViewAwaiting}},
		{managerKSU, []View{ViewAll, ViewUnassigned, ViewOverdue, ViewAwaiting, ViewEscalated, ViewFollowUps}},
		{supervisor, []View{ViewAll, ViewOverdue, ViewAwaiting, ViewEscalated, ViewFollowUps}},
		{auditor, []View{ViewAll, ViewOverdue, ViewAwaiting}},
	} {
		counts, err := f.svc.InboxCounts(context.Background(), c.actor)
		if err != nil {
			t.Fatalf("%s: %v", c.actor.ID, err)
		}
		var views []View
		total := 0
		for _, n := range counts {
			views = append(views, n.View)
			total += n.N
			if listed := len(f.inbox(t, c.actor, InboxQuery{View: n.View})); n.N != listed || n.More {
				t.Errorf("%s, view %s: counted %d (more %v), lists %d", c.actor.ID, n.View, n.N, n.More, listed)
			}
		}
		if !slices.Equal(views, c.views) {
			t.Errorf("%s: views %v, want %v", c.actor.ID, views, c.views)
		}
		if (total == 0) != (c.actor.Entity == "KAU") {
			t.Errorf("%s: %d tickets counted in all views", c.actor.ID, total)
		}
	}
}

func TestVisibleAndAuthorize(t *testing.T) {
	f := newFixture(t)
	w := newInboxWorld(t, f)
	ctx := context.Background()
	notFound := func(what string, err error) {
		t.Helper()
		if r, ok := refusal.As(err); !ok || r.Kind != refusal.NotFound || r.Code != refusal.CodeNotFound {
			t.Errorf("%s: %v, want NotFound", what, err)
		}
	}
	if tk, err := f.svc.Visible(ctx, coordKSU, w.plain); err != nil || tk.Number != w.plain {
		t.Errorf("KSU's coordinator opens %s: %v", w.plain, err)
	}
	_, err := f.svc.Visible(ctx, coordKAU, w.plain)
	notFound("another entity's coordinator", err)
	_, err = f.svc.Visible(ctx, coordKSU, "2026-999999")
	notFound("a missing ticket", err)
	_, err = f.svc.Visible(ctx, coordKSU, "not-a-number")
	notFound("a malformed number", err)

	tk, err := f.svc.Get(ctx, w.plain)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Authorize(ctx, SubjectOf(coordKSU), authz.Claim, tk); err != nil {
		t.Errorf("KSU's coordinator claims: %v", err)
	}
	notFound("another entity's coordinator claims", f.svc.Authorize(ctx, SubjectOf(coordKAU), authz.Claim, tk))
	if err := f.svc.Authorize(ctx, SubjectOf(auditor), authz.Respond, tk); !refusal.Is(err, refusal.CodeForbidden) {
		t.Errorf("an auditor responds: %v, want Forbidden", err)
	}
	// Under an objection's review held by another entity, the entity whose
	// answer is objected to sees the ticket but may not answer it.
	f.change(t, w.plain, func(c *store.TicketChange) {
		c.Status, c.Round, c.ResponsibleEntity = domain.StatusReopened, 1, "KAU"
	})
	if tk, err = f.svc.Get(ctx, w.plain); err != nil {
		t.Fatal(err)
	}
	err = f.svc.Authorize(ctx, SubjectOf(coordKSU), authz.Respond, tk)
	if r, ok := refusal.As(err); !ok || r.Kind != refusal.Forbidden || r.Code != workflows.ErrNotResponsible {
		t.Errorf("the objected entity responds: %v, want Forbidden not_responsible", err)
	}
}

func TestViewMasksAndFilters(t *testing.T) {
	f := newFixture(t)
	withKAU(t, f)
	ctx := context.Background()
	in, err := f.svc.Check(ctx, func() Form {
		fm := form()
		fm.Beneficiary.Email = "sara@example.com"
		return fm
	}(), Filer{Actor: BeneficiaryActor})
	if err != nil {
		t.Fatal(err)
	}
	filed, err := f.svc.File(ctx, Filing{Intake: in, By: Filer{Actor: BeneficiaryActor}})
	if err != nil {
		t.Fatal(err)
	}
	number, at := filed.Ticket.Number, f.svc.now()
	f.change(t, number, func(c *store.TicketChange) {
		c.Events = []store.TicketEvent{
			{Seq: 1, Type: "filed", At: at, ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary, Public: true},
			{Seq: 2, Type: "note", At: at, ActorID: coordKSU.ID, ActorRole: domain.RoleCoordinator, Message: "INTERNAL"},
		}
	})
	for i, a := range []store.Attachment{
		{Purpose: domain.AttachFiling, Public: true, UploadedByRole: domain.RoleBeneficiary},
		{Purpose: domain.AttachNote, Public: false, UploadedByRole: domain.RoleCoordinator},
	} {
		a.ID, a.TicketNumber, a.UploadedByID = strings.Repeat(string(rune('a'+i)), 32), number, "someone"
		a.Name, a.ContentType, a.Size, a.StorageKey, a.CreatedAt = "doc.pdf", "application/pdf", 1, a.ID, at
		a.SHA256 = strings.Repeat("0", 64)
		if _, err := f.store.AddAttachment(ctx, a, 10); err != nil {
			t.Fatal(err)
		}
	}

	full, err := f.svc.View(ctx, coordKSU, number)
	if err != nil {
		t.Fatal(err)
	}
	b := full.Beneficiary
	if b.Masked || b.NationalID != "1087654321" || b.Mobile != full.Ticket.BeneficiaryMobile || b.Email != "sara@example.com" {
		t.Errorf("the coordinator sees the beneficiary %+v", b)
	}
	if len(full.Timeline) != 2 || !full.Timeline[0].Public || full.Timeline[1].Public {
		t.Errorf("the coordinator's timeline %+v: want the public entry and the internal note, told apart", full.Timeline)
	}
	if len(full.Attachments) != 2 {
		t.Errorf("the coordinator may download %d documents, want 2", len(full.Attachments))
	}

	masked, err := f.svc.View(ctx, auditor, number)
	if err != nil {
		t.Fatal(err)
	}
	mb, mt := masked.Beneficiary, masked.Ticket
	if !mb.Masked || mb.NationalID == b.NationalID || mb.Mobile == b.Mobile || mb.Email != "" || mb.Name != b.Name {
		t.Errorf("the auditor sees the beneficiary %+v", mb)
	}
	if mt.BeneficiaryNationalID != mb.NationalID || mt.BeneficiaryMobile != mb.Mobile || mt.BeneficiaryEmail != "" {
		t.Errorf("the auditor's ticket still holds the identity: %s %s %s",
			mt.BeneficiaryNationalID, mt.BeneficiaryMobile, mt.BeneficiaryEmail)
	}
	if len(masked.Attachments) != 1 || masked.Attachments[0].Purpose != domain.AttachNote {
		t.Errorf("the auditor may download %+v, want the internal note only (not the beneficiary's papers)", masked.Attachments)
	}

	if _, err := f.svc.View(ctx, coordKAU, number); !refusal.Is(err, refusal.CodeNotFound) {
		t.Errorf("another entity's coordinator views the ticket: %v, want NotFound", err)
	}
}
