package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tawasul/tawasul/workflows"
)

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return tm
}

func closeTo(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Millisecond && d < time.Millisecond
}

// A new policy applied to 100 open tickets: each recomputes its deadline from
// filing under the new allowance, and a ticket already at escalation level 2
// gets level 2's new allowance counted from when its rung began.
func TestPolicyRolloutToOpenTickets(t *testing.T) {
	readModels(t, func(t *testing.T, s *system) {
		// Policy A: the first answer and rung 1 get a second, rung 2 an hour.
		a := secondsPolicy("1s", "1h")
		ladder := a["ladder"].([]map[string]any)
		for i := 1; i < len(ladder); i++ {
			ladder[i]["allowance"] = "1h"
		}
		s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", a))
		climber, _ := s.file(ticketBody("KSU", "already at level 2"))
		waitFor(t, 30*time.Second, "level 2", func() bool { return num(s.ticket(climber).Body["escalation_level"]) == 2 })

		// Policy B: an hour for everything; 100 tickets filed under it wait.
		s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", secondsPolicy("1h", "1h")))
		numbers := make([]string, 100)
		var wg sync.WaitGroup
		for w := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(numbers); i += 10 {
					r := s.do("POST", "/api/v1/tickets", "t-agent", ticketBody("KAU", fmt.Sprintf("rollout %d", i)))
					if r.Status != http.StatusCreated {
						t.Errorf("create: %d %s", r.Status, r.Raw)
						return
					}
					numbers[i] = str(r.Body["number"])
				}
			}()
		}
		wg.Wait()

		// Policy C: two hours for the first answer, three for rung 2. Roll it out.
		c := secondsPolicy("2h", "1h")
		c["ladder"].([]map[string]any)[1]["allowance"] = "3h"
		version := num(s.must(http.StatusCreated, s.do("PUT", "/api/v1/policies", "t-admin", c)).Body["version"])
		path := fmt.Sprintf("/api/v1/policies/%d/rollout", version)
		r := s.must(http.StatusAccepted, s.do("POST", path, "t-admin", map[string]any{"per_second": 200}))
		if str(r.Body["workflow_id"]) != workflows.PolicyRolloutWorkflowID(version) {
			t.Fatalf("roll-out: %s", r.Raw)
		}
		// The figures are read from the answer that says finished: another
		// read queries a closed workflow, which a busy worker must replay
		// first, and may answer 503 (retry) on a loaded machine.
		var done response
		waitFor(t, 60*time.Second, "the roll-out to finish", func() bool {
			done = s.do("GET", path, "t-admin", nil)
			return done.Status == http.StatusOK && done.Body["finished"] == true
		})
		if num(done.Body["sent"]) != 101 {
			t.Fatalf("roll-out reached %v tickets, want 101: %s", done.Body["sent"], done.Raw)
		}

		for _, n := range numbers {
			var tk response
			waitFor(t, 30*time.Second, "policy on "+n, func() bool {
				tk = s.ticket(n)
				return num(tk.Body["policy_version"]) == version
			})
			want := parseTime(t, tk.Body["created_at"]).Add(2 * time.Hour)
			if got := parseTime(t, tk.Body["sla_due_at"]); !closeTo(got, want) {
				t.Fatalf("ticket %s: deadline %s, want %s", n, got, want)
			}
		}
		var tk response
		waitFor(t, 30*time.Second, "policy on the climber", func() bool {
			tk = s.ticket(climber)
			return num(tk.Body["policy_version"]) == version
		})
		var rungStart time.Time
		for _, it := range tk.Body["timeline"].([]any) {
			m := it.(map[string]any)
			if str(m["type"]) == workflows.EventEscalated && num(m["level"]) == 2 {
				rungStart = parseTime(t, m["at"])
			}
		}
		if num(tk.Body["escalation_level"]) != 2 || rungStart.IsZero() {
			t.Fatalf("climber: %s", tk.Raw)
		}
		if got, want := parseTime(t, tk.Body["sla_due_at"]), rungStart.Add(3*time.Hour); !closeTo(got, want) {
			t.Fatalf("climber deadline %s, want %s (level 2 began %s)", got, want, rungStart)
		}
		if types := timelineTypes(tk); types[len(types)-1] != workflows.EventPolicy {
			t.Fatalf("the switch is not on the timeline: %v", types)
		}
		if s.dialect == "sqlite" {
			recordHistory(t, s.app, workflows.PolicyRolloutWorkflowID(version), "rollout_policy")
			recordHistory(t, s.app, workflows.TicketWorkflowID(climber), "ticket_policy_applied")
		}
	})
}
