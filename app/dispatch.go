package app

import (
	"fmt"
	"log/slog"

	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/dispatch"
	"github.com/tawasul/tawasul/dispatch/email"
	"github.com/tawasul/tawasul/dispatch/sms"
	"github.com/tawasul/tawasul/store"
)

// newDispatcher builds the outbox dispatcher with the providers configured.
// In dev, messages of a channel without a provider are marked skipped; in
// production they stay pending for a provider configured later, and the
// worker says so at start.
func newDispatcher(n config.NotifyConfig, st *store.Store, log *slog.Logger, dev bool) (*dispatch.Dispatcher, error) {
	senders := map[string]dispatch.Sender{}
	if s := n.SMS; s.URL != "" {
		gw, err := sms.New(sms.Config{URL: s.URL, Method: s.Method, Auth: s.Auth, Username: s.Username,
			Password: s.Password, Token: s.Token, Body: s.Body, ContentType: s.ContentType,
			IdempotencyHeader: s.IdempotencyHeader, Timeout: s.Timeout})
		if err != nil {
			return nil, fmt.Errorf("notify.sms: %w", err)
		}
		senders["sms"] = gw
		log.Info("sms gateway configured", "gateway", gw.String())
	}
	if e := n.Email; e.Host != "" {
		m, err := email.New(email.Config{Host: e.Host, Port: e.Port, From: e.From, Username: e.Username,
			Password: e.Password, TLS: e.TLS, Timeout: e.Timeout, HelloName: e.HelloName})
		if err != nil {
			return nil, fmt.Errorf("notify.email: %w", err)
		}
		senders["email"] = m
		log.Info("smtp server configured", "server", m.String())
	}
	d := n.Dispatch
	disp, err := dispatch.New(dispatch.Options{
		Store: st, Senders: senders, SkipUnconfigured: dev,
		Interval: d.Interval, Batch: d.Batch, Concurrency: d.Concurrency, MaxAttempts: d.MaxAttempts,
		BackoffInitial: d.BackoffInitial, BackoffMax: d.BackoffMax, Lease: d.Lease, MaxAge: d.MaxAge,
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	for _, ch := range disp.Unconfigured() {
		if dev {
			log.Info("no provider configured: messages are marked skipped and readable at GET /api/v1/outbox", "channel", ch)
		} else {
			log.Warn("no provider configured: messages stay pending until one is (see notify."+ch+".* in the configuration)", "channel", ch)
		}
	}
	return disp, nil
}
