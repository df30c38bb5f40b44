// Package notify turns a workflow's notification into a message in the outbox.
// Writing to the outbox (keyed, so a retried activity adds nothing) is the only
// effect here; delivery by SMS gateway or e-mail reads the outbox separately,
// so a slow provider never holds a ticket's workflow.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/store"
)

// Message is one notification to hand to the outbox.
type Message struct {
	Key          string
	TicketNumber string
	Audience     string // beneficiary, official
	Channel      string // sms, email, inbox
	Recipient    string
	Template     string
	Params       map[string]string
}

// Outbox is where messages are written (the store's outbox table).
type Outbox interface {
	EnqueueOutbox(ctx context.Context, m store.OutboxMessage) (bool, error)
}

// Notifier writes messages to the outbox and logs them with personal data masked.
type Notifier struct {
	outbox Outbox
	log    *slog.Logger
	now    func() time.Time
}

func New(outbox Outbox, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{outbox: outbox, log: log, now: time.Now}
}

// Notify renders m and enqueues it once; a second call with the same key is a no-op.
func (n *Notifier) Notify(ctx context.Context, m Message) error {
	if m.Key == "" || m.Recipient == "" {
		return fmt.Errorf("notify %q: key and recipient are required", m.Template)
	}
	row, err := Prepare(m, n.now())
	if err != nil {
		return err
	}
	inserted, err := n.outbox.EnqueueOutbox(ctx, row)
	if err != nil {
		return fmt.Errorf("enqueueing %s for ticket %s: %w", m.Template, m.TicketNumber, err)
	}
	if inserted {
		n.log.InfoContext(ctx, "notification queued", "ticket", m.TicketNumber, "template", m.Template,
			"channel", m.Channel, "audience", m.Audience, "recipient", MaskRecipient(m.Channel, m.Recipient))
	}
	return nil
}

// Prepare renders m into the outbox row Notify would write, for a caller
// that must write it in its own transaction together with what it announces
// (a one-time code and its SMS); that caller sets the key if m has none.
func Prepare(m Message, at time.Time) (store.OutboxMessage, error) {
	if m.Recipient == "" {
		return store.OutboxMessage{}, fmt.Errorf("notify %q: recipient is required", m.Template)
	}
	body, err := Render(m.Template, m.Params)
	if err != nil {
		return store.OutboxMessage{}, err
	}
	return store.OutboxMessage{
		Key: m.Key, TicketNumber: m.TicketNumber, Channel: m.Channel, Recipient: m.Recipient,
		Template: m.Template, Body: body, Status: "pending", CreatedAt: at.UTC(),
	}, nil
}

// MaskRecipient hides a phone number or e-mail address for logs.
func MaskRecipient(channel, r string) string {
	switch channel {
	case "sms":
		return normalize.MaskPhone(r)
	case "email":
		at := strings.LastIndexByte(r, '@')
		if at <= 0 {
			return "***"
		}
		return r[:1] + "***" + r[at:]
	default:
		return r // inbox recipients are roles, not people
	}
}

// template holds the Arabic and English text of one message; {name} is replaced by a parameter.
type template struct{ ar, en string }

var templates = map[string]template{
	"created": {
		ar: "تم استلام طلبكم رقم {number}. سيتم الرد قبل {sla_due_at}.",
		en: "We received your request {number}. Expect an answer by {sla_due_at}.",
	},
	"escalated": {
		ar: "تم تصعيد طلبكم رقم {number} إلى المستوى {level}.",
		en: "Your request {number} was escalated to level {level}.",
	},
	"answered": {
		ar: "تم الرد على طلبكم رقم {number}. يمكنكم الاعتراض حتى {objection_until}.",
		en: "Your request {number} has been answered. You may object until {objection_until}.",
	},
	"reopened": {
		ar: "تم استلام اعتراضكم على الطلب رقم {number} وإحالته للمراجعة.",
		en: "Your objection to request {number} was received and sent for review.",
	},
	"closed": {
		ar: "تم إغلاق طلبكم رقم {number}. شكراً لتواصلكم.",
		en: "Your request {number} is closed. Thank you for reaching out.",
	},
	"withdrawn": {
		ar: "تم سحب طلبكم رقم {number} بناءً على رغبتكم.",
		en: "Your request {number} was withdrawn as you asked.",
	},
	"info_requested": {
		ar: "نحتاج منكم معلومات لاستكمال طلبكم رقم {number}: {question} يرجى الرد عبر صفحة متابعة الطلب قبل {until}.",
		en: "We need information to continue your request {number}: {question} Please reply on the request's tracking page by {until}.",
	},
	"closed_no_reply": {
		ar: "تم إغلاق طلبكم رقم {number} لعدم وصول ردكم على الاستفسار في المهلة المحددة. يمكنكم تقديم طلب جديد في أي وقت.",
		en: "Your request {number} was closed because we received no reply to our question in time. You may file a new request at any time.",
	},
	"transferred": {
		ar: "تمت إحالة طلبكم رقم {number} إلى {entity_name} المختصة بمعالجته.",
		en: "Your request {number} was transferred to {entity}, which handles it.",
	},
	"survey_invitation": {
		ar: "شكراً لتواصلكم بشأن الطلب رقم {number}. يسعدنا تقييمكم للخدمة من 1 إلى 5 عبر صفحة متابعة الطلب قبل {until}.",
		en: "Thank you for contacting us about request {number}. Please rate our service from 1 to 5 on the request's tracking page by {until}.",
	},
	"follow_up_opened": {
		ar: "قيّم المستفيد الخدمة في الطلب رقم {number} ({subject}) بدرجة {rating} من 5. يرجى متابعة الجودة وإغلاقها قبل {due_at}.",
		en: "The beneficiary rated request {number} ({subject}) {rating} out of 5. Please follow up on quality and close it by {due_at}.",
	},
	"follow_up_overdue": {
		ar: "تجاوزت متابعة الجودة للطلب رقم {number} لدى {entity} مهلتها ({due_at}).",
		en: "The quality follow-up of request {number} at {entity} is past its deadline ({due_at}).",
	},
	"escalation_assigned": {
		ar: "تم تصعيد الطلب رقم {number} إليكم (المستوى {level}): {subject}. المهلة حتى {due_at}.",
		en: "Request {number} was escalated to you (level {level}): {subject}. Due by {due_at}.",
	},
	// The beneficiary's sign-in code: no ticket named, so whoever reads the
	// SMS over a shoulder learns nothing but the code.
	"beneficiary_code": {
		ar: "رمز الدخول إلى تواصل: {code}. صالح لمدة {minutes} دقائق. لا تشاركه مع أحد.",
		en: "Your Tawasul sign-in code: {code}. It is valid for {minutes} minutes. Do not share it.",
	},
	"escalation_reminder": {
		ar: "تذكير: الطلب رقم {number} بانتظار ردكم قبل {due_at}.",
		en: "Reminder: request {number} awaits your answer by {due_at}.",
	},
}

// Render builds the Arabic-then-English body of a template.
func Render(name string, params map[string]string) (string, error) {
	t, ok := templates[name]
	if !ok {
		return "", fmt.Errorf("notify: unknown template %q", name)
	}
	// Sorted keys keep the replacement order stable.
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, "{"+k+"}", params[k])
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(t.ar) + "\n" + r.Replace(t.en), nil
}

// Templates lists the known template names (for tests and docs).
func Templates() []string {
	names := make([]string, 0, len(templates))
	for k := range templates {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
