package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger reports failed statements through slog and nothing else. It
// never logs bound parameters: tickets carry national IDs, phone numbers and
// names. Failures the store expects and handles (not found, a unique conflict
// that resolves an idempotency race, a cancelled request) are not logged.
type gormLogger struct{}

var _ gorm.ParamsFilter = gormLogger{}

func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (gormLogger) Info(context.Context, string, ...any)       {}
func (gormLogger) Warn(context.Context, string, ...any)       {}

// Error logs GORM's own message without its data, which may hold values.
func (gormLogger) Error(ctx context.Context, msg string, _ ...any) {
	slog.ErrorContext(ctx, "store: gorm error", "msg", msg)
}

func (gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if err == nil || errors.Is(err, gorm.ErrRecordNotFound) || isUniqueViolation(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	sql, rows := fc()
	slog.ErrorContext(ctx, "store: statement failed",
		"sql", sql, "rows", rows, "elapsed", time.Since(begin), "err", err)
}

// ParamsFilter drops the bound values, so the SQL GORM hands Trace keeps its
// placeholders instead of interpolated personal data.
func (gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
