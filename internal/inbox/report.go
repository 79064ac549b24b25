package inbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wire"
)

// Refusal is one refused command, or a count of the same kind.
type Refusal struct {
	Device, Verb string
	Err          error
	Count        int
}

// Event is the refusal as the device's event document says it.
func (r Refusal) Event(now time.Time) wire.Event {
	return wire.Event{V: 1, TS: now.Unix(), Type: "command", Verb: r.Verb, OK: false, Reason: r.Err.Error(), Count: r.Count}
}

// window is how often one kind of refusal is reported at most.
const window = time.Second

// maxKinds bounds the pending table; beyond it refusals are counted under
// one catch-all kind, still reported.
const maxKinds = 1024

type kind struct {
	device, verb, reason string
}

type pending struct {
	first    Refusal // the first of the window: its words are reported
	count    int
	reported time.Time
}

// reporter collapses refusals of one kind (device, verb, reason) into at
// most one report per window, with the count it stands for.
type reporter struct {
	log  *slog.Logger
	mu   sync.Mutex
	kind map[kind]*pending
	due  chan struct{}
}

func newReporter(log *slog.Logger) *reporter {
	return &reporter{log: log, kind: map[kind]*pending{}, due: make(chan struct{}, 1)}
}

func (r *reporter) note(f Refusal) {
	k := kind{f.Device, f.Verb, reasonKind(f.Err)}
	r.mu.Lock()
	p := r.kind[k]
	if p == nil && len(r.kind) >= maxKinds {
		k = kind{f.Device, "*", "flood"}
		p = r.kind[k]
	}
	if p == nil {
		p = &pending{}
		r.kind[k] = p
	}
	if p.count == 0 {
		p.first = f
	}
	p.count++
	r.mu.Unlock()
	service.Nudge(r.due)
}

// take returns the reports due at now: a kind with refusals whose last
// report is a window old; more says some kind is still within its window
// (it needs another look later).
func (r *reporter) take(now time.Time, force bool) (out []Refusal, more bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, p := range r.kind {
		switch {
		case p.count > 0 && (force || now.Sub(p.reported) >= window):
			f := p.first
			f.Count = p.count
			out = append(out, f)
			p.count, p.reported = 0, now
		case p.count == 0 && now.Sub(p.reported) >= window:
			delete(r.kind, k)
		}
	}
	return out, len(r.kind) > 0
}

// Publisher sends a refusal event for a device.
type Publisher func(ctx context.Context, device string, ev wire.Event)

// Name implements service.Service.
func (in *Inbox) Name() string { return "commands" }

// Run reports refusals through publish until ctx ends: at once for the
// first of a kind, then counted once a window. It wakes only while some
// kind is pending: an idle agent's process sleeps between its cycles.
func (in *Inbox) Run(ctx context.Context, publish Publisher) error {
	t := time.NewTimer(window / 4)
	defer t.Stop()
	var tick <-chan time.Time // nil while nothing is pending
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-in.report.due:
		case <-tick:
		}
		reports, more := in.report.take(in.opts.Arrival(), false)
		for _, f := range reports {
			in.log.Warn("command refused", "device", f.Device, "verb", f.Verb, "reason", f.Err, "count", f.Count)
			publish(ctx, f.Device, f.Event(in.opts.Now()))
		}
		tick = nil
		if more {
			t.Reset(window / 4)
			tick = t.C
		}
	}
}

// Service is the inbox as a service of a group, publishing through
// publish.
func (in *Inbox) Service(publish Publisher) service.Service {
	return service.Func(in.Name(), func(ctx context.Context) error { return in.Run(ctx, publish) })
}

// reasonKind groups refusals by their sentinel, not their words (sizes
// and timestamps differ between two floods of the same kind).
func reasonKind(err error) string {
	for _, s := range []error{ErrTooLarge, ErrNotUTF8, ErrUnknown, ErrTooFrequent, ErrNotSwitch, wire.ErrRetained, wire.ErrMalformed, wire.ErrStale, service.ErrQueueFull} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return err.Error()
}

// Flush reports every pending refusal now, whatever the window (tests,
// and callers that run no Run loop).
func (in *Inbox) Flush(ctx context.Context, publish Publisher) {
	reports, _ := in.report.take(in.opts.Arrival(), true)
	for _, f := range reports {
		publish(ctx, f.Device, f.Event(in.opts.Now()))
	}
}
