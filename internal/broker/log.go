package broker

import (
	"context"
	"log/slog"
	"sync"
)

// brokerLog is the embedded broker's log handler. mochi reports a client
// connection that ended (EOF, a reset) as a Warn with an empty message,
// from a goroutine that can outlive Close; such records become a Debug
// line with words, and after Close nothing is written at all (the
// process's log may be gone by then).
type brokerLog struct {
	next slog.Handler
	gate *gate
}

type gate struct {
	mu     sync.RWMutex
	closed bool
}

func newBrokerLog(next slog.Handler) brokerLog { return brokerLog{next: next, gate: &gate{}} }

func (b brokerLog) Enabled(ctx context.Context, lv slog.Level) bool { return b.next.Enabled(ctx, lv) }

func (b brokerLog) Handle(ctx context.Context, r slog.Record) error {
	b.gate.mu.RLock()
	defer b.gate.mu.RUnlock()
	if b.gate.closed {
		return nil
	}
	if r.Message == "" {
		r2 := slog.NewRecord(r.Time, slog.LevelDebug, "client connection ended", r.PC)
		r.Attrs(func(a slog.Attr) bool { r2.AddAttrs(a); return true })
		if !b.next.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r = r2
	}
	return b.next.Handle(ctx, r)
}

func (b brokerLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return brokerLog{next: b.next.WithAttrs(attrs), gate: b.gate}
}

func (b brokerLog) WithGroup(name string) slog.Handler {
	return brokerLog{next: b.next.WithGroup(name), gate: b.gate}
}

// close stops all logging; once it returns no record is being written.
func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
