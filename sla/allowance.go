package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidAllowance is wrapped by every allowance parsing error.
var ErrInvalidAllowance = errors.New("sla: invalid allowance")

// maxAllowanceDays bounds both parts of an allowance so that no arithmetic on
// it (days × 24h + duration) can overflow time.Duration. Ten years is far
// beyond any service level a ministry would promise.
const maxAllowanceDays = 3650

const maxAllowanceDuration = maxAllowanceDays * 24 * time.Hour

// ParseAllowance reads "2d", "4h", "1d4h", "90m", "30s", "1d2h30m": an optional
// days part "<n>d" followed by an optional Go duration. Zero ("0s", "0d") parses;
// whether zero is acceptable is the caller's (Validate's) business. Signs,
// whitespace and sub-second precision are rejected so that every accepted value
// has a canonical String form.
func ParseAllowance(s string) (Allowance, error) {
	if s == "" {
		return Allowance{}, fmt.Errorf("%w: empty", ErrInvalidAllowance)
	}
	var a Allowance
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		digits := s[:i]
		if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
			return Allowance{}, fmt.Errorf("%w %q: days must be a whole number before \"d\"", ErrInvalidAllowance, s)
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n > maxAllowanceDays {
			return Allowance{}, fmt.Errorf("%w %q: at most %d days", ErrInvalidAllowance, s, maxAllowanceDays)
		}
		a.Days = n
		rest = s[i+1:]
	}
	if rest != "" {
		// time.ParseDuration accepts a leading sign; an allowance has none.
		if c := rest[0]; c == '+' || c == '-' {
			return Allowance{}, fmt.Errorf("%w %q: must not be signed", ErrInvalidAllowance, s)
		}
		d, err := time.ParseDuration(rest)
		if err != nil {
			return Allowance{}, fmt.Errorf("%w %q: %w", ErrInvalidAllowance, s, err)
		}
		if d%time.Second != 0 {
			return Allowance{}, fmt.Errorf("%w %q: precision finer than a second", ErrInvalidAllowance, s)
		}
		if d > maxAllowanceDuration {
			return Allowance{}, fmt.Errorf("%w %q: too long", ErrInvalidAllowance, s)
		}
		a.Duration = d
	}
	return a, nil
}

// MustParseAllowance is ParseAllowance for literals in code and tests.
func MustParseAllowance(s string) Allowance {
	a, err := ParseAllowance(s)
	if err != nil {
		panic(err)
	}
	return a
}

// valid reports whether a is something ParseAllowance could have returned.
func (a Allowance) valid() bool {
	return a.Days >= 0 && a.Days <= maxAllowanceDays &&
		a.Duration >= 0 && a.Duration <= maxAllowanceDuration &&
		a.Duration%time.Second == 0
}

// IsZero reports whether the allowance is unset (JSON omitzero leaves it out).
func (a Allowance) IsZero() bool { return a.Days == 0 && a.Duration == 0 }

// Positive reports whether the allowance grants some time and has no negative part.
func (a Allowance) Positive() bool {
	return a.Days >= 0 && a.Duration >= 0 && (a.Days > 0 || a.Duration > 0)
}

// String returns the canonical form: days, then hours, minutes and seconds,
// each only when non-zero ("1d2h30m", "90m" prints as "1h30m"); zero is "0s".
// Hours are never folded into days: on the business clock a day is not 24h.
func (a Allowance) String() string {
	if !a.valid() {
		// Not parseable back, but readable in error messages.
		return fmt.Sprintf("%dd%s", a.Days, a.Duration)
	}
	if a.Days == 0 && a.Duration == 0 {
		return "0s"
	}
	var b strings.Builder
	if a.Days > 0 {
		b.WriteString(strconv.Itoa(a.Days))
		b.WriteByte('d')
	}
	d := a.Duration
	for _, u := range []struct {
		unit   time.Duration
		suffix byte
	}{{time.Hour, 'h'}, {time.Minute, 'm'}, {time.Second, 's'}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteByte(u.suffix)
			d -= n * u.unit
		}
	}
	return b.String()
}

// MarshalText refuses values that would not parse back, so that whatever is
// stored can always be read again.
func (a Allowance) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("%w: %s", ErrInvalidAllowance, a)
	}
	return []byte(a.String()), nil
}

func (a *Allowance) UnmarshalText(b []byte) error {
	v, err := ParseAllowance(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

func (a Allowance) MarshalJSON() ([]byte, error) {
	b, err := a.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON accepts only a JSON string; null leaves the value unchanged,
// as encoding/json does for other types.
func (a *Allowance) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: want a string such as \"2d\" or \"4h\"", ErrInvalidAllowance)
	}
	return a.UnmarshalText([]byte(s))
}
