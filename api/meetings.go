package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tawasul/tawasul/authz"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/workflows"
)

// Requests to meet the minister: the minister's office offers a slot or
// declines the request, the beneficiary accepts or turns the slot down, the
// office records whether the meeting was held. The workflow decides; the API
// checks what it can before asking (the slot's notice, the fields).

const maxPlace = 300

type meetingOfferIn struct {
	At    string `json:"at"`
	Place string `json:"place"`
	Note  string `json:"note"`
}

// offerMeeting offers a slot (date, time, place), or a new one replacing the
// slot offered or booked.
func (a *API) offerMeeting(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.ScheduleMeeting)
	if !ok {
		return
	}
	var in meetingOfferIn
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	var errs []fieldErr
	var at time.Time
	switch raw := strings.TrimSpace(in.At); {
	case raw == "":
		errs = append(errs, fieldErr{field: "at", code: fieldRequired})
	default:
		v, err := time.Parse(time.RFC3339, raw)
		switch {
		case err != nil:
			errs = append(errs, fieldErr{field: "at", code: fieldInvalidValue})
		case !v.After(a.now()):
			// How much notice a slot needs is the ticket's policy's, which
			// the workflow holds (meeting_too_soon); the past is never a slot.
			errs = append(errs, fieldErr{field: "at", code: fieldOutOfRange})
		}
		at = v.UTC()
	}
	place, note := normalize.Text(in.Place), normalize.Text(in.Note)
	checkText(&errs, "place", place, maxPlace, true)
	checkText(&errs, "note", note, maxMessage, false)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.OfferMeetingRequest{Actor: actor, At: at, Place: place, Note: note}
	if state, ok := a.act(c, t, workflows.UpdateOfferMeeting, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

// declineMeeting declines the request with a reason; it answers the ticket.
func (a *API) declineMeeting(c *gin.Context) {
	a.staffText(c, authz.ScheduleMeeting, workflows.UpdateDeclineMeeting, "reason", func(actor workflows.Actor, text string) any {
		return workflows.DeclineMeetingRequest{Actor: actor, Reason: text}
	})
}

type attendanceIn struct {
	Attended *bool  `json:"attended"`
	Note     string `json:"note"`
}

// recordAttendance records whether the booked meeting was held; it closes
// the ticket (and the survey follows).
func (a *API) recordAttendance(c *gin.Context) {
	t, actor, key, ok := a.staffAction(c, authz.ScheduleMeeting)
	if !ok {
		return
	}
	var in attendanceIn
	if err := decodeJSON(c, &in, false); err != nil {
		writeProblem(c, err)
		return
	}
	var errs []fieldErr
	if in.Attended == nil {
		errs = append(errs, fieldErr{field: "attended", code: fieldRequired})
	}
	note := normalize.Text(in.Note)
	checkText(&errs, "note", note, maxMessage, false)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.RecordAttendanceRequest{Actor: actor, Attended: *in.Attended, Note: note}
	if state, ok := a.act(c, t, workflows.UpdateRecordAttendance, actor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, state)
	}
}

type meetingAnswerIn struct {
	Accept *bool  `json:"accept"`
	Reason string `json:"reason"`
}

// confirmMeeting is the beneficiary accepting the offered slot, or turning it
// down with a reason (the office then offers another).
func (a *API) confirmMeeting(c *gin.Context) {
	var in meetingAnswerIn
	t, key, ok := a.beneficiaryBody(c, &in)
	if !ok {
		return
	}
	var errs []fieldErr
	if in.Accept == nil {
		errs = append(errs, fieldErr{field: "accept", code: fieldRequired})
	}
	reason := normalize.Text(in.Reason)
	checkText(&errs, "reason", reason, maxMessage, in.Accept != nil && !*in.Accept)
	if len(errs) > 0 {
		writeProblem(c, invalid(errs...))
		return
	}
	req := workflows.ConfirmMeetingRequest{Accept: *in.Accept, Reason: reason}
	if state, ok := a.act(c, t, workflows.UpdateConfirmMeeting, beneficiaryActor.ID, key, req); ok {
		writeJSON(c, http.StatusOK, publicState(state))
	}
}
