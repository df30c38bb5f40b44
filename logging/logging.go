// Package logging builds the process logger: slog, JSON by default, with
// personal data masked and secrets dropped whatever the call site passes.
package logging

import (
	"io"
	"log/slog"
	"strings"

	"github.com/tawasul/tawasul/normalize"
)

// New returns a logger writing to w at level ("debug", "info", "warn", "error")
// in format "json" or "text".
func New(w io.Writer, level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level), ReplaceAttr: redact}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// redact masks national IDs and phone numbers and drops secrets, keyed by
// attribute name, so a careless log line cannot leak them.
func redact(_ []string, a slog.Attr) slog.Attr {
	key := strings.ToLower(a.Key)
	switch {
	case strings.Contains(key, "national_id") || key == "iqama":
		return slog.String(a.Key, normalize.MaskID(a.Value.String()))
	case strings.Contains(key, "mobile") || strings.Contains(key, "phone"):
		return slog.String(a.Key, normalize.MaskPhone(a.Value.String()))
	case strings.Contains(key, "token") || strings.Contains(key, "secret") || strings.Contains(key, "password") ||
		key == "authorization" || strings.Contains(key, "tracking_code"):
		return slog.String(a.Key, "[redacted]")
	}
	return a
}
