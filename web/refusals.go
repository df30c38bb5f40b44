package web

import (
	"github.com/tawasul/tawasul/texts"
	"github.com/tawasul/tawasul/web/i18n"
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
