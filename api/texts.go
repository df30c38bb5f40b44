package api

import (
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/surveycalls"
	"github.com/tawasul/tawasul/texts"
	"github.com/tawasul/tawasul/workflows"
)

// The API's problem and field codes, and the few texts that mean more for
// one field of the API. The words of every code, in Arabic and English, are
// in package texts, shared with the web pages.

// text is one message in both languages.
type text = texts.Text

// in is t in the reader's language.
func in(t text, l lang) string { return t.In(l == langEN) }

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
	codeBadCursor            = refusal.CodeBadCursor
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
	codeSurveyCallFinal      = surveycalls.CodeFinal
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

// Texts of a generic field code that mean more for one field.
var (
	// textMultipartOnly is the 415 detail of an upload.
	textMultipartOnly = text{AR: "أرسل الملف بصيغة multipart/form-data في حقل file.",
		EN: "Send the file as multipart/form-data, in the part named file."}
	textNoteNotPublic = text{AR: "الملاحظة الداخلية لا تُعرض على المستفيد؛ اختر الغرض response لمشاركة الملف.",
		EN: "An internal note is never shown to the beneficiary; use the purpose response to share a file."}
	textPreviewOneOf = text{AR: "أرسل رقم إصدار محفوظ (version) أو مسودة سياسة (policy)، لا كليهما.",
		EN: "Send either a stored version (version) or a draft policy (policy), not both."}
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
	fieldTooFewLetters     = refusal.FieldTooFewLetters
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
