package config

import (
	"strings"
	"testing"
)

// The survey call list's keys follow the same layers as every other key,
// and nonsense is refused with every problem named.
func TestSurveyCalls(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SurveyCalls; !s.Enabled || s.Share != 0.05 || s.MaxPerDay != 200 || s.At != "05:00" {
		t.Fatalf("survey call defaults: %+v", s)
	}

	file := writeFile(t, "survey_calls:\n  share: 0.1\n  max_per_day: 50\n  at: \"07:30\"\n")
	if c, err = load(t, "--config", file); err != nil {
		t.Fatal(err)
	}
	if h, m, err := c.SurveyCalls.Clock(); err != nil || h != 7 || m != 30 || c.SurveyCalls.Share != 0.1 || c.SurveyCalls.MaxPerDay != 50 {
		t.Fatalf("survey calls from the file: %+v (%d:%d, %v)", c.SurveyCalls, h, m, err)
	}
	t.Setenv("TAWASUL_SURVEY_CALLS_ENABLED", "false")
	t.Setenv("TAWASUL_SURVEY_CALLS_MAX_PER_DAY", "20")
	if c, err = load(t, "--config", file); err != nil {
		t.Fatal(err)
	}
	if c.SurveyCalls.Enabled || c.SurveyCalls.MaxPerDay != 20 || c.SurveyCalls.Share != 0.1 {
		t.Fatalf("environment over the file: %+v", c.SurveyCalls)
	}

	t.Setenv("TAWASUL_SURVEY_CALLS_SHARE", "1.5")
	t.Setenv("TAWASUL_SURVEY_CALLS_MAX_PER_DAY", "0")
	t.Setenv("TAWASUL_SURVEY_CALLS_AT", "25:00")
	_, err = load(t)
	for _, want := range []string{"survey_calls.share", "survey_calls.max_per_day", "survey_calls.at"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// A survey agent's token may be configured like any staff member's.
func TestSurveyAgentIsAKnownRole(t *testing.T) {
	t.Chdir(t.TempDir())
	file := writeFile(t, "auth:\n  tokens:\n    - name: caller-1\n      hash: "+strings.Repeat("ab", 32)+"\n      role: survey_agent\n")
	if _, err := load(t, "--config", file); err != nil {
		t.Fatal(err)
	}
}
