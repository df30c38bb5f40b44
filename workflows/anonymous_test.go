package workflows_test

import (
	"slices"
	"testing"

	"github.com/tawasul/tawasul/workflows"
)

// anonymous files the harness's ticket as an anonymous portal filing: its
// mobile (and e-mail) named by whoever filed, nobody has proven them.
func anonymous(in *workflows.TicketInput) {
	in.MobileUnproven = true
	in.Beneficiary.Email = "victim@example.com"
}

// An anonymous filing naming someone else's mobile and e-mail makes the
// ministry message neither, through the ticket's whole life (answer,
// closing, survey); the timeline and the officials' notices go on as ever.
func TestUnprovenMobileGetsNoMessage(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.edit = anonymous
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	st := h.run()

	if got := h.rec.templates("beneficiary"); len(got) != 0 {
		t.Fatalf("messages to an unproven mobile: %v", got)
	}
	if st.Status != "closed" || len(h.rec.eventsOf(workflows.EventCreated)) != 1 || len(h.rec.eventsOf(workflows.EventResponded)) != 1 {
		t.Fatalf("the ticket's life must go on: %s, timeline %+v", st.Status, h.rec.events())
	}

	// The same life filed proven messages the mobile and the e-mail.
	p := newHarness(t, at(11, 22, 10, 0))
	p.edit = func(in *workflows.TicketInput) { in.Beneficiary.Email = "victim@example.com" }
	p.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	p.run()
	if got := p.rec.templates("beneficiary"); !slices.Contains(got, "created") || !slices.Contains(got, "answered") {
		t.Fatalf("a proven filing's messages: %v", got)
	}
}

// Proven after filing, the ticket messages the beneficiary from then on:
// what was held back (the filing's receipt) is not sent late.
func TestMobileProvenAfterFiling(t *testing.T) {
	h := newHarness(t, at(11, 22, 10, 0))
	h.edit = anonymous
	proof := h.update(at(11, 22, 11, 0), workflows.UpdateProveMobile, workflows.ProveMobileRequest{Actor: workflows.Actor{ID: "beneficiary", Role: "beneficiary"}})
	h.update(at(11, 22, 12, 0), workflows.UpdateRespond, respond("KSU", "answered"))
	h.run()

	if proof.rejected != nil || proof.failed != nil || !proof.done {
		t.Fatalf("proof: %+v", proof)
	}
	got := h.rec.templates("beneficiary")
	if slices.Contains(got, "created") || count(got, "answered") != 2 { // SMS and e-mail
		t.Fatalf("messages: %v, want the answer's (both channels) and not the receipt", got)
	}
}
