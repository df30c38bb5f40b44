// Package texts is where the words of every refusal live, in Arabic and
// English: the title and detail of each problem code and the message of each
// field code. The JSON API writes them into problem documents, the web pages
// beside the form field or above the form, so a refusal reads the same
// wherever it is met. Codes are stable snake_case identifiers clients may
// branch on; the words may be reworded freely.
//
// A field text may hold "%s" verbs, filled from the refusal's arguments by
// the caller.
package texts

// Text is one message in both languages.
type Text struct{ AR, EN string }

// In is the message in English when en, else in Arabic.
func (t Text) In(en bool) string {
	if en {
		return t.EN
	}
	return t.AR
}

// Problem is the title and the default detail of one problem code.
type Problem struct {
	Title  Text
	Detail Text
}

// Internal is the code whose texts stand in for a code without its own.
const Internal = "internal_error"

// Of is the texts of a problem code; ok is false for a code without any.
func Of(code string) (p Problem, ok bool) {
	p, ok = problems[code]
	return p, ok
}

// Field is the text of a field code; ok is false for a code without one.
func Field(code string) (t Text, ok bool) {
	t, ok = fields[code]
	return t, ok
}

// Detail is what a refusal with code says, in one language: the code's
// detail, or the internal error's for a code without texts.
func Detail(code string, en bool) string {
	p, ok := problems[code]
	if !ok {
		p = problems[Internal]
	}
	return p.Detail.In(en)
}

// FieldMessage is what is wrong with a field, in one language; the code
// itself when it has no text.
func FieldMessage(code string, en bool) string {
	t, ok := fields[code]
	if !ok {
		return code
	}
	return t.In(en)
}

// Codes are the problem codes with texts; FieldCodes the field codes.
func Codes() []string      { return keys(problems) }
func FieldCodes() []string { return keys(fields) }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

var problems = map[string]Problem{
	"account_exists": {
		Text{"الحساب موجود", "Account exists"},
		Text{"يوجد حساب آخر باسم المستخدم نفسه.", "Another account already has this username."},
	},
	"action_not_confirmed": {
		Text{"لم يتأكد تنفيذ الإجراء", "Action not confirmed"},
		Text{"لم يتأكد تنفيذ الإجراء في الوقت المحدد وقد يُنفَّذ لاحقاً؛ أعد الطلب بمفتاح Idempotency-Key نفسه لمعرفة نتيجته.", "The action was not confirmed in time and may still be applied; retry with the same Idempotency-Key to learn its outcome."},
	},
	"action_refused": {
		Text{"الإجراء مرفوض", "Action refused"},
		Text{"لا يسمح وضع الطلب الحالي بهذا الإجراء.", "The ticket's current state does not allow this action."},
	},
	"already_objected": {
		Text{"تم الاعتراض مسبقاً", "Already objected"},
		Text{"سبق تقديم اعتراض على هذا الطلب.", "An objection has already been filed on this ticket."},
	},
	"attachment_limit": {
		Text{"بلغ الطلب حد المرفقات", "Attachment limit reached"},
		Text{"بلغ الطلب الحد الأقصى لعدد المرفقات.", "The ticket already has the most attachments allowed."},
	},
	"attachments_unavailable": {
		Text{"المرفقات غير متاحة", "Attachments unavailable"},
		Text{"لم يُهيأ مكان لحفظ المرفقات على هذا الخادم.", "No attachment store is configured on this server."},
	},
	"bad_cursor": {
		Text{"مؤشر صفحة غير صالح", "Invalid cursor"},
		Text{"مؤشر الصفحة غير صالح أو منتهي.", "The page cursor is invalid."},
	},
	"body_too_large": {
		Text{"الطلب كبير جداً", "Request too large"},
		Text{"يتجاوز جسم الطلب الحد المسموح.", "The request body exceeds the allowed size."},
	},
	"code_limit": {
		Text{"بلغ الرقم حد رموز الدخول اليومي", "Daily code limit reached"},
		Text{"أُرسل إلى هذا الرقم أكثر رموز الدخول المسموح بها في اليوم؛ اطلب رمزاً بعد المدة المذكورة في Retry-After.", "This mobile has had the most sign-in codes allowed in a day; ask again after the Retry-After seconds."},
	},
	"database_unavailable": {
		Text{"الخدمة غير متاحة مؤقتاً", "Service temporarily unavailable"},
		Text{"قاعدة البيانات لا تستجيب الآن؛ أعد المحاولة بعد قليل.", "The database is not answering right now; retry shortly."},
	},
	"file_too_large": {
		Text{"الملف كبير جداً", "File too large"},
		Text{"حجم الملف أكبر من المسموح.", "The file is larger than allowed."},
	},
	"forbidden": {
		Text{"غير مسموح", "Forbidden"},
		Text{"لا تملك صلاحية تنفيذ هذا الإجراء.", "Your role may not perform this action."},
	},
	"idempotency_key_reused": {
		Text{"مفتاح التكرار مستخدم", "Idempotency key reused"},
		Text{"استُخدم مفتاح التكرار نفسه من قبل مع طلب مختلف.", "This Idempotency-Key was already used with a different request."},
	},
	"internal_error": {
		Text{"خطأ داخلي", "Internal error"},
		Text{"حدث خطأ غير متوقع؛ أبلغ الدعم برقم الطلب المرجعي.", "An unexpected error occurred; report the request id to support."},
	},
	"invalid_code": {
		Text{"رمز الدخول غير صحيح", "Invalid code"},
		Text{"الرمز غير صحيح أو منتهي أو مستخدم؛ اطلب رمزاً جديداً.", "The code is wrong, expired or already used; request a new one."},
	},
	"invalid_credentials": {
		Text{"بيانات الدخول غير صحيحة", "Invalid credentials"},
		Text{"اسم المستخدم أو كلمة المرور غير صحيحة.", "The username or password is incorrect."},
	},
	"invalid_idempotency_key": {
		Text{"مفتاح تكرار غير صالح", "Invalid idempotency key"},
		Text{"يجب أن يتكون مفتاح التكرار من 1 إلى 200 حرف مطبوع.", "The Idempotency-Key must be 1 to 200 printable ASCII characters."},
	},
	"invalid_message": {
		Text{"نص غير صالح", "Invalid message"},
		Text{"نص الرسالة فارغ أو طويل جداً.", "The message is empty or too long."},
	},
	"invalid_refresh_token": {
		Text{"رمز التجديد غير صالح", "Invalid refresh token"},
		Text{"رمز التجديد غير صالح أو مستخدم أو منتهي؛ سجّل الدخول من جديد.", "The refresh token is invalid, already used or expired; log in again."},
	},
	"invalid_utf8": {
		Text{"ترميز غير صالح", "Invalid encoding"},
		Text{"يجب أن يكون جسم الطلب نصاً بترميز UTF-8 صالح.", "The request body must be valid UTF-8."},
	},
	"malformed_form": {
		Text{"نموذج غير صالح", "Malformed form"},
		Text{"تعذرت قراءة النموذج المرسل (multipart/form-data).", "The multipart/form-data body could not be read."},
	},
	"malformed_json": {
		Text{"طلب غير صالح", "Malformed request"},
		Text{"جسم الطلب ليس JSON صالحاً.", "The request body is not valid JSON."},
	},
	"meeting_not_booked": {
		Text{"لا يوجد موعد مؤكد", "No meeting booked"},
		Text{"يُسجَّل الحضور لموعد أكّده المستفيد فقط.", "Attendance is recorded for a meeting the beneficiary confirmed."},
	},
	"meeting_not_yet": {
		Text{"لم يحن موعد المقابلة بعد", "The meeting has not taken place yet"},
		Text{"يُسجَّل الحضور بعد موعد المقابلة.", "Attendance is recorded once the meeting's time has come."},
	},
	"meeting_too_soon": {
		Text{"الموعد قريب جداً", "Too little notice"},
		Text{"يُحدَّد موعد المقابلة قبل موعدها بالمدة التي تنص عليها السياسة على الأقل (يومان افتراضياً).", "A meeting slot must be offered at least the policy's notice ahead (two days by default)."},
	},
	"method_not_allowed": {
		Text{"طريقة غير مسموحة", "Method not allowed"},
		Text{"هذه الطريقة غير مدعومة لهذا المسار.", "This method is not supported on this path."},
	},
	"mobile_unproven": {
		Text{"رقم الجوال غير موثق", "Mobile not verified"},
		Text{"لا تُقبل المرفقات حتى توثيق رقم الجوال: سجّل الدخول برمز يصل إلى جوال الطلب ثم وثّق الطلب برمز المتابعة.", "Attachments are accepted once the ticket's mobile is verified: sign in with a code sent to that mobile, then verify the ticket with its tracking code."},
	},
	"no_follow_up": {
		Text{"لا توجد متابعة جودة مفتوحة", "No open quality follow-up"},
		Text{"لا توجد متابعة جودة مفتوحة على هذا الطلب.", "This ticket has no open quality follow-up."},
	},
	"no_meeting_offer": {
		Text{"لا يوجد موعد بانتظار ردك", "No meeting offer awaits an answer"},
		Text{"لم يُقترح موعد لهذا الطلب، أو انقضت مهلة تأكيده، أو سبق الرد عليه.", "No slot was offered on this ticket, or its offer lapsed or was answered already."},
	},
	"no_policy": {
		Text{"لا توجد سياسة مستوى خدمة", "No service-level policy"},
		Text{"لم تُعرَّف سياسة مستوى الخدمة بعد.", "No service-level policy has been defined yet."},
	},
	"not_a_meeting_request": {
		Text{"ليس طلب مقابلة", "Not a meeting request"},
		Text{"إجراءات المواعيد لطلبات مقابلة معالي الوزير فقط.", "Meeting actions apply to requests to meet the minister only."},
	},
	"not_an_account": {
		Text{"ليس حساب مستخدم", "Not an account"},
		Text{"هذا الإجراء لحسابات المستخدمين المسجلين بكلمة مرور فقط، لا لرموز الدخول المهيأة ولا لرموز التكامل.", "This action is for password accounts only, not for configured or integration tokens."},
	},
	"not_awaiting_info": {
		Text{"لا يوجد استفسار بانتظار ردك", "No question awaits an answer"},
		Text{"لم يُطلب منك معلومات لهذا الطلب، أو سبق أن أجبت.", "Nobody asked for information on this ticket, or it was answered already."},
	},
	"not_awaiting_response": {
		Text{"الطلب لا ينتظر رداً", "Ticket not awaiting a response"},
		Text{"تم الرد على الطلب بالفعل وهو في انتظار المستفيد.", "The ticket has already been answered and is waiting on the beneficiary."},
	},
	"not_found": {
		Text{"غير موجود", "Not found"},
		Text{"لم يُعثر على المورد المطلوب.", "The requested resource was not found."},
	},
	"not_rateable": {
		Text{"لا يمكن تقييم هذا الطلب الآن", "Not open for rating"},
		Text{"يُقيَّم الطلب مرة واحدة بعد إغلاقه وخلال مهلة الاستبيان.", "A ticket is rated once, after it is closed and within the survey window."},
	},
	"not_ready": {
		Text{"الخدمة غير جاهزة", "Not ready"},
		Text{"الخدمة غير جاهزة لاستقبال الطلبات.", "The service is not ready to take requests."},
	},
	"not_responsible": {
		Text{"لا يمكنك الرد على هذا الاعتراض", "Not yours to answer"},
		Text{"لا يجوز للجهة التي اعتُرض على ردها أن تبت في مراجعة الاعتراض.", "The entity whose answer is under objection cannot answer its review."},
	},
	"nothing_to_object": {
		Text{"لا يوجد ما يُعترض عليه", "Nothing to object to"},
		Text{"لا يمكن الاعتراض قبل الرد على الطلب.", "An objection is possible only after the ticket has been answered."},
	},
	"objection_window_closed": {
		Text{"انتهت مهلة الاعتراض", "Objection window closed"},
		Text{"انتهت المدة المتاحة للاعتراض على الرد.", "The period for objecting to the answer has ended."},
	},
	"passwords_busy": {
		Text{"الخادم مشغول", "Server busy"},
		Text{"يتحقق الخادم الآن من كلمات مرور كثيرة؛ أعد المحاولة بعد لحظات.", "Too many passwords are being checked right now; retry in a moment."},
	},
	"rate_limited": {
		Text{"طلبات كثيرة", "Too many requests"},
		Text{"تجاوزت عدد الطلبات المسموح؛ حاول بعد قليل.", "Too many requests; try again shortly."},
	},
	"same_entity": {
		Text{"الطلب لدى هذه الجهة بالفعل", "Already with that entity"},
		Text{"لا يمكن إحالة الطلب إلى الجهة المسؤولة عنه حالياً.", "A ticket cannot be transferred to the entity that already holds it."},
	},
	"sso_unavailable": {
		Text{"الدخول الموحد غير متاح", "Single sign-on unavailable"},
		Text{"تعذر الوصول إلى مزود الهوية؛ حاول لاحقًا.", "The identity provider cannot be reached; try again later."},
	},
	"survey_call_final": {
		Text{"نتيجة الاتصال مسجلة نهائياً", "Call outcome already final"},
		Text{"سُجّلت لهذا الاتصال نتيجة نهائية ولا يمكن تغييرها.", "This call already has its final outcome, which cannot be changed."},
	},
	"temporal_unavailable": {
		Text{"الخدمة غير متاحة مؤقتاً", "Service temporarily unavailable"},
		Text{"محرك سير العمل لا يستجيب الآن؛ أعد المحاولة بعد قليل.", "The workflow engine is not answering right now; retry shortly."},
	},
	"ticket_busy": {
		Text{"الطلب مشغول مؤقتاً", "Ticket momentarily busy"},
		Text{"يجري نقل الطلب إلى دورة تنفيذ جديدة؛ أعد المحاولة بعد لحظات.", "The ticket is being handed to a new run; retry in a moment."},
	},
	"ticket_closed": {
		Text{"الطلب مغلق", "Ticket closed"},
		Text{"الطلب مغلق أو مسحوب ولا يقبل إجراءات جديدة.", "The ticket is closed or withdrawn and accepts no further actions."},
	},
	"token_exists": {
		Text{"الرمز موجود", "Token exists"},
		Text{"يوجد رمز تكامل آخر بالاسم نفسه.", "Another integration token already has this name."},
	},
	"tracking_code_required": {
		Text{"رمز المتابعة مطلوب", "Tracking code required"},
		Text{"أرسل رمز المتابعة في ترويسة X-Tracking-Code.", "Send the tracking code in the X-Tracking-Code header."},
	},
	"unauthorized": {
		Text{"مطلوب تسجيل الدخول", "Authentication required"},
		Text{"أرسل رمز دخول صالحاً في ترويسة Authorization.", "Send a valid bearer token in the Authorization header."},
	},
	"unknown_field": {
		Text{"حقل غير معروف", "Unknown field"},
		Text{"يحتوي الطلب على حقل غير معروف.", "The request contains a field this endpoint does not accept."},
	},
	"unsupported_media_type": {
		Text{"نوع محتوى غير مدعوم", "Unsupported media type"},
		Text{"يجب إرسال الطلب بصيغة application/json.", "Send the request as application/json."},
	},
	"validation_failed": {
		Text{"بيانات غير صالحة", "Invalid data"},
		Text{"بعض الحقول غير صالحة؛ راجع قائمة الأخطاء.", "Some fields are invalid; see the list of errors."},
	},
}

var fields = map[string]Text{
	"admin_not_allowed":                  {"لا يمكن منح رمز التكامل دور مدير النظام.", "An integration token cannot have the admin role."},
	"duplicate_field":                    {"الحقل مكرر؛ أرسل ملفاً واحداً في كل طلب.", "The field is repeated: send one file per request."},
	"duplicate_role":                     {"الدور يتولى مستوى سابقاً.", "The role already holds an earlier level."},
	"duplicate_rule":                     {"توجد قاعدة أخرى للنوع %s والأولوية %s.", "Another rule already covers kind %s and priority %s."},
	"duplicate_weekday":                  {"يوم العمل مكرر.", "The work day is listed more than once."},
	"empty_file":                         {"الملف فارغ.", "The file is empty."},
	"invalid_allowance":                  {"اكتب المدة بالصيغة 1d4h: أيام d ثم ساعات h ودقائق m (مثل 2d أو 4h أو 1d4h).", "Write the time as 1d4h: days d, then hours h and minutes m (such as 2d, 4h or 1d4h)."},
	"invalid_clock":                      {"نوع الساعة غير معروف (business أو 24x7).", "Unknown clock (business or 24x7)."},
	"invalid_code_format":                {"الرمز 6 أرقام.", "The code is 6 digits."},
	"invalid_date":                       {"التاريخ غير صحيح؛ الصيغة YYYY-MM-DD.", "Not a date YYYY-MM-DD."},
	"invalid_email":                      {"البريد الإلكتروني غير صحيح.", "The email address is invalid."},
	"invalid_kind":                       {"نوع الطلب غير معروف.", "Unknown kind."},
	"invalid_mobile":                     {"رقم الجوال غير صحيح.", "The mobile number is invalid."},
	"invalid_national_id":                {"رقم الهوية غير صحيح؛ يجب أن يكون 10 أرقام يبدأ بـ 1 أو 2.", "The national ID is invalid: 10 digits starting with 1 or 2."},
	"invalid_priority":                   {"الأولوية غير معروفة.", "Unknown priority."},
	"invalid_role":                       {"هذا الدور لا يمكنه تولي مستوى تصعيد.", "This role cannot hold an escalation level."},
	"invalid_row":                        {"السطر غير صالح.", "The line is invalid."},
	"invalid_time":                       {"الوقت غير صحيح؛ الصيغة HH:MM من 00:00 إلى 23:59.", "Not a time of day HH:MM (00:00 to 23:59)."},
	"invalid_time_zone":                  {"المنطقة الزمنية غير معروفة (مثال: Asia/Riyadh).", "Unknown time zone (e.g. Asia/Riyadh)."},
	"invalid_value":                      {"القيمة غير مقبولة.", "The value is not one of the accepted values."},
	"invalid_weekday":                    {"يوم الأسبوع يجب أن يكون من 0 (الأحد) إلى 6 (السبت).", "Weekday must be 0 (Sunday) to 6 (Saturday)."},
	"ladder_must_end_at_minister_office": {"يجب أن ينتهي سلم التصعيد بمكتب الوزير.", "The escalation ladder must end at the minister's office."},
	"ladder_out_of_order":                {"ترتيب سلم التصعيد غير صحيح؛ كل مستوى أعلى من سابقه.", "The ladder's roles are out of order: each level ranks above the one before."},
	"missing_rule":                       {"لا توجد قاعدة للنوع %s والأولوية %s.", "No rule for kind %s and priority %s."},
	"must_be_after_opening":              {"يجب أن يكون وقت الإغلاق بعد وقت الفتح.", "Closing time must be after opening time."},
	"must_be_positive":                   {"يجب أن تكون المدة أكبر من صفر.", "The duration must be greater than zero."},
	"must_not_be_before_from":            {"آخر يوم في الإجازة قبل أولها.", "The last day of the holiday is before its first day."},
	"nationality_mismatch":               {"الجنسية لا تتوافق مع رقم الهوية (1 مواطن، 2 مقيم).", "The nationality does not match the ID (1 citizen, 2 resident)."},
	"not_a_coordinator":                  {"ليس منسقاً نشطاً في الجهة المسؤولة عن البلاغ.", "Not an active coordinator of the entity holding the ticket."},
	"not_for_channel":                    {"هذا الحقل لا يخص قناة الطلب.", "This field does not belong to the ticket's channel."},
	"not_in_list":                        {"القيمة ليست من القائمة المسموحة.", "The value is not in the allowed list."},
	"not_your_mobile":                    {"يقدَّم الطلب بعد تسجيل الدخول لرقم الجوال الذي سُجّل به الدخول فقط.", "Signed in, you file for the mobile you signed in with only."},
	"out_of_range":                       {"القيمة خارج النطاق المسموح.", "The value is out of the allowed range."},
	"required":                           {"هذا الحقل مطلوب.", "This field is required."},
	"reserved_name":                      {"هذا الاسم محجوز للنظام.", "This name is reserved by Tawasul."},
	"staff_only":                         {"لا يحدد هذا الحقلَ إلا الموظفون.", "Only staff may set this field."},
	"staff_only_channel":                 {"هذه القناة متاحة للموظفين فقط.", "This channel is available to staff only."},
	"too_few_letters":                    {"اكتب كلمة من حرفين على الأقل، أو رقم بلاغ أو هوية أو جوال.", "Type a word of at least two letters, or a ticket, ID or mobile number."},
	"too_long":                           {"النص أطول من المسموح.", "The text is longer than allowed."},
	"too_short":                          {"النص أقصر من المسموح (12 حرفاً على الأقل لكلمة المرور).", "The text is shorter than allowed (at least 12 characters for a password)."},
	"unknown_entity":                     {"الجهة غير معروفة.", "Unknown entity."},
	"unknown_field":                      {"حقل غير معروف.", "Unknown field."},
	"unsupported_file_type":              {"نوع الملف غير مقبول؛ المقبول PDF أو JPEG أو PNG (يُعرف النوع من محتوى الملف لا من اسمه).", "File type not accepted: send a PDF, JPEG or PNG (the type is told by the content, not the name)."},
	"wrong_type":                         {"نوع القيمة غير صحيح.", "The value has the wrong type."},
}
