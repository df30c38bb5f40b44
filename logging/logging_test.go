package logging

import (
	"bytes"
	"strings"
	"testing"
)

func TestPersonalDataMaskedAndSecretsDropped(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "info", "json")
	log.Info("filed", "national_id", "1234567890", "beneficiary_mobile", "+966512345678",
		"token", "s3cr3t-token", "tracking_code", "ABCD2345EFGH", "ticket", "2026-000001")
	out := buf.String()
	for _, leak := range []string{"1234567890", "+966512345678", "s3cr3t-token", "ABCD2345EFGH"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "2026-000001") || !strings.Contains(out, "[redacted]") {
		t.Errorf("log lost ordinary fields or redaction marker: %s", out)
	}
}

func TestLevelFiltering(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "warn", "text")
	log.Info("quiet")
	log.Warn("loud")
	if strings.Contains(buf.String(), "quiet") || !strings.Contains(buf.String(), "loud") {
		t.Fatalf("level filter: %s", buf.String())
	}
}
