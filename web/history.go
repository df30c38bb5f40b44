package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/tickets"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
	"github.com/tawasul/tawasul/workflows"
)

// historyPageSize is how many Temporal events one page shows.
const historyPageSize = 100

// history is the auditors' page of a ticket: its business timeline (as the
// ticket page shows it) beside the Temporal history of its workflow, or of
// the rung named by ?workflow= (tickets.ReadHistory, as the API's history:
// who may read it, what is redacted, the auditor's read recorded). A page
// token or workflow that is not the ticket's reads as not found.
func (w *Web) history(c *gin.Context) error {
	ctx := c.Request.Context()
	actor, _ := actorOf(c)
	v, err := w.tickets.View(ctx, actor, c.Param("number"))
	if err != nil {
		return err
	}
	number := v.Ticket.Number
	var token []byte
	if s := c.Query("page"); s != "" {
		if token, err = base64.RawURLEncoding.DecodeString(s); err != nil {
			return refusal.New(refusal.NotFound, refusal.CodeNotFound)
		}
	}
	page, err := w.tickets.ReadHistory(ctx, actor, number, c.Query("workflow"), historyPageSize, token)
	if r, ok := refusal.As(err); ok && r.Kind == refusal.Invalid {
		return refusal.New(refusal.NotFound, refusal.CodeNotFound)
	} else if err != nil {
		return err
	}
	l := langOf(c)
	personName := w.names(ctx, []string{v.Ticket.AssignedTo})
	self := "/tickets/" + number + "/history"
	h := views.History{
		Number: number, Ticket: "/tickets/" + number, WorkflowID: page.WorkflowID, Redacted: page.Redacted,
		Timeline: timeline(l, personName, v.Timeline),
	}
	for _, id := range page.Workflows {
		h.Workflows = append(h.Workflows, views.Workflow{ID: id, Href: workflowHref(self, id), Current: id == page.WorkflowID})
	}
	if w.temporalUI != "" {
		h.TemporalUI = w.temporalUI + "/workflows/" + url.PathEscape(page.WorkflowID)
	}
	for _, ev := range page.Events {
		h.Events = append(h.Events, w.historyEvent(ctx, l, personName, self, page.Redacted, ev))
	}
	if len(page.NextPageToken) > 0 {
		h.Next = self + "?" + url.Values{"workflow": {page.WorkflowID}, "page": {base64.RawURLEncoding.EncodeToString(page.NextPageToken)}}.Encode()
	}
	return render(c, http.StatusOK, views.HistoryPage(w.page(c, "history.title", "inbox"), h))
}

func workflowHref(self, id string) string {
	return self + "?" + url.Values{"workflow": {id}}.Encode()
}

// historyEvent is one Temporal event in words: its type, and what an
// auditor asks of it — when a timer was due and when it fired, which rung a
// child is, who sent a signal or an update (the payload opened, unless the
// page is redacted).
func (w *Web) historyEvent(ctx context.Context, l i18n.Lang, personName func(string) string,
	self string, redacted bool, ev *historypb.HistoryEvent) views.HistoryEvent {
	at := ev.GetEventTime().AsTime()
	// Temporal's own name (EVENT_TYPE_TIMER_FIRED); the enum's String is
	// a shortened form of it.
	raw := enumspb.EventType_name[int32(ev.GetEventType())]
	out := views.HistoryEvent{ID: strconv.FormatInt(ev.GetEventId(), 10), At: at, Type: raw, Label: eventLabel(l, raw)}
	add := func(key, text string) {
		if text != "" {
			out.Facts = append(out.Facts, views.HistoryFact{Label: l.T(key), Text: text})
		}
	}
	addAt := func(key string, t time.Time) {
		out.Facts = append(out.Facts, views.HistoryFact{Label: l.T(key), At: t})
	}
	child := func(id string) {
		if id != "" {
			out.Facts = append(out.Facts, views.HistoryFact{Label: l.T("history.child"), Text: id, Href: workflowHref(self, id)})
		}
	}
	actor := func(in *commonpb.Payloads) {
		if redacted {
			add("history.actor", tickets.Redacted)
			return
		}
		if id := payloadActor(in); id != "" {
			add("history.actor", personName(id))
		}
	}
	switch {
	case ev.GetWorkflowExecutionStartedEventAttributes() != nil:
		add("history.workflow_type", ev.GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName())
	case ev.GetTimerStartedEventAttributes() != nil:
		a := ev.GetTimerStartedEventAttributes()
		add("history.timer", a.GetTimerId())
		addAt("history.due", at.Add(a.GetStartToFireTimeout().AsDuration()))
	case ev.GetTimerFiredEventAttributes() != nil:
		a := ev.GetTimerFiredEventAttributes()
		add("history.timer", a.GetTimerId())
		addAt("history.fired", at)
		started := strconv.FormatInt(a.GetStartedEventId(), 10)
		out.Facts = append(out.Facts, views.HistoryFact{Label: l.T("history.started_by"), Text: started, Href: "#event-" + started})
	case ev.GetTimerCanceledEventAttributes() != nil:
		add("history.timer", ev.GetTimerCanceledEventAttributes().GetTimerId())
	case ev.GetActivityTaskScheduledEventAttributes() != nil:
		add("history.activity", ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName())
	case ev.GetStartChildWorkflowExecutionInitiatedEventAttributes() != nil:
		child(ev.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId())
	case ev.GetChildWorkflowExecutionStartedEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionStartedEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetChildWorkflowExecutionCompletedEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionCompletedEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetChildWorkflowExecutionCanceledEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionCanceledEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetChildWorkflowExecutionFailedEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionFailedEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetChildWorkflowExecutionTerminatedEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionTerminatedEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetChildWorkflowExecutionTimedOutEventAttributes() != nil:
		child(ev.GetChildWorkflowExecutionTimedOutEventAttributes().GetWorkflowExecution().GetWorkflowId())
	case ev.GetWorkflowExecutionSignaledEventAttributes() != nil:
		a := ev.GetWorkflowExecutionSignaledEventAttributes()
		add("history.name", a.GetSignalName())
		actor(a.GetInput())
	case ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
		in := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
		add("history.name", in.GetName())
		actor(in.GetArgs())
	case ev.GetWorkflowExecutionUpdateCompletedEventAttributes() != nil:
		add("history.update_id", ev.GetWorkflowExecutionUpdateCompletedEventAttributes().GetMeta().GetUpdateId())
	}
	return out
}

// eventLabel is a Temporal event type in words (EVENT_TYPE_TIMER_FIRED:
// "wfevent.timer_fired"), the type itself for one the catalog lacks.
func eventLabel(l i18n.Lang, raw string) string {
	key := "wfevent." + strings.ToLower(strings.TrimPrefix(raw, "EVENT_TYPE_"))
	if !i18n.Has(key) {
		return raw
	}
	return l.T(key)
}

// payloadActor is the id of the actor a signal's or an update's first
// argument names ({"actor": {...}}, the workflows' messages), "" when it
// names none or does not decode.
func payloadActor(in *commonpb.Payloads) string {
	ps := in.GetPayloads()
	if len(ps) == 0 {
		return ""
	}
	var msg struct {
		Actor workflows.Actor `json:"actor"`
	}
	if json.Unmarshal(ps[0].GetData(), &msg) != nil {
		return ""
	}
	return msg.Actor.ID
}
