package api

import (
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/sla"
	"github.com/tawasul/tawasul/workflows"
)

// The one place where every user-visible text of the API lives, in Arabic and
// English. Problem codes and field-error codes are stable snake_case
// identifiers clients may branch on; the texts may be reworded freely.

// text is one message in both languages.
type text struct{ ar, en string }

func (t text) in(l lang) string {
	if l == langEN {
		return t.en
	}
	return t.ar
}

// problemText is the title and the default detail of one problem code.
type problemText struct {
	title  text
	detail text
}

// Problem codes.
const (
	codeMalformedJSON        = "malformed_json"
	codeUnknownField         = "unknown_field"
	codeInvalidUTF8          = "invalid_utf8"
	codeBodyTooLarge         = "body_too_large"
	codeUnsupportedMedia     = "unsupported_media_type"
	codeValidation           = refusal.CodeValidation
	codeIdempotencyReused    = refusal.CodeIdempotencyReused
	codeBadIdempotencyKey    = "invalid_idempotency_key"
	codeUnauthorized         = refusal.CodeUnauthorized
	codeForbidden            = refusal.CodeForbidden
	codeNotFound             = refusal.CodeNotFound
	codeMethodNotAllowed     = "method_not_allowed"
	codeRateLimited          = refusal.CodeRateLimited
	codeTemporalUnavailable  = refusal.CodeTemporalUnavailable
	codeActionNotConfirmed   = refusal.CodeActionNotConfirmed
	codeNotReady             = "not_ready"
	codeNoPolicy             = refusal.CodeNoPolicy
	codeInternal             = "internal_error"
	codeBadCursor            = "bad_cursor"
	codeActionRefused        = refusal.CodeActionRefused
	codeTicketClosed         = workflows.ErrTicketClosed
	codeNotAwaitingResponse  = workflows.ErrNotAwaitingResponse
	codeNothingToObject      = workflows.ErrNothingToObject
	codeObjectionWindowShut  = workflows.ErrObjectionWindowClosed
	codeAlreadyObjected      = workflows.ErrAlreadyObjected
	codeInvalidMessage       = workflows.ErrInvalidMessage
	codeTicketBusy           = workflows.ErrBusy
	codeNotResponsible       = workflows.ErrNotResponsible
	codeNotAwaitingInfo      = workflows.ErrNotAwaitingInfo
	codeSameEntity           = workflows.ErrSameEntity
	codeNotRateable          = workflows.ErrNotRateable
	codeNoFollowUp           = workflows.ErrNoFollowUp
	codeNotMeetingRequest    = workflows.ErrNotMeetingRequest
	codeNoMeetingOffer       = workflows.ErrNoMeetingOffer
	codeMeetingNotBooked     = workflows.ErrMeetingNotBooked
	codeMeetingNotYet        = workflows.ErrMeetingNotYet
	codeMeetingTooSoon       = workflows.ErrMeetingTooSoon
	codeSurveyCallFinal      = "survey_call_final"
	codeTrackingCodeRequired = "tracking_code_required"
	codeInvalidCredentials   = refusal.CodeInvalidCredentials
	codePasswordsBusy        = refusal.CodePasswordsBusy
	codeInvalidRefreshToken  = refusal.CodeInvalidRefreshToken
	codeAccountExists        = "account_exists"
	codeNotAnAccount         = refusal.CodeNotAnAccount
	codeSSOUnavailable       = "sso_unavailable"
	codeTokenExists          = "token_exists"
	codeInvalidCode          = "invalid_code"
	codeAttachmentsOff       = "attachments_unavailable"
	codeAttachmentLimit      = "attachment_limit"
	codeFileTooLarge         = "file_too_large"
	codeMalformedForm        = "malformed_form"
	codeDatabaseUnavailable  = "database_unavailable"
	codeCodeLimit            = "code_limit"
	codeMobileUnproven       = "mobile_unproven" // an anonymous filing's mobile, not proven yet
)

var problemTexts = map[string]problemText{
	codeAttachmentsOff: {
		text{"المرفقات غير متاحة", "Attachments unavailable"},
		text{"لم يُهيأ مكان لحفظ المرفقات على هذا الخادم.", "No attachment store is configured on this server."},
	},
	codeAttachmentLimit: {
		text{"بلغ الطلب حد المرفقات", "Attachment limit reached"},
		text{"بلغ الطلب الحد الأقصى لعدد المرفقات.", "The ticket already has the most attachments allowed."},
	},
	codeFileTooLarge: {
		text{"الملف كبير جداً", "File too large"},
		text{"حجم الملف أكبر من المسموح.", "The file is larger than allowed."},
	},
	codeMalformedForm: {
		text{"نموذج غير صالح", "Malformed form"},
		text{"تعذرت قراءة النموذج المرسل (multipart/form-data).", "The multipart/form-data body could not be read."},
	},
	codeCodeLimit: {
		text{"بلغ الرقم حد رموز الدخول اليومي", "Daily code limit reached"},
		text{"أُرسل إلى هذا الرقم أكثر رموز الدخول المسموح بها في اليوم؛ اطلب رمزاً بعد المدة المذكورة في Retry-After.",
			"This mobile has had the most sign-in codes allowed in a day; ask again after the Retry-After seconds."},
	},
	codeInvalidCode: {
		text{"رمز الدخول غير صحيح", "Invalid code"},
		text{"الرمز غير صحيح أو منتهي أو مستخدم؛ اطلب رمزاً جديداً.", "The code is wrong, expired or already used; request a new one."},
	},
	codeTokenExists: {
		text{"الرمز موجود", "Token exists"},
		text{"يوجد رمز تكامل آخر بالاسم نفسه.", "Another integration token already has this name."},
	},
	codeSSOUnavailable: {
		text{"الدخول الموحد غير متاح", "Single sign-on unavailable"},
		text{"تعذر الوصول إلى مزود الهوية؛ حاول لاحقًا.", "The identity provider cannot be reached; try again later."},
	},
	codeInvalidCredentials: {
		text{"بيانات الدخول غير صحيحة", "Invalid credentials"},
		text{"اسم المستخدم أو كلمة المرور غير صحيحة.", "The username or password is incorrect."},
	},
	codePasswordsBusy: {
		text{"الخادم مشغول", "Server busy"},
		text{"يتحقق الخادم الآن من كلمات مرور كثيرة؛ أعد المحاولة بعد لحظات.", "Too many passwords are being checked right now; retry in a moment."},
	},
	codeInvalidRefreshToken: {
		text{"رمز التجديد غير صالح", "Invalid refresh token"},
		text{"رمز التجديد غير صالح أو مستخدم أو منتهي؛ سجّل الدخول من جديد.", "The refresh token is invalid, already used or expired; log in again."},
	},
	codeAccountExists: {
		text{"الحساب موجود", "Account exists"},
		text{"يوجد حساب آخر باسم المستخدم نفسه.", "Another account already has this username."},
	},
	codeNotAnAccount: {
		text{"ليس حساب مستخدم", "Not an account"},
		text{"هذا الإجراء لحسابات المستخدمين المسجلين بكلمة مرور فقط، لا لرموز الدخول المهيأة ولا لرموز التكامل.", "This action is for password accounts only, not for configured or integration tokens."},
	},
	codeMalformedJSON: {
		text{"طلب غير صالح", "Malformed request"},
		text{"جسم الطلب ليس JSON صالحاً.", "The request body is not valid JSON."},
	},
	codeUnknownField: {
		text{"حقل غير معروف", "Unknown field"},
		text{"يحتوي الطلب على حقل غير معروف.", "The request contains a field this endpoint does not accept."},
	},
	codeInvalidUTF8: {
		text{"ترميز غير صالح", "Invalid encoding"},
		text{"يجب أن يكون جسم الطلب نصاً بترميز UTF-8 صالح.", "The request body must be valid UTF-8."},
	},
	codeBodyTooLarge: {
		text{"الطلب كبير جداً", "Request too large"},
		text{"يتجاوز جسم الطلب الحد المسموح.", "The request body exceeds the allowed size."},
	},
	codeUnsupportedMedia: {
		text{"نوع محتوى غير مدعوم", "Unsupported media type"},
		text{"يجب إرسال الطلب بصيغة application/json.", "Send the request as application/json."},
	},
	codeValidation: {
		text{"بيانات غير صالحة", "Invalid data"},
		text{"بعض الحقول غير صالحة؛ راجع قائمة الأخطاء.", "Some fields are invalid; see the list of errors."},
	},
	codeIdempotencyReused: {
		text{"مفتاح التكرار مستخدم", "Idempotency key reused"},
		text{"استُخدم مفتاح التكرار نفسه من قبل مع طلب مختلف.", "This Idempotency-Key was already used with a different request."},
	},
	codeBadIdempotencyKey: {
		text{"مفتاح تكرار غير صالح", "Invalid idempotency key"},
		text{"يجب أن يتكون مفتاح التكرار من 1 إلى 200 حرف مطبوع.", "The Idempotency-Key must be 1 to 200 printable ASCII characters."},
	},
	codeUnauthorized: {
		text{"مطلوب تسجيل الدخول", "Authentication required"},
		text{"أرسل رمز دخول صالحاً في ترويسة Authorization.", "Send a valid bearer token in the Authorization header."},
	},
	codeForbidden: {
		text{"غير مسموح", "Forbidden"},
		text{"لا تملك صلاحية تنفيذ هذا الإجراء.", "Your role may not perform this action."},
	},
	codeNotFound: {
		text{"غير موجود", "Not found"},
		text{"لم يُعثر على المورد المطلوب.", "The requested resource was not found."},
	},
	codeMethodNotAllowed: {
		text{"طريقة غير مسموحة", "Method not allowed"},
		text{"هذه الطريقة غير مدعومة لهذا المسار.", "This method is not supported on this path."},
	},
	codeRateLimited: {
		text{"طلبات كثيرة", "Too many requests"},
		text{"تجاوزت عدد الطلبات المسموح؛ حاول بعد قليل.", "Too many requests; try again shortly."},
	},
	codeActionNotConfirmed: {
		text{"لم يتأكد تنفيذ الإجراء", "Action not confirmed"},
		text{"لم يتأكد تنفيذ الإجراء في الوقت المحدد وقد يُنفَّذ لاحقاً؛ أعد الطلب بمفتاح Idempotency-Key نفسه لمعرفة نتيجته.",
			"The action was not confirmed in time and may still be applied; retry with the same Idempotency-Key to learn its outcome."},
	},
	codeTemporalUnavailable: {
		text{"الخدمة غير متاحة مؤقتاً", "Service temporarily unavailable"},
		text{"محرك سير العمل لا يستجيب الآن؛ أعد المحاولة بعد قليل.", "The workflow engine is not answering right now; retry shortly."},
	},
	codeDatabaseUnavailable: {
		text{"الخدمة غير متاحة مؤقتاً", "Service temporarily unavailable"},
		text{"قاعدة البيانات لا تستجيب الآن؛ أعد المحاولة بعد قليل.", "The database is not answering right now; retry shortly."},
	},
	codeNotReady: {
		text{"الخدمة غير جاهزة", "Not ready"},
		text{"الخدمة غير جاهزة لاستقبال الطلبات.", "The service is not ready to take requests."},
	},
	codeNoPolicy: {
		text{"لا توجد سياسة مستوى خدمة", "No service-level policy"},
		text{"لم تُعرَّف سياسة مستوى الخدمة بعد.", "No service-level policy has been defined yet."},
	},
	codeInternal: {
		text{"خطأ داخلي", "Internal error"},
		text{"حدث خطأ غير متوقع؛ أبلغ الدعم برقم الطلب المرجعي.", "An unexpected error occurred; report the request id to support."},
	},
	codeBadCursor: {
		text{"مؤشر صفحة غير صالح", "Invalid cursor"},
		text{"مؤشر الصفحة غير صالح أو منتهي.", "The page cursor is invalid."},
	},
	codeActionRefused: {
		text{"الإجراء مرفوض", "Action refused"},
		text{"لا يسمح وضع الطلب الحالي بهذا الإجراء.", "The ticket's current state does not allow this action."},
	},
	codeTicketClosed: {
		text{"الطلب مغلق", "Ticket closed"},
		text{"الطلب مغلق أو مسحوب ولا يقبل إجراءات جديدة.", "The ticket is closed or withdrawn and accepts no further actions."},
	},
	codeNotAwaitingResponse: {
		text{"الطلب لا ينتظر رداً", "Ticket not awaiting a response"},
		text{"تم الرد على الطلب بالفعل وهو في انتظار المستفيد.", "The ticket has already been answered and is waiting on the beneficiary."},
	},
	codeNothingToObject: {
		text{"لا يوجد ما يُعترض عليه", "Nothing to object to"},
		text{"لا يمكن الاعتراض قبل الرد على الطلب.", "An objection is possible only after the ticket has been answered."},
	},
	codeObjectionWindowShut: {
		text{"انتهت مهلة الاعتراض", "Objection window closed"},
		text{"انتهت المدة المتاحة للاعتراض على الرد.", "The period for objecting to the answer has ended."},
	},
	codeTicketBusy: {
		text{"الطلب مشغول مؤقتاً", "Ticket momentarily busy"},
		text{"يجري نقل الطلب إلى دورة تنفيذ جديدة؛ أعد المحاولة بعد لحظات.", "The ticket is being handed to a new run; retry in a moment."},
	},
	codeNotAwaitingInfo: {
		text{"لا يوجد استفسار بانتظار ردك", "No question awaits an answer"},
		text{"لم يُطلب منك معلومات لهذا الطلب، أو سبق أن أجبت.", "Nobody asked for information on this ticket, or it was answered already."},
	},
	codeSameEntity: {
		text{"الطلب لدى هذه الجهة بالفعل", "Already with that entity"},
		text{"لا يمكن إحالة الطلب إلى الجهة المسؤولة عنه حالياً.", "A ticket cannot be transferred to the entity that already holds it."},
	},
	codeNotRateable: {
		text{"لا يمكن تقييم هذا الطلب الآن", "Not open for rating"},
		text{"يُقيَّم الطلب مرة واحدة بعد إغلاقه وخلال مهلة الاستبيان.", "A ticket is rated once, after it is closed and within the survey window."},
	},
	codeNotMeetingRequest: {
		text{"ليس طلب مقابلة", "Not a meeting request"},
		text{"إجراءات المواعيد لطلبات مقابلة معالي الوزير فقط.", "Meeting actions apply to requests to meet the minister only."},
	},
	codeNoMeetingOffer: {
		text{"لا يوجد موعد بانتظار ردك", "No meeting offer awaits an answer"},
		text{"لم يُقترح موعد لهذا الطلب، أو انقضت مهلة تأكيده، أو سبق الرد عليه.", "No slot was offered on this ticket, or its offer lapsed or was answered already."},
	},
	codeMeetingNotBooked: {
		text{"لا يوجد موعد مؤكد", "No meeting booked"},
		text{"يُسجَّل الحضور لموعد أكّده المستفيد فقط.", "Attendance is recorded for a meeting the beneficiary confirmed."},
	},
	codeMeetingTooSoon: {
		text{"الموعد قريب جداً", "Too little notice"},
		text{"يُحدَّد موعد المقابلة قبل موعدها بالمدة التي تنص عليها السياسة على الأقل (يومان افتراضياً).", "A meeting slot must be offered at least the policy's notice ahead (two days by default)."},
	},
	codeMeetingNotYet: {
		text{"لم يحن موعد المقابلة بعد", "The meeting has not taken place yet"},
		text{"يُسجَّل الحضور بعد موعد المقابلة.", "Attendance is recorded once the meeting's time has come."},
	},
	codeNoFollowUp: {
		text{"لا توجد متابعة جودة مفتوحة", "No open quality follow-up"},
		text{"لا توجد متابعة جودة مفتوحة على هذا الطلب.", "This ticket has no open quality follow-up."},
	},
	codeSurveyCallFinal: {
		text{"نتيجة الاتصال مسجلة نهائياً", "Call outcome already final"},
		text{"سُجّلت لهذا الاتصال نتيجة نهائية ولا يمكن تغييرها.", "This call already has its final outcome, which cannot be changed."},
	},
	codeNotResponsible: {
		text{"لا يمكنك الرد على هذا الاعتراض", "Not yours to answer"},
		text{"لا يجوز للجهة التي اعتُرض على ردها أن تبت في مراجعة الاعتراض.", "The entity whose answer is under objection cannot answer its review."},
	},
	codeAlreadyObjected: {
		text{"تم الاعتراض مسبقاً", "Already objected"},
		text{"سبق تقديم اعتراض على هذا الطلب.", "An objection has already been filed on this ticket."},
	},
	codeInvalidMessage: {
		text{"نص غير صالح", "Invalid message"},
		text{"نص الرسالة فارغ أو طويل جداً.", "The message is empty or too long."},
	},
	codeTrackingCodeRequired: {
		text{"رمز المتابعة مطلوب", "Tracking code required"},
		text{"أرسل رمز المتابعة في ترويسة X-Tracking-Code.", "Send the tracking code in the X-Tracking-Code header."},
	},
	codeMobileUnproven: {
		text{"رقم الجوال غير موثق", "Mobile not verified"},
		text{"لا تُقبل المرفقات حتى توثيق رقم الجوال: سجّل الدخول برمز يصل إلى جوال الطلب ثم وثّق الطلب برمز المتابعة.",
			"Attachments are accepted once the ticket's mobile is verified: sign in with a code sent to that mobile, then verify the ticket with its tracking code."},
	},
}

// Texts of a generic field code that mean more for one field.
var (
	textReasonLength = text{"اكتب سبب الإصدار في 3 إلى 500 حرف.", "Give the reason for the version in 3 to 500 characters."}
	// textMultipartOnly is the 415 detail of an upload.
	textMultipartOnly = text{"أرسل الملف بصيغة multipart/form-data في حقل file.",
		"Send the file as multipart/form-data, in the part named file."}
	textNoteNotPublic = text{"الملاحظة الداخلية لا تُعرض على المستفيد؛ اختر الغرض response لمشاركة الملف.",
		"An internal note is never shown to the beneficiary; use the purpose response to share a file."}
	textFAQCategory = text{"رمز التصنيف من 1 إلى 32 حرفاً من a-z أو 0-9 أو _ أو -.",
		"The category is a code of 1 to 32 of a-z, 0-9, _ and -."}
	textPreviewOneOf = text{"أرسل رقم إصدار محفوظ (version) أو مسودة سياسة (policy)، لا كليهما.",
		"Send either a stored version (version) or a draft policy (policy), not both."}
)

// Field-error codes.
const (
	fieldRequired          = refusal.FieldRequired
	fieldInvalidValue      = refusal.FieldInvalidValue
	fieldInvalidRow        = "invalid_row"
	fieldTooLong           = refusal.FieldTooLong
	fieldWrongType         = "wrong_type"
	fieldUnknown           = "unknown_field"
	fieldInvalidNationalID = refusal.FieldInvalidNationalID
	fieldInvalidMobile     = refusal.FieldInvalidMobile
	fieldInvalidEmail      = refusal.FieldInvalidEmail
	fieldNationality       = refusal.FieldNationality
	fieldUnknownEntity     = refusal.FieldUnknownEntity
	fieldOutOfRange        = refusal.FieldOutOfRange
	fieldStaffOnlyChannel  = refusal.FieldStaffOnlyChannel
	fieldNotInList         = refusal.FieldNotInList
	fieldTooShort          = refusal.FieldTooShort
	fieldAdminToken        = "admin_not_allowed"
	fieldStaffOnly         = refusal.FieldStaffOnly
	fieldNotCoordinator    = refusal.FieldNotCoordinator
	fieldNotForChannel     = refusal.FieldNotForChannel
	fieldNotYourMobile     = refusal.FieldNotYourMobile
	fieldCodeFormat        = "invalid_code_format"
	fieldUnsupportedType   = "unsupported_file_type"
	fieldEmptyFile         = "empty_file"
	fieldDuplicate         = "duplicate_field"
	fieldInvalidDate       = "invalid_date"
	fieldReservedName      = "reserved_name"
)

var fieldTexts = map[string]text{
	fieldRequired:          {"هذا الحقل مطلوب.", "This field is required."},
	fieldInvalidValue:      {"القيمة غير مقبولة.", "The value is not one of the accepted values."},
	fieldInvalidRow:        {"السطر غير صالح.", "The line is invalid."},
	fieldTooLong:           {"النص أطول من المسموح.", "The text is longer than allowed."},
	fieldWrongType:         {"نوع القيمة غير صحيح.", "The value has the wrong type."},
	fieldUnknown:           {"حقل غير معروف.", "Unknown field."},
	fieldInvalidNationalID: {"رقم الهوية غير صحيح؛ يجب أن يكون 10 أرقام يبدأ بـ 1 أو 2.", "The national ID is invalid: 10 digits starting with 1 or 2."},
	fieldInvalidMobile:     {"رقم الجوال غير صحيح.", "The mobile number is invalid."},
	fieldInvalidEmail:      {"البريد الإلكتروني غير صحيح.", "The email address is invalid."},
	fieldNationality:       {"الجنسية لا تتوافق مع رقم الهوية (1 مواطن، 2 مقيم).", "The nationality does not match the ID (1 citizen, 2 resident)."},
	fieldUnknownEntity:     {"الجهة غير معروفة.", "Unknown entity."},
	fieldOutOfRange:        {"القيمة خارج النطاق المسموح.", "The value is out of the allowed range."},
	fieldStaffOnlyChannel:  {"هذه القناة متاحة للموظفين فقط.", "This channel is available to staff only."},
	fieldNotInList:         {"القيمة ليست من القائمة المسموحة.", "The value is not in the allowed list."},
	fieldStaffOnly:         {"لا يحدد هذا الحقلَ إلا الموظفون.", "Only staff may set this field."},
	fieldNotForChannel:     {"هذا الحقل لا يخص قناة الطلب.", "This field does not belong to the ticket's channel."},
	fieldNotCoordinator:    {"ليس منسقاً نشطاً في الجهة المسؤولة عن البلاغ.", "Not an active coordinator of the entity holding the ticket."},
	fieldNotYourMobile:     {"يقدَّم الطلب بعد تسجيل الدخول لرقم الجوال الذي سُجّل به الدخول فقط.", "Signed in, you file for the mobile you signed in with only."},
	fieldAdminToken:        {"لا يمكن منح رمز التكامل دور مدير النظام.", "An integration token cannot have the admin role."},
	fieldReservedName:      {"هذا الاسم محجوز للنظام.", "This name is reserved by Tawasul."},
	fieldCodeFormat:        {"الرمز 6 أرقام.", "The code is 6 digits."},
	fieldUnsupportedType: {"نوع الملف غير مقبول؛ المقبول PDF أو JPEG أو PNG (يُعرف النوع من محتوى الملف لا من اسمه).",
		"File type not accepted: send a PDF, JPEG or PNG (the type is told by the content, not the name)."},
	fieldEmptyFile: {"الملف فارغ.", "The file is empty."},
	fieldDuplicate: {"الحقل مكرر؛ أرسل ملفاً واحداً في كل طلب.", "The field is repeated: send one file per request."},
	fieldTooShort:  {"النص أقصر من المسموح (12 حرفاً على الأقل لكلمة المرور).", "The text is shorter than allowed (at least 12 characters for a password)."},

	// Codes of sla.Policy.Validate: the reader gets these, never sla's Go
	// message. (Their field paths are the policy's; in a preview they start
	// with "policy.". A %s is filled from the error's args.)
	sla.CodeInvalidTimeZone:       {"المنطقة الزمنية غير معروفة (مثال: Asia/Riyadh).", "Unknown time zone (e.g. Asia/Riyadh)."},
	sla.CodeInvalidWeekday:        {"يوم الأسبوع يجب أن يكون من 0 (الأحد) إلى 6 (السبت).", "Weekday must be 0 (Sunday) to 6 (Saturday)."},
	sla.CodeDuplicateWeekday:      {"يوم العمل مكرر.", "The work day is listed more than once."},
	sla.CodeInvalidTime:           {"الوقت غير صحيح؛ الصيغة HH:MM من 00:00 إلى 23:59.", "Not a time of day HH:MM (00:00 to 23:59)."},
	sla.CodeMustBeAfterOpening:    {"يجب أن يكون وقت الإغلاق بعد وقت الفتح.", "Closing time must be after opening time."},
	sla.CodeInvalidDate:           {"التاريخ غير صحيح؛ الصيغة YYYY-MM-DD.", "Not a date YYYY-MM-DD."},
	sla.CodeMustNotBeBeforeFrom:   {"آخر يوم في الإجازة قبل أولها.", "The last day of the holiday is before its first day."},
	sla.CodeInvalidKind:           {"نوع الطلب غير معروف.", "Unknown kind."},
	sla.CodeInvalidPriority:       {"الأولوية غير معروفة.", "Unknown priority."},
	sla.CodeInvalidClock:          {"نوع الساعة غير معروف (business أو 24x7).", "Unknown clock (business or 24x7)."},
	sla.CodeMustBePositive:        {"يجب أن تكون المدة أكبر من صفر.", "The duration must be greater than zero."},
	sla.CodeDuplicateRule:         {"توجد قاعدة أخرى للنوع %s والأولوية %s.", "Another rule already covers kind %s and priority %s."},
	sla.CodeMissingRule:           {"لا توجد قاعدة للنوع %s والأولوية %s.", "No rule for kind %s and priority %s."},
	sla.CodeInvalidRole:           {"هذا الدور لا يمكنه تولي مستوى تصعيد.", "This role cannot hold an escalation level."},
	sla.CodeDuplicateRole:         {"الدور يتولى مستوى سابقاً.", "The role already holds an earlier level."},
	sla.CodeLadderOutOfOrder:      {"ترتيب سلم التصعيد غير صحيح؛ كل مستوى أعلى من سابقه.", "The ladder's roles are out of order: each level ranks above the one before."},
	sla.CodeLadderMustEndAtOffice: {"يجب أن ينتهي سلم التصعيد بمكتب الوزير.", "The escalation ladder must end at the minister's office."},
}
