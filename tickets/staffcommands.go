package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/refusal"
	"github.com/tawasul/tawasul/signin"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// The staff's casework as the front ends receive it — text as typed, an
// entity's code, a username — checked and resolved here, once, into the
// workflow's requests: the JSON API and the web pages hand over what they
// decoded and show the refusal's fields at their own fields. Field names are
// the API's JSON names, which the web forms share.

// Answer answers the ticket with message as typed.
func (s *Service) Answer(ctx context.Context, t store.Ticket, key string, by workflows.Actor, message string) (workflows.TicketState, error) {
	msg, err := requiredText("message", message)
	if err != nil {
		return workflows.TicketState{}, err
	}
	return s.Respond(ctx, t, key, workflows.RespondRequest{Actor: by, Message: msg})
}

// AddNote adds an internal note as typed.
func (s *Service) AddNote(ctx context.Context, t store.Ticket, key string, by workflows.Actor, message string) (workflows.TicketState, error) {
	msg, err := requiredText("message", message)
	if err != nil {
		return workflows.TicketState{}, err
	}
	return s.Note(ctx, t, key, workflows.NoteRequest{Actor: by, Message: msg})
}

// Ask asks the beneficiary question as typed; the SLA clock stands still
// until the answer.
func (s *Service) Ask(ctx context.Context, t store.Ticket, key string, by workflows.Actor, question string) (workflows.TicketState, error) {
	q, err := requiredText("question", question)
	if err != nil {
		return workflows.TicketState{}, err
	}
	return s.RequestInfo(ctx, t, key, workflows.RequestInfoRequest{Actor: by, Question: q})
}

// TransferTo hands the ticket to the entity of code, for reason as typed.
func (s *Service) TransferTo(ctx context.Context, t store.Ticket, key string, by workflows.Actor, code, reason string) (workflows.TicketState, error) {
	reason = normalize.Text(reason)
	var errs []refusal.Field
	CheckText(&errs, "reason", reason, MaxMessage, true)
	code = strings.TrimSpace(code)
	var to store.Entity
	switch {
	case code == "":
		errs = append(errs, refusal.Field{Name: "entity", Code: refusal.FieldRequired})
	case normalize.HasHidden(code): // no entity's code; PostgreSQL refuses a NUL even in the lookup
		errs = append(errs, refusal.Field{Name: "entity", Code: refusal.FieldUnknownEntity})
	default:
		e, err := s.entities.Find(ctx, code)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, refusal.Field{Name: "entity", Code: refusal.FieldUnknownEntity})
		case err != nil:
			return workflows.TicketState{}, fmt.Errorf("transfer: look up entity: %w", err)
		}
		to = e
	}
	if len(errs) > 0 {
		return workflows.TicketState{}, refusal.Fields(errs...)
	}
	return s.Transfer(ctx, t, key, workflows.TransferRequest{Actor: by, Reason: reason,
		To: workflows.LevelHolder{Entity: to.Code, NameAR: to.NameAR, NameEN: to.NameEN}})
}

// AssignTo hands the ticket to the active coordinator username of the
// entity holding it, with an optional note as typed.
func (s *Service) AssignTo(ctx context.Context, t store.Ticket, key string, by workflows.Actor, username, note string) (workflows.TicketState, error) {
	note = normalize.Text(note)
	var errs []refusal.Field
	CheckText(&errs, "note", note, MaxMessage, false)
	username = strings.TrimSpace(username)
	var to store.Account
	switch {
	case username == "":
		errs = append(errs, refusal.Field{Name: "assignee", Code: refusal.FieldRequired})
	case normalize.HasHidden(username): // no one's username; PostgreSQL refuses a NUL even in the lookup
		errs = append(errs, refusal.Field{Name: "assignee", Code: refusal.FieldNotCoordinator})
	default:
		acc, err := s.store.ActiveCoordinator(ctx, username, t.ResponsibleEntity)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, refusal.Field{Name: "assignee", Code: refusal.FieldNotCoordinator})
		case err != nil:
			return workflows.TicketState{}, fmt.Errorf("look up assignee: %w", err)
		}
		to = acc
	}
	if len(errs) > 0 {
		return workflows.TicketState{}, refusal.Fields(errs...)
	}
	return s.Assign(ctx, t, key, workflows.AssignRequest{Actor: by, To: signin.Actor(to), Note: note})
}

// requiredText normalizes a required message field and checks its length.
func requiredText(field, s string) (string, error) {
	s = normalize.Text(s)
	var errs []refusal.Field
	CheckText(&errs, field, s, MaxMessage, true)
	if len(errs) > 0 {
		return "", refusal.Fields(errs...)
	}
	return s, nil
}
