package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tawasul/tawasul/loadgen"
)

// TestLoadgen drives a real system (embedded Temporal, worker, API, SQLite
// read model) with `tawasul loadgen`'s engine: an intake run and a lifecycle
// run must pass the end check, and the same check must fail when told of a
// ticket that does not exist.
func TestLoadgen(t *testing.T) {
	sys := start(t, "sqlite://"+t.TempDir()+"/tawasul.db", "sqlite")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rm := loadgen.DBReadModel{Store: sys.app.Store}
	base := loadgen.Options{
		Target: sys.base, Concurrency: 8, Seed: 1, FileToken: "t-agent", AdminToken: "t-admin",
		Coordinators: map[string]string{"KSU": "t-ksu", "KAU": "t-kau"},
		Retries:      3, Check: true, Settle: 20 * time.Second, Temporal: sys.app.Client, ReadModel: rm,
	}

	intake := base
	intake.Mode, intake.N, intake.RunID = loadgen.ModeIntake, 50, "e2eintake"
	rep, err := loadgen.Run(ctx, intake)
	if err != nil {
		t.Fatalf("intake run: %v", err)
	}
	if !rep.Passed || rep.Check == nil || rep.Check.Accepted != 50 || rep.Check.Rows != 50 || rep.Check.Workflows != 50 {
		t.Fatalf("intake: %s\n%+v", rep.Summary(), rep.Check)
	}
	if !strings.HasPrefix(rep.Check.Temporal, "visibility count") {
		t.Errorf("workflows counted by %q, want visibility", rep.Check.Temporal)
	}

	life := base
	life.Mode, life.N, life.RunID = loadgen.ModeLifecycle, 20, "e2elife"
	life.ObjectionShare, life.WithdrawalShare, life.ObjectionWindow = 0.3, 0.2, 3*time.Second
	rep, err = loadgen.Run(ctx, life)
	if err != nil {
		t.Fatalf("lifecycle run: %v", err)
	}
	f := rep.Lifecycle.Fates
	if !rep.Passed || rep.Check.Accepted != 20 || len(rep.Check.WrongStatus) != 0 ||
		f[loadgen.FateObjected] == 0 || f[loadgen.FateWithdrawn] == 0 || f[loadgen.FateAnswered] == 0 {
		t.Fatalf("lifecycle: %s\n%+v\nfates %v", rep.Summary(), rep.Check, f)
	}
	if rep.TestPolicy == 0 || rep.PolicyRestored <= rep.TestPolicy {
		t.Errorf("test policy v%d, restored as v%d", rep.TestPolicy, rep.PolicyRestored)
	}
	if got := rep.Ops["object"].OK; got != f[loadgen.FateObjected] {
		t.Errorf("%d objections accepted for %d objected tickets", got, f[loadgen.FateObjected])
	}

	// A burst (deadlines a few seconds after each filing, so the test need
	// not wait for a minute boundary) measured against bare timers.
	burst := base
	burst.Mode, burst.N, burst.RunID = loadgen.ModeBurst, 20, "e2eburst"
	burst.BurstAllowance, burst.WithCeiling, burst.Check = 5*time.Second, true, false
	rep, err = loadgen.Run(ctx, burst)
	if err != nil {
		t.Fatalf("burst run: %v", err)
	}
	b, tc := rep.Burst, rep.TimerCeiling
	if !rep.Passed || b == nil || b.Aligned || b.Escalated != 20 || tc == nil || tc.Fired != 20 || tc.Lateness.Count != 20 ||
		rep.Ratios["burst_p99_lateness_per_timer_p99"] <= 0 {
		t.Fatalf("burst: %s\n%+v\n%+v", rep.Summary(), b, tc)
	}

	// The intake run's tickets, plus one number nobody filed: the check
	// must name it, missing from the read model and from Temporal.
	rows, err := rm.RunRows(ctx, "e2eintake")
	if err != nil || len(rows) != 50 {
		t.Fatalf("rows of the intake run: %d, %v", len(rows), err)
	}
	acc := loadgen.NewAccepted()
	for i, r := range rows {
		acc.Add(i, loadgen.Created{Number: r.Number}, false)
	}
	// Through the API (how an in-memory dev system is checked) the same run agrees.
	viaAPI := loadgen.APIReadModel{Client: loadgen.NewClient(sys.base, 4, 10*time.Second, 2), Token: "t-admin"}
	if rep, err := (loadgen.Checker{ReadModel: viaAPI, Temporal: sys.app.Client, Conc: 8}).Check(ctx, "e2eintake", acc); err != nil || !rep.Passed || rep.Rows != 50 {
		t.Fatalf("check through the API: %+v, %v", rep, err)
	}
	acc.Inject("2026-999999")
	chk := loadgen.Checker{ReadModel: rm, Temporal: sys.app.Client, Settle: 2 * time.Second, Conc: 8}
	broken, err := chk.Check(ctx, "e2eintake", acc)
	if err != nil {
		t.Fatal(err)
	}
	if broken.Passed || broken.Accepted != 51 || broken.Rows != 50 || broken.Workflows != 50 ||
		len(broken.LostRows) != 1 || broken.LostRows[0] != "2026-999999" ||
		len(broken.LostWorkflows) != 1 || broken.LostWorkflows[0] != "2026-999999" {
		t.Fatalf("broken check: %+v", broken)
	}
}
