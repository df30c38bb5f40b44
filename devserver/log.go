package devserver

import (
	"context"
	"log/slog"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.uber.org/zap/zapcore"
)

// serverLogger adapts the server's tag-based log.Logger to slog. The server
// logs thousands of INFO lines during a normal start (shard acquisition,
// membership, queue processors), none of which help someone running
// `tawasul dev`, so only WARN and above are passed on.
//
// While the server stops (stopping set), its warnings are dropped too: its
// own shutdown cuts every poll and connection of its internal workers, and
// each says so ("Failed to poll for task", "network dial error"), a screen
// of warnings after every Ctrl-C that reports nothing wrong. Errors still
// pass.
type serverLogger struct {
	out      *slog.Logger
	attrs    []slog.Attr  // from With; kept as attrs so each record pays for them once
	stopping *atomic.Bool // nil: never stopping
}

var (
	_ log.Logger      = serverLogger{}
	_ log.WithLogger  = serverLogger{}
	_ log.SLogWrapper = serverLogger{}
)

func newServerLogger(out *slog.Logger, stopping *atomic.Bool) serverLogger {
	return serverLogger{out: out, stopping: stopping}
}

func (serverLogger) Debug(string, ...tag.Tag) {}
func (serverLogger) Info(string, ...tag.Tag)  {}

func (l serverLogger) Warn(msg string, tags ...tag.Tag) {
	if l.stopping != nil && l.stopping.Load() {
		return
	}
	l.emit(slog.LevelWarn, msg, tags)
}

func (l serverLogger) Error(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
}

// DPanic panics only in the server's development builds; production zap
// logs it as an error, which is what an embedded server should do too.
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
}

// Panic keeps the server's contract: callers such as the history shard's task
// key generator rely on it not returning.
func (l serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(newFatalError(msg, tags))
}

// Fatal panics instead of calling os.Exit: the embedding process (tests, the
// tawasul binary) must not vanish because a port was taken. Start recovers
// the panic when it happens while building or starting the server (a gRPC
// listener that cannot bind is reported this way) and turns it into an error.
func (l serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(newFatalError(msg, tags))
}

func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	attrs := make([]slog.Attr, 0, len(l.attrs)+len(tags))
	attrs = append(attrs, l.attrs...)
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return serverLogger{out: l.out, attrs: attrs, stopping: l.stopping}
}

// SLog lets server components that want an *slog.Logger (the Nexus HTTP
// handlers) log through the same filtered destination.
func (l serverLogger) SLog() *slog.Logger {
	args := make([]any, len(l.attrs))
	for i, a := range l.attrs {
		args[i] = a
	}
	return slog.New(minLevelHandler{inner: l.out.Handler(), min: slog.LevelWarn}).With(args...)
}

func (l serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !l.out.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(l.attrs)+len(tags))
	attrs = append(attrs, l.attrs...)
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	l.out.LogAttrs(ctx, level, msg, attrs...)
}

// fatalError is the panic value of Fatal and Panic. It keeps the error tag, if
// any, so callers can test the cause with errors.Is.
type fatalError struct {
	msg string
	err error
}

func newFatalError(msg string, tags []tag.Tag) *fatalError {
	fe := &fatalError{msg: msg}
	for _, t := range tags {
		zt, ok := t.(tag.ZapTag)
		if !ok {
			continue
		}
		if err, ok := zt.Field().Interface.(error); ok && zt.Field().Type == zapcore.ErrorType {
			fe.err = err
			break
		}
	}
	return fe
}

func (e *fatalError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *fatalError) Unwrap() error { return e.err }

// minLevelHandler drops records below min before they reach inner.
type minLevelHandler struct {
	inner slog.Handler
	min   slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.inner.Enabled(ctx, level)
}

func (h minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{inner: h.inner.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{inner: h.inner.WithGroup(name), min: h.min}
}
