package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/views"
)

// deskTickets is how many of each coordinator's pending tickets the board
// lists (the most urgent first).
const deskTickets = 20

// workload is the managers' board: each active coordinator of the entity
// with their open, overdue and assigned counts and their pending tickets,
// each with a form to hand it to another coordinator where the reader may
// (authz.Assign).
func (w *Web) workload(c *gin.Context) error {
	actor, _ := actorOf(c)
	entity := c.DefaultQuery("entity", actor.Entity)
	wl, err := w.workloadOf(c, entity)
	if err != nil {
		return err
	}
	if n := doneNotice(c, "done."); n != "" {
		wl.Notice, wl.NoticeClass = n, "ok"
	}
	return render(c, http.StatusOK, views.WorkloadPage(w.page(c, "workload.title", "workload"), wl))
}

// workloadOf gathers the board of entity ("" for none chosen yet).
func (w *Web) workloadOf(c *gin.Context, entity string) (views.Workload, error) {
	ctx := c.Request.Context()
	actor, _ := actorOf(c)
	l := langOf(c)
	wl := views.Workload{Entity: entity, Key: newFormKey()}
	if actor.Role != domain.RoleCareCenterManager {
		var err error
		if wl.Entities, err = w.entityOptions(ctx, l, ""); err != nil {
			return views.Workload{}, err
		}
	}
	if entity == "" {
		return wl, nil
	}
	board, err := w.tickets.Workload(ctx, actor, entity, deskTickets)
	if err != nil {
		return views.Workload{}, err
	}
	wl.EntityName = w.entityName(c, l, board.Entity)
	everyone := make([]views.Option, 0, len(board.Coordinators))
	for _, d := range board.Coordinators {
		everyone = append(everyone, views.Option{Value: d.Username, Label: coordinatorLabel(l, d.Name, d.Open)})
	}
	for _, d := range board.Coordinators {
		desk := views.Desk{
			Username: d.Username, Name: d.Name, Open: l.Num(d.Open), Overdue: l.Num(d.Overdue),
			Assigned: l.Num(d.Assigned), More: d.Open > len(d.Tickets),
		}
		for i, row := range w.rows(c, l, d.Tickets) {
			dt := views.DeskTicket{Row: row}
			if w.tickets.Authorize(ctx, tickets.SubjectOf(actor), authz.Assign, d.Tickets[i]) == nil {
				dt.Reassign = true
				for _, o := range everyone {
					if o.Value != d.Username {
						dt.To = append(dt.To, o)
					}
				}
			}
			desk.Tickets = append(desk.Tickets, dt)
		}
		wl.Desks = append(wl.Desks, desk)
	}
	return wl, nil
}

// reassign hands one ticket of the board to another coordinator: the
// ticket as the reader may see it, authz.Assign, then the same core call
// as the API's assign (tickets.AssignTo). Done, back to the board (303);
// refused, the board again with the refusal at that ticket's field (422)
// or above it.
func (w *Web) reassign(c *gin.Context) error {
	ctx := c.Request.Context()
	actor := actingActor(c)
	t, err := w.tickets.Visible(ctx, actor, c.PostForm("number"))
	if err != nil {
		return err
	}
	err = w.tickets.Authorize(ctx, tickets.SubjectOf(actor), authz.Assign, t)
	if err == nil {
		// One key per page, ticket and action: the board's forms share
		// the page's key.
		key := formKey(c.PostForm("key"))
		if key != "" {
			key += ":assign:" + t.Number
		}
		_, err = w.tickets.AssignTo(ctx, t, key, actor, c.PostForm("to"), "")
	}
	if err != nil {
		var r *refusal.Error
		if !errors.As(err, &r) || r.Kind == refusal.NotFound || r.Kind == refusal.Busy {
			return err
		}
		wl, werr := w.workloadOf(c, t.ResponsibleEntity)
		if werr != nil {
			return werr
		}
		status, errs, notice := placed(langOf(c), r)
		wl.Notice = notice
		for di := range wl.Desks {
			for ti := range wl.Desks[di].Tickets {
				if wl.Desks[di].Tickets[ti].Number == t.Number {
					wl.Desks[di].Tickets[ti].Errors = errs
				}
			}
		}
		return render(c, status, views.WorkloadPage(w.page(c, "workload.title", "workload"), wl))
	}
	c.Redirect(http.StatusSeeOther, "/workload?"+url.Values{"entity": {t.ResponsibleEntity}, "done": {"assign"}}.Encode())
	return nil
}
