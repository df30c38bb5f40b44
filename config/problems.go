package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// decode fills a Config from v and returns every problem at once, in plain
// words: keys the configuration does not know (with the likely intended
// one), values that cannot be read as their key's type, and what Validate
// finds. An operator then fixes the file in one go instead of in rounds.
func decode(v *viper.Viper) (Config, []error) {
	where := "the configuration"
	if f := v.ConfigFileUsed(); f != "" {
		where = f
	}
	problems := unknownKeys(v.AllSettings(), reflect.TypeFor[Config](), "", where)

	var c Config
	err := v.Unmarshal(&c)
	if err != nil {
		bad := badValues(err, v)
		problems = append(problems, bad...)
		// Decode again with the unreadable values at their defaults, so that
		// Validate judges the rest of the file and does not also complain
		// about the zero values the failed keys left behind.
		defaults := viper.New()
		setDefaults(defaults)
		for _, key := range decodeErrorKeys(err) {
			if defaults.IsSet(key) {
				v.Set(key, defaults.Get(key))
			}
		}
		c = Config{}
		if err := v.Unmarshal(&c); err != nil {
			return c, problems // Validate would only repeat them
		}
	}
	return c, append(problems, c.problems()...)
}

// unknownKeys walks the settings beside the Config type and names every key
// the type has no field for. Maps (auth.oidc.roles) take any key; lists of
// structs (auth.tokens) are checked element by element.
func unknownKeys(settings map[string]any, t reflect.Type, prefix, where string) []error {
	var errs []error
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable report
	for _, k := range keys {
		f, ok := fieldByKey(t, k)
		if !ok {
			errs = append(errs, unknownKey(prefix+k, suggest(t, prefix, k), where))
			continue
		}
		switch ft := f.Type; {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Duration]():
			if m, ok := settings[k].(map[string]any); ok {
				errs = append(errs, unknownKeys(m, ft, prefix+k+".", where)...)
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			list, _ := settings[k].([]any)
			for i, e := range list {
				if m, ok := e.(map[string]any); ok {
					errs = append(errs, unknownKeys(m, ft.Elem(), fmt.Sprintf("%s%s[%d].", prefix, k, i), where)...)
				}
			}
		}
	}
	return errs
}

func unknownKey(key, hint, where string) error {
	if hint != "" {
		return fmt.Errorf("unknown key %q in %s (did you mean %q?)", key, where, hint)
	}
	return fmt.Errorf("unknown key %q in %s", key, where)
}

// fieldByKey finds the struct field whose mapstructure tag is key
// (viper lower-cases keys; the tags are lower case).
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ","); tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// suggest names the key k most likely meant: a sibling one or two edits
// away (adr -> addr), else a key of that name elsewhere (level -> log.level).
func suggest(t reflect.Type, prefix, k string) string {
	best, bestDist := "", 3
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("mapstructure"), ",")
		if d := editDistance(k, tag); d < bestDist && d <= len(k)/2 {
			best, bestDist = prefix+tag, d
		}
	}
	if best != "" {
		return best
	}
	for _, key := range Keys() {
		if strings.HasSuffix(key, "."+k) {
			return key
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Keys lists every configuration key the Config type knows, in dotted
// form, in field order. A map (auth.oidc.roles) or a list of structs
// (auth.tokens) is one key.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
				walk(f.Type, prefix+tag+".")
				continue
			}
			keys = append(keys, prefix+tag)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}

// decodeErrorKeys are the keys whose values failed to decode.
func decodeErrorKeys(err error) []string {
	var keys []string
	for _, de := range decodeErrors(err) {
		keys = append(keys, de.Name())
	}
	return keys
}

// decodeErrors flattens mapstructure's joined errors to the innermost
// errors that name a key.
func decodeErrors(err error) []*mapstructure.DecodeError {
	var out []*mapstructure.DecodeError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *mapstructure.DecodeError:
			// A struct's or a list's error wraps its fields' errors:
			// report the fields.
			if inner := e.Unwrap(); errors.As(inner, new(*mapstructure.DecodeError)) {
				walk(inner)
				return
			}
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// badValues says, per key, which value could not be read and what was
// expected, without echoing values of keys that hold secrets.
func badValues(err error, v *viper.Viper) []error {
	des := decodeErrors(err)
	if len(des) == 0 {
		return []error{fmt.Errorf("decoding configuration: %w", err)}
	}
	var errs []error
	for _, de := range des {
		key := de.Name()
		want := expected(key)
		val := v.Get(key)
		switch {
		case want == "":
			errs = append(errs, fmt.Errorf("%s: %v", key, errors.Unwrap(de)))
		case secretKey(key) || val == nil:
			errs = append(errs, fmt.Errorf("%s: the value is not %s", key, want))
		default:
			errs = append(errs, fmt.Errorf("%s: %s is not %s", key, strconv.Quote(fmt.Sprint(val)), want))
		}
	}
	return errs
}

// expected describes in words what a key's type accepts ("" when the key
// is not a plain field, such as an element of a list).
func expected(key string) string {
	t := reflect.TypeFor[Config]()
	var f reflect.StructField
	for _, part := range strings.Split(key, ".") {
		var ok bool
		if t.Kind() != reflect.Struct {
			return ""
		}
		if f, ok = fieldByKey(t, part); !ok {
			return ""
		}
		t = f.Type
	}
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a duration such as 30s, 5m or 1h"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a mapping of keys to values"
	}
	return ""
}

// secretKey: keys whose values must never be shown, even when wrong.
func secretKey(key string) bool {
	return slices.Contains([]string{"secrets.tracking", "notify.sms.password", "notify.sms.token", "notify.email.password"}, key)
}
