// Package views holds the web application's pages and fragments as templ
// components. They render what they are given and decide nothing: a page's
// data is gathered by its handler (package web) from the use cases, and
// every word comes from the catalog (package i18n) in the reader's language.
//
// Values that are not words of the page — numbers, dates, ticket numbers,
// codes — sit in <bdi dir="ltr">, and text people typed in <bdi> or with
// dir="auto", so an Arabic sentence around an LTR value keeps its order.
package views

import (
	"strconv"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/web/i18n"
)

// Page is what every page's frame needs: the reader's language, the title,
// who is signed in (nil on the sign-in page) and where they are.
type Page struct {
	L       i18n.Lang
	Title   string
	Viewer  *Viewer
	Section string // the header link to mark current: "inbox", "search", …
	// Path is the page's own path and query, where the language switch
	// brings the reader back to.
	Path string
	// Bell is the header's link to the reader's notifications (nil: none,
	// as on the sign-in page and in fragments).
	Bell *Bell
}

// Bell is the link to the reader's notifications with their unread count,
// which asks by itself whether the count changed.
type Bell struct {
	// Count is the unread count as written, "" when none (no badge).
	Count string
	// Unread says it in words for a screen reader ("3 unread").
	Unread string
	// Poll is where it asks, carrying the count it shows; PollEvery how
	// often ("20s").
	Poll, PollEvery string
}

// Viewer is the signed-in staff member as the header shows them.
type Viewer struct {
	Name   string
	Role   domain.Role
	Entity string
	// EntityName is the entity's name in the reader's language.
	EntityName string
}

// T is shorthand for the page's words.
func (p Page) T(key string) string { return p.L.T(key) }

// FieldErrors are a form's errors by field name, as the catalog words them.
type FieldErrors map[string]string

// Has reports an error at field.
func (f FieldErrors) Has(field string) bool { _, ok := f[field]; return ok }

// errorsFor are the form's errors when action is the one refused.
func (f ActionForm) errorsFor(open, action string) FieldErrors {
	if open != action {
		return nil
	}
	return f.Errors
}

// messageFor is the refused form's message, shown again in its own form only.
func (f ActionForm) messageFor(open, action string) string {
	if open != action {
		return ""
	}
	return f.Message
}

func (f ActionForm) reasonFor(open, action string) string {
	if open != action {
		return ""
	}
	return f.Reason
}

// deskID names a coordinator's section by its place on the board (a
// username is no safe HTML id).
func deskID(i int) string { return "desk-" + strconv.Itoa(i+1) }

// valueFor is a refused form's value, shown again in its own form only.
func (f ActionForm) valueFor(open, action, value string) string {
	if open != action {
		return ""
	}
	return value
}
