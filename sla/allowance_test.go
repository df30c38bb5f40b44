package sla

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseAllowance(t *testing.T) {
	tests := []struct {
		in        string
		want      Allowance
		canonical string
	}{
		{"2d", Allowance{Days: 2}, "2d"},
		{"4h", Allowance{Duration: 4 * time.Hour}, "4h"},
		{"1d4h", Allowance{Days: 1, Duration: 4 * time.Hour}, "1d4h"},
		{"90m", Allowance{Duration: 90 * time.Minute}, "1h30m"},
		{"30s", Allowance{Duration: 30 * time.Second}, "30s"},
		{"1d2h30m", Allowance{Days: 1, Duration: 2*time.Hour + 30*time.Minute}, "1d2h30m"},
		{"1.5h", Allowance{Duration: 90 * time.Minute}, "1h30m"},
		{"30h", Allowance{Duration: 30 * time.Hour}, "30h"}, // hours never fold into days
		{"10d", Allowance{Days: 10}, "10d"},
		{"2h0m5s", Allowance{Duration: 2*time.Hour + 5*time.Second}, "2h5s"},
		{"0s", Allowance{}, "0s"},
		{"0d", Allowance{}, "0s"},
		{"3650d", Allowance{Days: 3650}, "3650d"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAllowance(tt.in)
			if err != nil {
				t.Fatalf("ParseAllowance(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseAllowance(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.canonical {
				t.Fatalf("String() = %q, want %q", s, tt.canonical)
			}
			back, err := ParseAllowance(got.String())
			if err != nil || back != got {
				t.Fatalf("round trip of %q: got %+v, %v", got.String(), back, err)
			}
		})
	}
}

func TestParseAllowanceRejects(t *testing.T) {
	for _, in := range []string{
		"", " ", "2", "d", "-1d", "-4h", "+4h", "1d-4h", "1d+4h", "1.5d", "2 d", " 2d", "2d ",
		"2x", "1h2d", "1d1d", "abc", "1dd", "500ms", "1h0.5s", "3651d", "99999999999999999999d",
		"240001h",
	} {
		a, err := ParseAllowance(in)
		if err == nil {
			t.Errorf("ParseAllowance(%q) = %+v, want error", in, a)
			continue
		}
		if !errors.Is(err, ErrInvalidAllowance) {
			t.Errorf("ParseAllowance(%q) error %v does not wrap ErrInvalidAllowance", in, err)
		}
	}
}

func TestAllowancePositive(t *testing.T) {
	tests := []struct {
		a    Allowance
		want bool
	}{
		{Allowance{}, false},
		{Allowance{Days: 1}, true},
		{Allowance{Duration: time.Second}, true},
		{Allowance{Days: -1}, false},
		{Allowance{Duration: -time.Hour}, false},
		{Allowance{Days: 2, Duration: -time.Hour}, false},
		{Allowance{Days: -1, Duration: 30 * time.Hour}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Positive(); got != tt.want {
			t.Errorf("%+v.Positive() = %v, want %v", tt.a, got, tt.want)
		}
	}
}

func TestAllowanceJSON(t *testing.T) {
	type doc struct {
		A Allowance  `json:"a"`
		P *Allowance `json:"p"`
	}
	in := doc{A: Allowance{Days: 1, Duration: 4 * time.Hour}, P: &Allowance{Duration: 90 * time.Minute}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":"1d4h","p":"1h30m"}` {
		t.Fatalf("marshal = %s", b)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.A != in.A || out.P == nil || *out.P != *in.P {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}

	for _, bad := range []string{`{"a":"-2d"}`, `{"a":2}`, `{"a":"soon"}`, `{"a":{}}`} {
		var d doc
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded: %+v", bad, d)
		}
	}
	// null keeps what was there, like encoding/json does for other types.
	keep := doc{A: Allowance{Days: 3}}
	if err := json.Unmarshal([]byte(`{"a":null}`), &keep); err != nil || keep.A != (Allowance{Days: 3}) {
		t.Fatalf("null: %+v, %v", keep, err)
	}

	for _, invalid := range []Allowance{{Days: -1}, {Duration: -time.Second}, {Duration: time.Millisecond}} {
		if b, err := json.Marshal(invalid); err == nil {
			t.Errorf("Marshal(%+v) = %s, want error (would not parse back)", invalid, b)
		}
	}
}
