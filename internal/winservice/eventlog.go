package winservice

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// EventLog is the part of the Windows event log a service writes to
// (golang.org/x/sys/windows/svc/eventlog.Log has these methods).
type EventLog interface {
	Info(eid uint32, msg string) error
	Warning(eid uint32, msg string) error
	Error(eid uint32, msg string) error
}

// Event ids: one per kind of entry, so Event Viewer filters can pick them.
const (
	EventLifecycle uint32 = 1 // started, stopping, stopped, failed
	EventRecord    uint32 = 2 // a log record at or above the handler's level
)

// EventHandler writes log records at or above min to the event log as
// one text line each (the event log stamps the time itself). The agent's
// and hub's redaction wraps the handler this one joins (slog.NewMultiHandler), so no
// secret reaches the event log.
func EventHandler(el EventLog, min slog.Level) slog.Handler {
	h := &eventHandler{el: el, min: min, mu: &sync.Mutex{}, buf: &bytes.Buffer{}}
	h.text = slog.NewTextHandler(h.buf, &slog.HandlerOptions{Level: min, ReplaceAttr: dropTime})
	return h
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

type eventHandler struct {
	el   EventLog
	min  slog.Level
	mu   *sync.Mutex // guards buf, shared with the text handler's derivations
	buf  *bytes.Buffer
	text slog.Handler
}

func (h *eventHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.min }

func (h *eventHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	msg := strings.TrimSuffix(h.buf.String(), "\n")
	switch {
	case r.Level >= slog.LevelError:
		return h.el.Error(EventRecord, msg)
	case r.Level >= slog.LevelWarn:
		return h.el.Warning(EventRecord, msg)
	default:
		return h.el.Info(EventRecord, msg)
	}
}

func (h *eventHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.text = h.text.WithAttrs(as)
	return &c
}

func (h *eventHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.text = h.text.WithGroup(name)
	return &c
}
