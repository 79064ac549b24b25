// Package service is the small contract the hub's features and the
// agent's parts share, and the one runner that starts them in order,
// stops them in reverse order and tells them when to republish.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Service is one long-running part of the hub or the agent.
type Service interface {
	Name() string
	// Run works until ctx ends. An error stops every service.
	Run(ctx context.Context) error
}

// Announcer republishes its HA discovery and its current state. It is
// called after every (re)connect and after Home Assistant restarts; it
// must only nudge the service's own loop, never block.
type Announcer interface {
	Announce()
}

// Supervisor is the service manager watching the process (systemd over
// sd_notify; on a terminal, nothing): told once start-up finished (the
// session is up and discovery published) and, from the main loop every
// WatchdogInterval (0: never), that the loop still turns.
type Supervisor interface {
	Ready()
	Alive()
	WatchdogInterval() time.Duration
}

// Unsupervised is the Supervisor of a process nothing watches.
type Unsupervised struct{}

func (Unsupervised) Ready()                          {}
func (Unsupervised) Alive()                          {}
func (Unsupervised) WatchdogInterval() time.Duration { return 0 }

// Watchdog is the channel a main loop selects on to call Alive: nil (never
// ready) without a watchdog. Stop the ticker it returns with the loop.
func Watchdog(s Supervisor) (<-chan time.Time, func()) {
	if d := s.WatchdogInterval(); d > 0 {
		t := time.NewTicker(d)
		return t.C, t.Stop
	}
	return nil, func() {}
}

// Func adapts a function to a Service.
func Func(name string, run func(ctx context.Context) error) Service { return funcService{name, run} }

type funcService struct {
	name string
	run  func(ctx context.Context) error
}

func (f funcService) Name() string                  { return f.name }
func (f funcService) Run(ctx context.Context) error { return f.run(ctx) }

// Closer is a Service that holds a resource until ctx ends, then closes
// it (the embedded broker, the store): in a Group it closes after every
// service started after it has stopped.
func Closer(name string, close func() error) Service {
	return Func(name, func(ctx context.Context) error {
		<-ctx.Done()
		return close()
	})
}

// Group runs services in the order given and stops them in reverse order,
// each waited for before the previous one is cancelled.
type Group struct {
	log      *slog.Logger
	services []Service

	mu     sync.Mutex
	timers []*time.Timer // pending spread announcements
	done   bool
}

// NewGroup returns a group of services, in start order.
func NewGroup(log *slog.Logger, services ...Service) *Group {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Group{log: log, services: services}
}

type running struct {
	cancel context.CancelFunc
	done   chan error
}

// Run starts every service and returns when ctx ends or one fails, after
// all have stopped. The first failure is returned, naming the service.
func (g *Group) Run(ctx context.Context) error {
	failed := make(chan struct{}, 1)
	runs := make([]running, len(g.services))
	for i, s := range g.services {
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		r := running{cancel: cancel, done: make(chan error, 1)}
		runs[i] = r
		go func() {
			err := s.Run(sctx)
			if err != nil {
				err = fmt.Errorf("%s: %w", s.Name(), err)
				select {
				case failed <- struct{}{}:
				default:
				}
			}
			r.done <- err
		}()
	}
	select {
	case <-ctx.Done():
	case <-failed:
	}
	g.stopTimers()
	var errs []error
	for i := len(runs) - 1; i >= 0; i-- {
		runs[i].cancel()
		if err := <-runs[i].done; err != nil {
			g.log.Debug("service stopped with an error", "service", g.services[i].Name(), "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Announce asks every Announcer to republish now (after a connect).
func (g *Group) Announce() {
	for _, s := range g.services {
		if a, ok := s.(Announcer); ok {
			a.Announce()
		}
	}
}

// AnnounceSpread asks every Announcer to republish after its own random
// delay below within, so a restarting Home Assistant is not hit by the
// whole fleet in the same instant.
func (g *Group) AnnounceSpread(within time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return
	}
	for _, t := range g.timers { // a newer restart supersedes them
		t.Stop()
	}
	g.timers = g.timers[:0]
	for _, s := range g.services {
		if a, ok := s.(Announcer); ok {
			g.timers = append(g.timers, time.AfterFunc(rand.N(within+1), a.Announce)) //nolint:gosec // jitter
		}
	}
}

func (g *Group) stopTimers() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = true
	for _, t := range g.timers {
		t.Stop()
	}
	g.timers = nil
}

// Nudge wakes a loop waiting on ch (a channel of capacity 1) without
// blocking; nudges that arrive while one is pending merge into it.
func Nudge(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// HABirth is the handler of Home Assistant's status topic: when HA comes
// online (it restarted, and lost every entity not retained), every
// Announcer republishes within the spread.
func (g *Group) HABirth(within time.Duration) func(topic string, payload []byte, retained bool) error {
	return func(_ string, payload []byte, _ bool) error {
		switch string(payload) {
		case "online":
			g.AnnounceSpread(within)
			return nil
		case "offline":
			return nil
		default:
			return fmt.Errorf("unexpected HA status payload %.40q", payload)
		}
	}
}

// ErrQueueFull is a message dropped because its loop is behind.
var ErrQueueFull = errors.New("queue full")

// Enqueue hands m to a loop's queue without blocking the caller (an MQTT
// handler); a full queue drops m with an error naming what was lost.
func Enqueue[T any](ch chan<- T, m T, what string) error {
	select {
	case ch <- m:
		return nil
	default:
		return fmt.Errorf("%w: %s dropped", ErrQueueFull, what)
	}
}
