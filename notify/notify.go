// Package notify turns a workflow's notification into a message in the outbox.
// Writing to the outbox (keyed, so a retried activity adds nothing) is the only
// effect here; delivery by SMS gateway or e-mail reads the outbox separately,
// so a slow provider never holds a ticket's workflow.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tawasul/tawasul/isolate"
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
	// Language is Arabic, English or Both (officials always read Both).
	Language string
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
	lang := m.Language
	if m.Audience != "beneficiary" {
		lang = Both
	}
	body, err := Render(m.Template, lang, m.Params)
	if err != nil {
		return store.OutboxMessage{}, err
	}
	var subject string
	if m.Channel == "email" {
		if subject, err = Subject(m.Template, lang, m.Params); err != nil {
			return store.OutboxMessage{}, err
		}
	}
	// An in-app row keeps its parameters too: the officials' screen shows it
	// in the reader's language (Localize), not Arabic then English. Other
	// rows go out as rendered, and a sign-in code must not sit in one more
	// column.
	var params string
	if m.Channel == InboxChannel && len(m.Params) > 0 {
		b, err := json.Marshal(m.Params)
		if err != nil {
			return store.OutboxMessage{}, fmt.Errorf("notify %q: parameters: %w", m.Template, err)
		}
		params = string(b)
	}
	return store.OutboxMessage{
		Key: m.Key, TicketNumber: m.TicketNumber, Channel: m.Channel, Recipient: m.Recipient,
		Template: m.Template, Subject: subject, Body: body, Params: params, Status: store.OutboxPending, CreatedAt: at.UTC(),
	}, nil
}

// InboxChannel is the channel of officials' in-app messages: the outbox row
// is the notification, read on the notifications screen.
const InboxChannel = "inbox"

// Localize is the text of an in-app message in lang (Arabic or English),
// rendered again from the parameters its row kept; a row without them
// (queued before they were kept) or whose template is gone shows its stored
// body, Arabic then English.
func Localize(template, params, body, lang string) string {
	if params == "" {
		return body
	}
	var ps map[string]string
	if err := json.Unmarshal([]byte(params), &ps); err != nil {
		return body
	}
	text, err := Render(template, lang, ps)
	if err != nil {
		return body
	}
	return text
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

// template holds one message in Arabic and English, with its e-mail
// subjects; {name} is replaced by a parameter, isolated (shownAs).
type template struct{ ar, en, subjectAR, subjectEN string }

var templates = map[string]template{
	"created": {
		subjectAR: "استلام طلبكم رقم {number}",
		subjectEN: "We received your request {number}",
		ar:        "استلمنا طلبكم رقم {number}، وسنوافيكم بالرد في موعد أقصاه {sla_due_at}.",
		en:        "We received your request {number}. Expect an answer by {sla_due_at}.",
	},
	"escalated": {
		subjectAR: "رفع طلبكم رقم {number} إلى مستوى أعلى",
		subjectEN: "Your request {number} was escalated",
		ar:        "رُفع طلبكم رقم {number} إلى المستوى {level} من المسؤولين لمتابعته.",
		en:        "Your request {number} was escalated to level {level} of the officials.",
	},
	"answered": {
		subjectAR: "الرد على طلبكم رقم {number}",
		subjectEN: "Your request {number} has been answered",
		ar:        "صدر الرد على طلبكم رقم {number}، ويمكنكم الاعتراض عليه حتى {objection_until}.",
		en:        "Your request {number} has been answered. You may object until {objection_until}.",
	},
	"reopened": {
		subjectAR: "استلام اعتراضكم على الطلب رقم {number}",
		subjectEN: "We received your objection to request {number}",
		ar:        "استلمنا اعتراضكم على الطلب رقم {number}، وأُحيل إلى الجهة الأعلى لمراجعته.",
		en:        "Your objection to request {number} was received and sent for review.",
	},
	"closed": {
		subjectAR: "إغلاق طلبكم رقم {number}",
		subjectEN: "Your request {number} is closed",
		ar:        "أُغلق طلبكم رقم {number}. شكرًا لتواصلكم معنا.",
		en:        "Your request {number} is closed. Thank you for reaching out.",
	},
	"withdrawn": {
		subjectAR: "سحب طلبكم رقم {number}",
		subjectEN: "Your request {number} was withdrawn",
		ar:        "سُحب طلبكم رقم {number} بناءً على رغبتكم.",
		en:        "Your request {number} was withdrawn as you asked.",
	},
	"info_requested": {
		subjectAR: "نحتاج إلى معلومات عن طلبكم رقم {number}",
		subjectEN: "We need information on your request {number}",
		ar:        "نحتاج إلى معلومات إضافية لاستكمال طلبكم رقم {number}: {question} نرجو الرد عبر صفحة متابعة الطلب قبل {until}.",
		en:        "We need information to continue your request {number}: {question} Please reply on the request's tracking page by {until}.",
	},
	"closed_no_reply": {
		subjectAR: "إغلاق طلبكم رقم {number}",
		subjectEN: "Your request {number} is closed",
		ar:        "أُغلق طلبكم رقم {number} لعدم وصول ردكم على الاستفسار في المهلة المحددة. يمكنكم تقديم طلب جديد في أي وقت.",
		en:        "Your request {number} was closed because we received no reply to our question in time. You may file a new request at any time.",
	},
	"transferred": {
		// The apposition "الجهة المختصة" agrees with any entity's name,
		// masculine (معهد) or feminine (جامعة).
		subjectAR: "إحالة طلبكم رقم {number}",
		subjectEN: "Your request {number} was transferred",
		ar:        "أُحيل طلبكم رقم {number} إلى {entity_name}، الجهة المختصة بمعالجته.",
		en:        "Your request {number} was transferred to {entity}, which handles it.",
	},
	"survey_invitation": {
		subjectAR: "قيّموا خدمتنا في طلبكم رقم {number}",
		subjectEN: "Rate our service on your request {number}",
		ar:        "شكراً لتواصلكم بشأن الطلب رقم {number}. يسعدنا تقييمكم للخدمة من 1 إلى 5 عبر صفحة متابعة الطلب قبل {until}.",
		en:        "Thank you for contacting us about request {number}. Please rate our service from 1 to 5 on the request's tracking page by {until}.",
	},
	"follow_up_opened": {
		subjectAR: "متابعة جودة الطلب رقم {number}",
		subjectEN: "Quality follow-up of request {number}",
		ar:        "قيّم المستفيد الخدمة في الطلب رقم {number} ({subject}) بدرجة {rating} من 5. يرجى متابعة الجودة وإغلاقها قبل {due_at}.",
		en:        "The beneficiary rated request {number} ({subject}) {rating} out of 5. Please follow up on quality and close it by {due_at}.",
	},
	"follow_up_overdue": {
		subjectAR: "متابعة جودة متأخرة: الطلب رقم {number}",
		subjectEN: "Quality follow-up overdue: request {number}",
		ar:        "تجاوزت متابعة الجودة للطلب رقم {number} لدى {entity} مهلتها ({due_at}).",
		en:        "The quality follow-up of request {number} at {entity} is past its deadline ({due_at}).",
	},
	"escalation_assigned": {
		subjectAR: "طلب مُصعَّد إليكم: {number}",
		subjectEN: "Request {number} escalated to you",
		ar:        "أُحيل إليكم الطلب رقم {number} تصعيدًا (المستوى {level}): {subject}. يُرجى الرد قبل {due_at}.",
		en:        "Request {number} was escalated to you (level {level}): {subject}. Due by {due_at}.",
	},
	// The beneficiary's sign-in code: no ticket named, so whoever reads the
	// SMS over a shoulder learns nothing but the code.
	"beneficiary_code": {
		subjectAR: "رمز الدخول إلى تواصل",
		subjectEN: "Your Tawasul sign-in code",
		ar:        "رمز الدخول إلى تواصل: {code}. صالح لمدة {minutes} دقائق. لا تشاركه مع أحد.",
		en:        "Your Tawasul sign-in code: {code}. It is valid for {minutes} minutes. Do not share it.",
	},
	"assigned": {
		subjectAR: "بدء معالجة طلبكم رقم {number}",
		subjectEN: "Your request {number} is being handled",
		ar:        "تسلّم أحد منسقي الخدمة طلبكم رقم {number} ويعمل على معالجته.",
		en:        "A service coordinator has taken up your request {number} and is working on it.",
	},
	"ticket_assigned": {
		subjectAR: "أُسند إليكم الطلب رقم {number}",
		subjectEN: "Request {number} assigned to you",
		ar:        "أُسند إليكم الطلب رقم {number}: {subject}. يُرجى الرد قبل {due_at}.",
		en:        "Request {number} was assigned to you: {subject}. Due by {due_at}.",
	},
	"meeting_offered": {
		subjectAR: "موعد مقابلة معالي الوزير: الطلب رقم {number}",
		subjectEN: "Meeting with the Minister: request {number}",
		ar:        "يسرّنا إفادتكم بتحديد موعد لمقابلة معالي الوزير بخصوص طلبكم رقم {number}: {at} في {place}. نرجو تأكيد الموعد أو الاعتذار عنه عبر صفحة متابعة الطلب قبل {confirm_by}.",
		en:        "A meeting with the Minister on your request {number} is offered for {at} at {place}. Please accept or decline it on the request's tracking page by {confirm_by}.",
	},
	"meeting_booked": {
		subjectAR: "تأكيد موعد مقابلة معالي الوزير: الطلب رقم {number}",
		subjectEN: "Meeting with the Minister confirmed: request {number}",
		ar:        "تم تأكيد موعد مقابلتكم لمعالي الوزير بخصوص طلبكم رقم {number}: {at} في {place}.",
		en:        "Your meeting with the Minister on request {number} is confirmed: {at} at {place}.",
	},
	"meeting_reminder": {
		subjectAR: "تذكير بموعد مقابلة معالي الوزير غدًا",
		subjectEN: "Reminder: your meeting with the Minister tomorrow",
		ar:        "تذكير: موعد مقابلتكم لمعالي الوزير بخصوص طلبكم رقم {number} غدًا {at} في {place}.",
		en:        "Reminder: your meeting with the Minister on request {number} is tomorrow, {at}, at {place}.",
	},
	"meeting_lapsed": {
		subjectAR: "إغلاق طلبكم رقم {number}",
		subjectEN: "Your request {number} is closed",
		ar:        "أُغلق طلبكم رقم {number} لعدم تأكيد موعد المقابلة المقترح ({at}) في المهلة المحددة. يمكنكم تقديم طلب جديد في أي وقت.",
		en:        "Your request {number} was closed because the meeting offered for {at} was not confirmed in time. You may file a new request at any time.",
	},
	"meeting_booked_office": {
		subjectAR: "تأكيد موعد مقابلة: الطلب رقم {number}",
		subjectEN: "Meeting confirmed: request {number}",
		ar:        "أكّد المستفيد موعد المقابلة للطلب رقم {number} ({subject}): {at} في {place}.",
		en:        "The beneficiary confirmed the meeting for request {number} ({subject}): {at} at {place}.",
	},
	"meeting_slot_declined": {
		subjectAR: "اعتذار عن موعد مقابلة: الطلب رقم {number}",
		subjectEN: "Meeting slot declined: request {number}",
		ar:        "اعتذر المستفيد عن موعد المقابلة المقترح ({at}) للطلب رقم {number}: {reason}. يُرجى اقتراح موعد آخر قبل {due_at}.",
		en:        "The beneficiary declined the meeting slot ({at}) for request {number}: {reason}. Please offer another by {due_at}.",
	},
	"meeting_lapsed_office": {
		subjectAR: "انقضاء مهلة تأكيد مقابلة: الطلب رقم {number}",
		subjectEN: "Meeting offer lapsed: request {number}",
		ar:        "انقضت مهلة تأكيد موعد المقابلة ({at}) للطلب رقم {number} دون تأكيد من المستفيد، وأُغلق الطلب.",
		en:        "The meeting offered for {at} on request {number} was not confirmed in time; the request is closed.",
	},
	"meeting_reminder_office": {
		subjectAR: "تذكير بمقابلة غدًا: الطلب رقم {number}",
		subjectEN: "Reminder: meeting tomorrow, request {number}",
		ar:        "تذكير: مقابلة الطلب رقم {number} ({subject}) غدًا {at} في {place}.",
		en:        "Reminder: the meeting for request {number} ({subject}) is tomorrow, {at}, at {place}.",
	},
	"meeting_attendance_due": {
		subjectAR: "تسجيل حضور مقابلة: الطلب رقم {number}",
		subjectEN: "Record attendance: request {number}",
		ar:        "يُرجى تسجيل ما تم في مقابلة الطلب رقم {number} التي كان موعدها {at}.",
		en:        "Please record whether the meeting for request {number} on {at} took place.",
	},
	"meeting_cancelled": {
		subjectAR: "إلغاء موعد مقابلة: الطلب رقم {number}",
		subjectEN: "Meeting cancelled: request {number}",
		ar:        "سحب المستفيد الطلب رقم {number}، وأُلغي موعد المقابلة ({at}).",
		en:        "The beneficiary withdrew request {number}; the meeting ({at}) is cancelled.",
	},
	"escalation_reminder": {
		subjectAR: "تذكير بالطلب رقم {number}",
		subjectEN: "Reminder: request {number}",
		ar:        "تذكير: الطلب رقم {number} بانتظار ردكم، وتنتهي المهلة في {due_at}.",
		en:        "Reminder: request {number} awaits your answer by {due_at}.",
	},
}

// Languages a message is written in. A beneficiary reads one (Arabic unless
// they chose English at intake); officials, and a beneficiary whose choice is
// not known (the sign-in code names no ticket), get Arabic then English.
const (
	Arabic  = "ar"
	English = "en"
	// Both: Arabic then English.
	Both = ""
)

// Language is the language a beneficiary who chose lang reads: English
// when they chose it, Arabic otherwise (the intake default).
func Language(lang string) string {
	if lang == English {
		return English
	}
	return Arabic
}

// riyadh is the ministry's time: Saudi Arabia keeps UTC+3 all year, so a
// fixed zone needs no time zone database.
var riyadh = time.FixedZone("AST", 3*3600)

// dateParams are the parameters that carry an instant (RFC 3339 from the
// workflow); a message shows them as Riyadh wall time.
var dateParams = []string{"sla_due_at", "objection_until", "until", "due_at", "at", "confirm_by"}

// ltrParams are the parameters, besides the instants, that read left to
// right in any sentence: the ticket number, codes, counts. Any other
// parameter is text of either direction (a name, a subject, a place).
var ltrParams = []string{"number", "code", "minutes", "level", "rating"}

// Render builds the body of a template in lang (Arabic, English, or Both).
func Render(name, lang string, params map[string]string) (string, error) {
	t, ok := templates[name]
	if !ok {
		return "", fmt.Errorf("notify: unknown template %q", name)
	}
	return pick(lang, t.ar, t.en, "\n", params), nil
}

// Subject builds the e-mail subject of a template in lang; Both gives the
// Arabic subject then the English one.
func Subject(name, lang string, params map[string]string) (string, error) {
	t, ok := templates[name]
	if !ok {
		return "", fmt.Errorf("notify: unknown template %q", name)
	}
	return pick(lang, t.subjectAR, t.subjectEN, " | ", params), nil
}

func pick(lang, ar, en, sep string, params map[string]string) string {
	switch lang {
	case Arabic:
		return replacer(Arabic, params).Replace(ar)
	case English:
		return replacer(English, params).Replace(en)
	}
	return replacer(Arabic, params).Replace(ar) + sep + replacer(English, params).Replace(en)
}

// replacer fills a text in lang with params. It is the one way a value
// enters a message, so every value of every template, a new one's too, is
// shown as Riyadh time if an instant and isolated (shownAs).
func replacer(lang string, params map[string]string) *strings.Replacer {
	// Sorted keys keep the replacement order stable.
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		v := params[k]
		if slices.Contains(dateParams, k) {
			if at, err := time.Parse(time.RFC3339, v); err == nil {
				v = at.In(riyadh).Format("2006-01-02 15:04")
			}
		}
		pairs = append(pairs, "{"+k+"}", shownAs(lang, k, v))
	}
	return strings.NewReplacer(pairs...)
}

// shownAs wraps the value of parameter key in a directional isolate, so the
// bidi algorithm lays it out on its own: after Arabic words a bare
// 2026-000001 shows as 000001-2026, and a bare Arabic name in an English
// sentence pulls the number after it to its side. Numbers, codes and
// instants are isolated left to right, other text by its first letter.
//
// An English sentence needs no isolate around a value of plain ASCII, which
// holds no right-to-left character to disturb it or its neighbours; and an
// isolate, outside the GSM 7-bit alphabet, would turn an English SMS into
// UCS-2, 70 characters a segment instead of 160. Arabic SMS are UCS-2
// already; each isolate adds two characters to them.
func shownAs(lang, key, v string) string {
	switch {
	case lang == English && isASCII(v):
		return v
	case slices.Contains(ltrParams, key) || slices.Contains(dateParams, key):
		return isolate.LTR(v)
	}
	return isolate.Auto(v)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
