package trackcode

import (
	"strings"
	"testing"
)

func TestNewUsesTheAlphabet(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := New()
		if len(c) != 12 || strings.Trim(c, Alphabet) != "" {
			t.Fatalf("code %q: want 12 characters of %q", c, Alphabet)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice in 200", c)
		}
		seen[c] = true
	}
}

func TestCanonicalForgivesCopying(t *testing.T) {
	for in, want := range map[string]string{
		"abcd-efgh 2345": "ABCDEFGH2345",
		"٢٣٤٥\tXY":       "2345XY",
		"ABC":            "ABC",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHashesAreKeyed(t *testing.T) {
	a, b, none := NewKeys([]byte("one")), NewKeys([]byte("two")), Keys{}
	if a.TrackingHash("X") == b.TrackingHash("X") {
		t.Fatal("tracking hash does not depend on the secret")
	}
	if none.TrackingHash("X") != SHA256Hex("X") {
		t.Fatal("without a secret the tracking hash should be a plain SHA-256")
	}
	if a.Hash("l", "p") == a.Hash("m", "p") || a.Hash("l", "p", "q") == a.Hash("l", "pq") {
		t.Fatal("labels or parts run together")
	}
}

func TestSealOpensOnlyWithItsKeyAndRow(t *testing.T) {
	k := NewKeys([]byte("secret"))
	sealed, err := k.Seal(SealTrackingCode, "raw-key", "row-hash", "CODE12345678")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "CODE12345678") {
		t.Fatal("code visible in sealed bytes")
	}
	got, err := k.Open(SealTrackingCode, "raw-key", "row-hash", sealed)
	if err != nil || got != "CODE12345678" {
		t.Fatalf("open = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"other raw key": func() (string, error) { return k.Open(SealTrackingCode, "other", "row-hash", sealed) },
		"other row":     func() (string, error) { return k.Open(SealTrackingCode, "raw-key", "other", sealed) },
		"other use":     func() (string, error) { return k.Open(SealSessionMobile, "raw-key", "row-hash", sealed) },
		"other secret": func() (string, error) {
			return NewKeys([]byte("x")).Open(SealTrackingCode, "raw-key", "row-hash", sealed)
		},
		"truncated": func() (string, error) { return k.Open(SealTrackingCode, "raw-key", "row-hash", sealed[:3]) },
	} {
		if _, err := open(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
