package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tawasul/tawasul/app"
	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/domain"
	"github.com/tawasul/tawasul/normalize"
	"github.com/tawasul/tawasul/workflows"
)

// After a ticket's whole life (filing, a question and its answer, an answer,
// an objection, the review, the closing, the survey and its rating, a
// notification to the mobile and the e-mail), Temporal's own database holds
// none of the beneficiary's personal data in any form: its payloads are
// sealed. Those allowed still read them: the history endpoint opens them
// (redacted for auditors), and so does the Web UI's codec endpoint.
//
// The embedded server keeps Temporal on SQLite; a PostgreSQL-backed Temporal
// stores the same payloads the clients sealed, so what holds for the one
// holds for the other.
func TestTemporalHoldsNoPersonalData(t *testing.T) {
	dir := t.TempDir()
	s := startOn(t, newTemporalIn(t, dir), "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite")

	const (
		name   = "نورة عبدالله القحطاني"
		mobile = "0551234987"
		email  = "noura.qahtani@example.com"
	)
	nationalID := validID("109876543")
	body := ticketBody("KSU", "تأخر إصدار الشهادة")
	body["beneficiary"] = map[string]any{
		"name": name, "national_id": nationalID, "mobile": mobile, "email": email,
		"type": "student", "gender": "female",
	}
	number, code := s.file(body)
	path := "/api/v1/tickets/" + number

	s.must(http.StatusOK, s.do("POST", path+"/info-requests", "t-ksu", map[string]any{"question": "ما رقم الطلب السابق؟"}))
	s.must(http.StatusOK, s.do("POST", path+"/info", "", map[string]any{"answer": "لا أذكره"}, "X-Tracking-Code", code))
	s.must(http.StatusOK, s.do("POST", path+"/responses", "t-ksu", map[string]any{"message": "تم إصدار الشهادة"}))
	s.must(http.StatusOK, s.do("POST", path+"/objections", "", map[string]any{"reason": "لم تصلني"}, "X-Tracking-Code", code))
	s.must(http.StatusOK, s.do("POST", path+"/responses", "t-univ", map[string]any{"message": "تمت المراجعة"}))
	waitFor(t, 10*time.Second, "closed", func() bool { return s.status(number) == "closed" })
	waitFor(t, 10*time.Second, "the survey invitation", func() bool {
		return strings.Contains(strings.Join(timelineTypes(s.ticket(number)), ","), "survey_invited")
	})
	s.must(http.StatusOK, s.do("POST", path+"/rating", "", map[string]any{"rating": 2, "comment": "بطيء"}, "X-Tracking-Code", code))
	waitFor(t, 10*time.Second, "the rating in the read model", func() bool {
		return strings.Contains(strings.Join(timelineTypes(s.ticket(number)), ","), "rated")
	})

	// Those allowed read the history opened: the admin in full...
	h := s.must(http.StatusOK, s.do("GET", path+"/history", "t-admin", nil))
	if !historyHolds(t, h.Raw, name) || !historyHolds(t, h.Raw, nationalID) {
		t.Fatalf("the admin's history does not show the opened payloads: %.2000s", h.Raw)
	}
	// ...the auditor redacted.
	h = s.must(http.StatusOK, s.do("GET", path+"/history", "t-auditor", nil))
	if historyHolds(t, h.Raw, name) || !strings.Contains(string(h.Raw), `"data":"[redacted]"`) {
		t.Fatalf("the auditor's history is not redacted: %.2000s", h.Raw)
	}

	// The codec endpoint opens what Temporal holds, for the admin only in full.
	sealed := firstPayloads(t, s, workflows.TicketWorkflowID(number))
	if string(sealed.GetPayloads()[0].GetMetadata()["encoding"]) != "binary/encrypted" {
		t.Fatalf("the workflow's input is not sealed: %v", sealed.GetPayloads()[0].GetMetadata())
	}
	req, err := protojson.Marshal(sealed)
	if err != nil {
		t.Fatal(err)
	}
	r := s.codecDecode("t-admin", req)
	if r.Status != http.StatusOK || !historyHolds(t, r.Raw, name) {
		t.Fatalf("codec endpoint, admin: %d %.1000s", r.Status, r.Raw)
	}
	r = s.codecDecode("t-auditor", req)
	if r.Status != http.StatusOK || historyHolds(t, r.Raw, name) || !strings.Contains(string(r.Raw), base64.StdEncoding.EncodeToString([]byte(`"[redacted]"`))) {
		t.Fatalf("codec endpoint, auditor: %d %.1000s", r.Status, r.Raw)
	}
	for token, want := range map[string]int{"t-ksu": http.StatusForbidden, "": http.StatusUnauthorized} {
		if r := s.codecDecode(token, req); r.Status != want {
			t.Fatalf("codec endpoint with token %q: %d, want %d", token, r.Status, want)
		}
	}

	// Nothing personal in Temporal's files, in any form.
	needles := map[string]string{
		"name": name, "national ID": nationalID, "masked national ID": normalize.MaskID(nationalID),
		"mobile": mobile, "mobile (E.164)": "+966" + mobile[1:], "mobile (966…)": "966" + mobile[1:],
		"masked mobile": normalize.MaskPhone(mobile), "e-mail": email,
	}
	found := scanFiles(t, dir, needles)
	if len(found) > 0 {
		t.Fatalf("Temporal's database holds personal data: %s", strings.Join(found, "; "))
	}
}

// A signal forged at the Temporal frontend, by someone holding no key,
// does not decode: the workflow drops it, and the ticket is as it was; so
// does a sealed one copied from another ticket's history.
func TestForgedSignalIsDropped(t *testing.T) {
	s := start(t, "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite")
	number, _ := s.file(ticketBody("KSU", "طلب"))
	id := workflows.TicketWorkflowID(number)

	plain, err := app.Dial(context.Background(), config.TemporalConfig{Namespace: s.temporal.Namespace()},
		s.temporal.FrontendHostPort(), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	forged := workflows.RespondRequest{
		Actor:   workflows.Actor{ID: "user:ksu-coordinator", Role: domain.RoleCoordinator, Entity: "KSU"},
		Message: "forged answer",
	}
	if err := plain.SignalWorkflow(context.Background(), id, "", workflows.UpdateRespond, forged); err != nil {
		t.Fatal(err)
	}
	// The signal is handled once a workflow task completes after it.
	waitFor(t, 10*time.Second, "a workflow task after the signal", func() bool {
		signalled := false
		for _, ev := range historyEvents(t, s, id) {
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signalled = true
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				if signalled {
					return true
				}
			}
		}
		return false
	})
	if st := s.status(number); st != "open" {
		t.Fatalf("a forged signal changed the ticket: %s", st)
	}

	// Nor does a sealed answer copied from another ticket's history and sent
	// as it is: it was sealed for that ticket's workflow.
	other, _ := s.file(ticketBody("KSU", "طلب آخر"))
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+other+"/responses", "t-ksu", map[string]any{"message": "الرد"}))
	var copied *commonpb.Payloads
	for _, ev := range historyEvents(t, s, workflows.TicketWorkflowID(other)) {
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetInput().GetName() == workflows.UpdateRespond {
			copied = a.GetAcceptedRequest().GetInput().GetArgs()
		}
	}
	if copied == nil {
		t.Fatal("no respond update in the other ticket's history")
	}
	if _, err := plain.WorkflowService().SignalWorkflowExecution(context.Background(), &workflowservice.SignalWorkflowExecutionRequest{
		Namespace: s.temporal.Namespace(), WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		SignalName: workflows.UpdateRespond, Input: copied, Identity: "replay",
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a workflow task after the replayed signal", func() bool {
		signals := 0
		for _, ev := range historyEvents(t, s, id) {
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signals++
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				if signals == 2 {
					return true
				}
			}
		}
		return false
	})
	if st := s.status(number); st != "open" {
		t.Fatalf("a sealed answer replayed from another ticket changed the ticket: %s", st)
	}
	// And the real answer still goes through.
	s.must(http.StatusOK, s.do("POST", "/api/v1/tickets/"+number+"/responses", "t-ksu", map[string]any{"message": "الرد"}))
}

// codecDecode posts payloads to the codec endpoint with token ("" none).
func (s *system) codecDecode(token string, payloads []byte) response {
	s.t.Helper()
	req, err := http.NewRequest("POST", s.base+"/api/v1/codec/decode", bytes.NewReader(payloads))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", s.temporal.Namespace())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	s.checkContract(req, payloads, false, res, raw)
	return response{Status: res.StatusCode, Header: res.Header, Raw: raw}
}

func historyEvents(t *testing.T, s *system, id string) []*historypb.HistoryEvent {
	t.Helper()
	resp, err := s.app.Client.WorkflowService().GetWorkflowExecutionHistory(context.Background(),
		&workflowservice.GetWorkflowExecutionHistoryRequest{Namespace: s.temporal.Namespace(), Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetHistory().GetEvents()
}

// firstPayloads is the workflow's input as Temporal holds it.
func firstPayloads(t *testing.T, s *system, id string) *commonpb.Payloads {
	t.Helper()
	in := historyEvents(t, s, id)[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	if len(in.GetPayloads()) == 0 {
		t.Fatalf("no input on %s", id)
	}
	return in
}

// historyHolds: raw (JSON with base64 payload data) shows text, in some
// payload's data or in the clear.
func historyHolds(t *testing.T, raw []byte, text string) bool {
	t.Helper()
	return len(findForms(raw, text)) > 0
}

// scanFiles reports which needles appear, in any form, in any file under dir.
func scanFiles(t *testing.T, dir string, needles map[string]string) []string {
	t.Helper()
	var found []string
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for what, n := range needles {
			for _, form := range findForms(b, n) {
				found = append(found, fmt.Sprintf("%s as %s in %s", what, form, filepath.Base(path)))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no Temporal database under %s", dir)
	}
	return found
}

// findForms names the forms in which s appears in b: as it is, JSON-escaped
// (\uXXXX), or inside base64 (standard or URL alphabet) at any alignment.
func findForms(b []byte, s string) []string {
	var forms []string
	if bytes.Contains(b, []byte(s)) {
		forms = append(forms, "plain")
	}
	if esc := jsonEscaped(s); esc != s && bytes.Contains(b, []byte(esc)) {
		forms = append(forms, "JSON-escaped")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, frag := range base64Fragments(enc, []byte(s)) {
			if bytes.Contains(b, []byte(frag)) {
				forms = append(forms, "base64")
				break
			}
		}
	}
	return forms
}

func jsonEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// base64Fragments are the parts of s's base64 that do not depend on the
// bytes around it, for each of the three alignments s may have.
func base64Fragments(enc *base64.Encoding, s []byte) []string {
	var out []string
	for k := range 3 {
		e := strings.TrimRight(enc.EncodeToString(append(make([]byte, k), s...)), "=")
		head := (8*k + 5) / 6 // characters touched by the k leading bytes
		tail := 0
		if (k+len(s))%3 != 0 {
			tail = 1 // the last character depends on what follows
		}
		if len(e)-tail > head {
			out = append(out, e[head:len(e)-tail])
		}
	}
	return out
}
