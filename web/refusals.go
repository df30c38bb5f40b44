package web

import (
	"fmt"
	"net/http"

	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/texts"
	"github.com/tawasul/tawasul/web/i18n"
	"github.com/tawasul/tawasul/web/views"
)

// refusalText is why the core refused, in the reader's language: the API's
// own text of the code (package texts), so a refusal reads the same on a
// page and in a problem document.
func refusalText(l i18n.Lang, code string) string {
	return texts.Detail(code, l == i18n.EN)
}

// fieldText is what is wrong with a field, as the API says it.
func fieldText(l i18n.Lang, code string) string {
	return texts.FieldMessage(code, l == i18n.EN)
}

// formFields maps the core's field names to the forms' own.
var formFields = map[string]string{"question": "message", "entity": "to", "assignee": "to"}

// placed is a refusal as a form shows it: the fields' errors at the form's
// own fields (422), or, for a refusal of the request as a whole, one notice
// above the forms (403 when forbidden, else 409: the state moved on).
func placed(l i18n.Lang, r *refusal.Error) (status int, errs views.FieldErrors, notice string) {
	return placedAs(l, r, formFields)
}

// placedAs is placed for a form whose fields are named by rename where the
// core's are not (nil: named as the core names them).
func placedAs(l i18n.Lang, r *refusal.Error, rename map[string]string) (status int, errs views.FieldErrors, notice string) {
	errs = views.FieldErrors{}
	if len(r.Fields) > 0 {
		for _, f := range r.Fields {
			field := f.Name
			if v, ok := rename[field]; ok {
				field = v
			}
			errs[field] = fieldMessage(l, f)
		}
		return http.StatusUnprocessableEntity, errs, ""
	}
	if r.Kind == refusal.Forbidden {
		return http.StatusForbidden, errs, refusalText(l, r.Code)
	}
	return http.StatusConflict, errs, refusalText(l, r.Code)
}

// fieldMessage is fieldText for one field of a refusal: the field's own text
// when the core gave one, its arguments (a kind, a priority) filled in as
// the catalog words them.
func fieldMessage(l i18n.Lang, f refusal.Field) string {
	msg := fieldText(l, f.Code)
	if f.Text != nil {
		msg = f.Text.In(l == i18n.EN)
	}
	if len(f.Args) == 0 {
		return msg
	}
	args := make([]any, len(f.Args))
	for i, a := range f.Args {
		args[i] = a
		for _, group := range []string{"kind.", "priority."} {
			if i18n.Has(group + a) {
				args[i] = l.T(group + a)
			}
		}
	}
	return fmt.Sprintf(msg, args...)
}
