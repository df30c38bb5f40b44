package api

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/tawasul/tawasul/store"
	"github.com/tawasul/tawasul/workflows"
)

// startInput is the workflow input the filing of number started with.
func (f *fixture) startInput(number string) workflows.TicketInput {
	f.t.Helper()
	for _, s := range f.tc.startCalls() {
		if in, ok := s.args[0].(workflows.TicketInput); ok && in.Number == number {
			return in
		}
	}
	f.t.Fatalf("no workflow started for %s", number)
	return workflows.TicketInput{}
}

func (f *fixture) row(number string) store.Ticket {
	f.t.Helper()
	t, err := f.store.GetTicket(context.Background(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func ownNumbers(l ownList) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Number)
	}
	return out
}

// Anyone may file on the portal naming any mobile. Filed so, naming a
// victim's mobile, the ticket is not the victim's: its workflow is told the
// mobile is unproven (it messages neither the mobile nor the e-mail:
// workflows.TestUnprovenMobileGetsNoMessage), the victim signed in does not
// see it, and its tracking code plants no document; it still tracks and
// acts. Signed in to another mobile, the filer cannot make it theirs.
func TestAnonymousFilingCannotPlant(t *testing.T) {
	f := newFixture(t)
	f.tc.update = func(client.UpdateWorkflowOptions) (any, error) { return workflows.TicketState{}, nil }
	mine := f.file("") // the victim's own ticket, proven
	bad := f.fileAnonymous("", func(m map[string]any) {
		m["subject"] = "PLANTED"
		benef(m)["name"], benef(m)["email"] = "خالد الحربي", "victim@example.com"
	})

	if in := f.startInput(bad.Number); !in.MobileUnproven {
		t.Fatalf("the workflow of an anonymous filing was told its mobile is proven: %+v", in)
	}
	if f.row(bad.Number).MobileProvenAt != nil {
		t.Fatal("an anonymous filing's row says its mobile is proven")
	}

	victim := f.signIn(mobileA)
	if got := ownNumbers(f.listOwn(victim, "")); !slices.Equal(got, []string{mine.Number}) {
		t.Fatalf("the victim's list: %v, want only %s", got, mine.Number)
	}
	f.do(req{method: "GET", path: "/api/v1/beneficiary/tickets/" + bad.Number, token: victim}).expectProblem(http.StatusNotFound, codeNotFound)
	f.uploadBeneficiary(bad.Number, victim, "", "filing", "a.pdf", samplePDF).expectProblem(http.StatusNotFound, codeNotFound)

	// The tracking code reads and acts, but uploads nothing.
	f.do(req{method: "GET", path: "/api/v1/track/" + bad.Number, headers: map[string]string{trackingHeader: bad.TrackingCode}}).expect(http.StatusOK)
	f.uploadBeneficiary(bad.Number, "", bad.TrackingCode, "filing", "a.pdf", samplePDF).expectProblem(http.StatusForbidden, codeMobileUnproven)
	if rows, files := f.attachmentRows(bad.Number), f.storedFiles(); len(rows) != 0 || len(files) != 0 {
		t.Fatalf("an unproven filing kept %d rows and %d files", len(rows), len(files))
	}

	// The filer signed in to their own mobile cannot verify the victim's.
	f.file("", func(m map[string]any) {
		benef(m)["mobile"], benef(m)["name"], benef(m)["national_id"] = mobileB, "خالد الحربي", validID("112233445")
	})
	filer := f.signIn(mobileB)
	f.do(req{method: "POST", path: "/api/v1/beneficiary/tickets/" + bad.Number + "/verify", token: filer,
		headers: map[string]string{trackingHeader: bad.TrackingCode}}).expectProblem(http.StatusNotFound, codeNotFound)
	// Nor the victim without the code, or with a wrong one.
	f.do(req{method: "POST", path: "/api/v1/beneficiary/tickets/" + bad.Number + "/verify", token: victim}).
		expectProblem(http.StatusBadRequest, codeTrackingCodeRequired)
	f.do(req{method: "POST", path: "/api/v1/beneficiary/tickets/" + bad.Number + "/verify", token: victim,
		headers: map[string]string{trackingHeader: mine.TrackingCode}}).expectProblem(http.StatusNotFound, codeNotFound)
	if f.row(bad.Number).MobileProvenAt != nil || len(f.tc.updateCalls()) != 0 {
		t.Fatalf("a refused verification proved the mobile (updates %d)", len(f.tc.updateCalls()))
	}
	if got := ownNumbers(f.listOwn(victim, "")); !slices.Equal(got, []string{mine.Number}) {
		t.Fatalf("the victim's list after the attempts: %v", got)
	}
}

// Filed anonymously by the mobile's own holder, the ticket becomes theirs
// once they sign in to the mobile and verify it with its tracking code: the
// workflow hears it, the ticket joins their list and takes their uploads.
func TestAnonymousFilingVerified(t *testing.T) {
	f := newFixture(t)
	f.tc.update = func(client.UpdateWorkflowOptions) (any, error) { return workflows.TicketState{}, nil }
	c := f.fileAnonymous("")
	token := f.signIn(mobileA) // the filing itself lets the code be sent
	if got := f.listOwn(token, ""); len(got.Items) != 0 {
		t.Fatalf("listed before verifying: %v", ownNumbers(got))
	}
	verify := req{method: "POST", path: "/api/v1/beneficiary/tickets/" + c.Number + "/verify", token: token,
		headers: map[string]string{trackingHeader: c.TrackingCode}}
	f.do(verify).expect(http.StatusOK)
	ups := f.tc.updateCalls()
	if len(ups) != 1 || ups[0].opts.UpdateName != workflows.UpdateProveMobile || ups[0].opts.WorkflowID != workflows.TicketWorkflowID(c.Number) {
		t.Fatalf("updates: %+v", ups)
	}
	if f.row(c.Number).MobileProvenAt == nil {
		t.Fatal("the row is not proven")
	}
	f.do(verify).expect(http.StatusOK) // again: nothing more to tell the workflow
	if n := len(f.tc.updateCalls()); n != 1 {
		t.Fatalf("%d updates after verifying twice", n)
	}
	if got := ownNumbers(f.listOwn(token, "")); !slices.Equal(got, []string{c.Number}) {
		t.Fatalf("the list after verifying: %v", got)
	}
	f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "a.pdf", samplePDF).expect(http.StatusCreated)
	f.uploadBeneficiary(c.Number, token, "", "filing", "b.pdf", samplePDF).expect(http.StatusCreated)
}

// A beneficiary signed in files with their session, for their own mobile
// only, and the filing is proven at once: as before the rule, it messages
// the mobile, lists and takes uploads. Staff filings are proven too, but
// for a call-center caller taken on their word.
func TestFileSignedIn(t *testing.T) {
	f := newFixture(t)
	f.file("") // so that a code can be sent to A
	token := f.signIn(mobileA)

	r := f.do(req{method: "POST", path: "/api/v1/tickets", body: ticketBody(), token: token})
	r.expect(http.StatusCreated)
	var c created
	r.json(&c)
	if loc := r.Header().Get("Location"); loc != "/api/v1/beneficiary/tickets/"+c.Number {
		t.Errorf("Location %q", loc)
	}
	if in := f.startInput(c.Number); in.MobileUnproven || f.row(c.Number).MobileProvenAt == nil {
		t.Fatalf("a filing signed in is not proven: input %+v", in)
	}
	if got := ownNumbers(f.listOwn(token, "")); !slices.Contains(got, c.Number) {
		t.Fatalf("not listed: %v", got)
	}
	f.uploadBeneficiary(c.Number, "", c.TrackingCode, "filing", "a.pdf", samplePDF).expect(http.StatusCreated)

	p := f.do(req{method: "POST", path: "/api/v1/tickets", token: token,
		body: ticketBody(func(m map[string]any) { benef(m)["mobile"] = mobileB })}).expectProblem(http.StatusUnprocessableEntity, codeValidation)
	if got := fieldCodes(p); got["beneficiary.mobile"] != fieldNotYourMobile {
		t.Fatalf("another mobile signed in: %v", got)
	}

	for verification, proven := range map[string]bool{"registered_mobile": true, "absher_otp": true, "unverified": false} {
		c := f.file(testTokens["agent"], func(m map[string]any) {
			m["channel"], m["channel_details"] = "call_center", map[string]any{"verification": verification}
		})
		row, in := f.row(c.Number), f.startInput(c.Number)
		if (row.MobileProvenAt != nil) != proven || in.MobileUnproven == proven {
			t.Errorf("call center, %s: row proven at %v, workflow told unproven %v; want proven %v",
				verification, row.MobileProvenAt, in.MobileUnproven, proven)
		}
	}
	c = f.file(testTokens["reception"], func(m map[string]any) { m["channel"] = "walk_in" })
	if f.row(c.Number).MobileProvenAt == nil {
		t.Error("a walk-in filing is not proven")
	}
}
