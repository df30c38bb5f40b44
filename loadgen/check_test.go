package loadgen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/domain"
)

type fakeRM struct{ rows []Row }

func (f fakeRM) Name() string { return "fake" }
func (f fakeRM) RunRows(_ context.Context, run string) ([]Row, error) {
	var out []Row
	for _, r := range f.rows {
		if strings.Contains(r.Subject, runFragment(run)) {
			out = append(out, r)
		}
	}
	return out, nil
}

func row(number, run string, seq int, status domain.Status) Row {
	started := true
	return Row{Number: number, Subject: fmt.Sprintf("شكوى [lg-%s-%06d]", run, seq), Status: status, WorkflowStarted: &started}
}

func accepted(numbers ...string) *Accepted {
	a := NewAccepted()
	for i, n := range numbers {
		a.Add(i, Created{Number: n}, false)
	}
	return a
}

func TestCheckPasses(t *testing.T) {
	rm := fakeRM{rows: []Row{row("2026-000001", "r", 0, "open"), row("2026-000002", "r", 1, "open"),
		row("2026-000003", "other", 0, "open")}}
	rep, err := Checker{ReadModel: rm}.Check(context.Background(), "r", accepted("2026-000001", "2026-000002"))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Accepted != 2 || rep.Rows != 2 || len(rep.Problems) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(rep.Temporal, "not checked") {
		t.Fatalf("Temporal %q", rep.Temporal)
	}
}

func TestCheckFinds(t *testing.T) {
	unstarted := row("2026-000004", "r", 3, "open")
	f := false
	unstarted.WorkflowStarted = &f
	rm := fakeRM{rows: []Row{
		row("2026-000001", "r", 0, "open"),
		row("2026-000002", "r", 1, "open"),
		row("2026-000009", "r", 1, "open"), // a second row for filing 1
		unstarted,
	}}
	acc := accepted("2026-000001", "2026-000002", "2026-000003", "2026-000004")
	acc.Add(7, Created{Number: "2026-000001"}, true) // one number for two filings, and a first-attempt replay
	ch := Checker{ReadModel: rm, Settle: 1500 * time.Millisecond,
		Expect: func(n string) []domain.Status {
			if n == "2026-000002" {
				return []domain.Status{domain.StatusClosed}
			}
			return nil
		}}
	began := time.Now()
	rep, err := ch.Check(context.Background(), "r", acc)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(began) < time.Second {
		t.Error("a failing check did not wait for the settle time")
	}
	if rep.Passed {
		t.Fatalf("passed: %+v", rep)
	}
	want := map[string]bool{
		"lost":       len(rep.LostRows) == 1 && rep.LostRows[0] == "2026-000003",
		"extra":      len(rep.Extra) == 1 && rep.Extra[0] == "2026-000009",
		"unstarted":  rep.Unstarted == 1,
		"status":     len(rep.WrongStatus) == 1 && strings.HasPrefix(rep.WrongStatus[0], "2026-000002 is open"),
		"duplicates": len(rep.Duplicates) == 3,
	}
	for what, ok := range want {
		if !ok {
			t.Errorf("%s not reported: %+v", what, rep)
		}
	}
	// One of a kind reads as one ("1 row ... was"), not "1 rows ... were".
	for _, p := range []string{"1 accepted ticket has no row in the read model",
		"1 row of this run was never accepted (created without a 201)", "3 duplicates",
		"1 row still waits for its workflow start", "1 ticket did not end in the expected status"} {
		if !slices.Contains(rep.Problems, p) {
			t.Errorf("problems %q lack %q", rep.Problems, p)
		}
	}
}

func TestCheckInjectedNumberFails(t *testing.T) {
	rm := fakeRM{rows: []Row{row("2026-000001", "r", 0, "open")}}
	acc := accepted("2026-000001")
	acc.Inject("2026-999999")
	rep, err := Checker{ReadModel: rm}.Check(context.Background(), "r", acc)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed || len(rep.LostRows) != 1 || rep.LostRows[0] != "2026-999999" {
		t.Fatalf("report %+v", rep)
	}
}

func TestFirstN(t *testing.T) {
	var xs []string
	for i := range 25 {
		xs = append(xs, fmt.Sprint(i))
	}
	got := firstN(xs)
	if len(got) != maxListed+1 || got[maxListed] != "… and 5 more" {
		t.Fatalf("%v", got)
	}
}
