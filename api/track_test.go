package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

func TestTrack(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	at := f.clock.Now()
	err := f.store.ApplyChange(context.Background(), store.TicketChange{
		Number: c.Number, Version: 1, Status: domain.StatusAnswered, ResponsibleEntity: "KSU", PolicyVersion: 1,
		SLADueAt: c.SLADueAt,
		Events: []store.TicketEvent{
			{Seq: 1, Type: workflows.EventCreated, At: at, ActorID: "beneficiary", ActorRole: domain.RoleBeneficiary, Public: true},
			{Seq: 2, Type: workflows.EventEscalated, At: at.Add(time.Hour), ActorID: "system", Entity: "KSU", Level: 1, Public: false, Message: "to manager-ksu"},
			{Seq: 3, Type: workflows.EventResponded, At: at.Add(2 * time.Hour), ActorID: "coord-ksu", ActorRole: domain.RoleCoordinator, Public: true, Message: "صُرفت المكافأة"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Typing the code in lower case with a dash and Arabic-Indic digits works.
	typed := strings.ToLower(c.TrackingCode[:6]) + "-" + toArabicIndic(c.TrackingCode[6:])
	r := f.do(req{method: "GET", path: "/api/v1/track/" + c.Number, headers: map[string]string{trackingHeader: typed}})
	r.expect(http.StatusOK)
	var tr trackJSON
	r.json(&tr)
	if tr.Number != c.Number || tr.Status != domain.StatusAnswered || tr.Entity.NameAR != "جامعة الملك سعود" || tr.Entity.NameEN == "" {
		t.Errorf("track %+v", tr)
	}
	if len(tr.Timeline) != 2 || tr.Timeline[0].Type != workflows.EventCreated || tr.Timeline[1].Type != workflows.EventResponded {
		t.Errorf("public timeline %+v", tr.Timeline)
	}
	if len(tr.Responses) != 1 || tr.Responses[0].Message != "صُرفت المكافأة" {
		t.Errorf("responses %+v", tr.Responses)
	}
	body := r.Body.String()
	for _, secret := range []string{"coord-ksu", "manager-ksu", validID("108765432"), "966501234567", "سارة", "beneficiary\"", "actor"} {
		if strings.Contains(body, secret) {
			t.Errorf("tracking page reveals %q: %s", secret, body)
		}
	}

	// Wrong code and unknown number: the same answer.
	wrong := f.do(req{method: "GET", path: "/api/v1/track/" + c.Number, headers: map[string]string{trackingHeader: "AAAAAAAAAAAA"}})
	unknown := f.do(req{method: "GET", path: "/api/v1/track/2026-999999", headers: map[string]string{trackingHeader: c.TrackingCode}})
	malformed := f.do(req{offContract: true, method: "GET", path: "/api/v1/track/nonsense", headers: map[string]string{trackingHeader: c.TrackingCode}})
	for _, x := range []resp{wrong, unknown, malformed} {
		x.expectProblem(http.StatusNotFound, codeNotFound)
	}
	if a, b := withoutInstance(t, wrong.Body.Bytes()), withoutInstance(t, unknown.Body.Bytes()); !bytes.Equal(a, b) {
		t.Errorf("404 bodies differ:\n%s\n%s", a, b)
	}
	if a, b := withoutInstance(t, wrong.Body.Bytes()), withoutInstance(t, malformed.Body.Bytes()); !bytes.Equal(a, b) {
		t.Errorf("404 bodies differ:\n%s\n%s", a, b)
	}
	for _, h := range []string{"Content-Type", "Content-Language", "Cache-Control"} {
		if wrong.Header().Get(h) != unknown.Header().Get(h) {
			t.Errorf("header %s differs: %q vs %q", h, wrong.Header().Get(h), unknown.Header().Get(h))
		}
	}
	f.do(req{method: "GET", path: "/api/v1/track/" + c.Number}).expectProblem(http.StatusBadRequest, codeTrackingCodeRequired)
}

// withoutInstance drops "instance" (the request path, different by design)
// from a problem body.
func withoutInstance(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "instance")
	out, _ := json.Marshal(m)
	return out
}

func TestObjectAndWithdraw(t *testing.T) {
	f := newFixture(t)
	c := f.file("")
	var seen []client.UpdateWorkflowOptions
	f.tc.update = func(o client.UpdateWorkflowOptions) (any, error) {
		seen = append(seen, o)
		st := stateFor(c.Number)
		st.Status = domain.StatusReopened
		return st, nil
	}
	obj := "/api/v1/tickets/" + c.Number + "/objections"
	code := map[string]string{trackingHeader: c.TrackingCode, "Idempotency-Key": "obj-1"}

	r := f.do(req{method: "POST", path: obj, headers: code, body: map[string]any{"reason": " لم تصل\u200b المكافأة "}})
	r.expect(http.StatusOK)
	var out actionJSON
	r.json(&out)
	if out.Status != domain.StatusReopened || len(out.Responses) != 1 {
		t.Errorf("answer %+v", out)
	}
	if strings.Contains(r.Body.String(), "coord-ksu") {
		t.Errorf("beneficiary answer reveals staff: %s", r.Body.String())
	}
	if len(seen) != 1 || seen[0].UpdateName != workflows.UpdateObject || seen[0].WorkflowID != "ticket-"+c.Number ||
		!strings.HasPrefix(seen[0].UpdateID, workflows.UpdateObject+"/beneficiary/") {
		t.Fatalf("updates %+v", seen)
	}
	if a, ok := seen[0].Args[0].(workflows.ObjectRequest); !ok || a.Reason != "لم تصل المكافأة" {
		t.Errorf("args %+v", seen[0].Args)
	}

	// Refused before Temporal: wrong code, missing reason.
	f.do(req{method: "POST", path: obj, headers: map[string]string{trackingHeader: "AAAAAAAAAAAA"}, body: map[string]any{"reason": "x"}}).
		expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{method: "POST", path: "/api/v1/tickets/2026-999999/objections", headers: code, body: map[string]any{"reason": "x"}}).
		expectProblem(http.StatusNotFound, codeNotFound)
	f.do(req{offContract: true, method: "POST", path: obj, headers: code, body: map[string]any{}}).
		expectProblem(http.StatusUnprocessableEntity, codeValidation)
	f.do(req{offContract: true, method: "POST", path: obj, headers: code}).expectProblem(http.StatusBadRequest, codeMalformedJSON)
	if len(seen) != 1 {
		t.Errorf("refused requests reached Temporal: %d updates", len(seen))
	}

	// Withdrawal needs no body.
	wd := "/api/v1/tickets/" + c.Number + "/withdrawal"
	f.do(req{method: "POST", path: wd, headers: map[string]string{trackingHeader: c.TrackingCode}}).expect(http.StatusOK)
	if len(seen) != 2 || seen[1].UpdateName != workflows.UpdateWithdraw {
		t.Fatalf("withdraw update %+v", seen)
	}
	if a, ok := seen[1].Args[0].(workflows.WithdrawRequest); !ok || a.Reason != "" {
		t.Errorf("withdraw args %+v", seen[1].Args)
	}

	// Refusals from the workflow, localized.
	f.tc.update = func(client.UpdateWorkflowOptions) (any, error) {
		return nil, temporal.NewApplicationError("window closed", workflows.ErrObjectionWindowClosed)
	}
	ar := f.do(req{method: "POST", path: obj, headers: map[string]string{trackingHeader: c.TrackingCode}, body: map[string]any{"reason": "x"}}).
		expectProblem(http.StatusConflict, codeObjectionWindowShut)
	en := f.do(req{method: "POST", path: obj, headers: map[string]string{trackingHeader: c.TrackingCode, "Accept-Language": "en-GB,en;q=0.8"},
		body: map[string]any{"reason": "x"}}).expectProblem(http.StatusConflict, codeObjectionWindowShut)
	if ar.Title != "انتهت مهلة الاعتراض" || en.Title != "Objection window closed" {
		t.Errorf("titles %q / %q", ar.Title, en.Title)
	}
}

// The beneficiary's routes are limited per address (4 × intake.per_minute), so
// tracking codes cannot be guessed or the routes flooded from one address.
func TestTrackIsRateLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.IntakePerMinute = 1 })
	c := f.file("")
	h := map[string]string{trackingHeader: "WRONGCODE234"}
	for range 4 {
		f.do(req{method: "GET", path: "/api/v1/track/" + c.Number, headers: h}).expectProblem(http.StatusNotFound, codeNotFound)
	}
	p := f.do(req{method: "GET", path: "/api/v1/track/" + c.Number, headers: map[string]string{trackingHeader: c.TrackingCode}})
	p.expectProblem(http.StatusTooManyRequests, codeRateLimited)
}
