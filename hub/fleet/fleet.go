// Package fleet is the hub feature that tracks every device's
// availability (homefleet/+/status), publishes the hub's own HA device
// and state (how many devices are online), and clears retained messages
// that must not stay (tidy.go).
package fleet

import (
	"context"
	"encoding/json"
	"maps"
	"sync"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Service tracks availability. Its handler may run on any goroutine; the
// device map is guarded, publishing happens in Run.
type Service struct {
	env feature.Env

	mu       sync.Mutex
	devices  map[string]string
	names    map[string]string // host names from the states, to name devices in logs
	namedAt  map[string]time.Time
	dirty    chan struct{}
	resend   chan struct{}
	clear    chan string // retained topics to clear (tidy.go)
	storeErr string      // the history store's write error ("" : writing)
	storeEv  chan error  // the store's health changes, to announce
}

// New builds the fleet service and subscribes it to every status topic.
func New(env feature.Env) *Service {
	if env.Supervisor == nil {
		env.Supervisor = service.Unsupervised{}
	}
	f := &Service{env: env.Named("fleet"), devices: map[string]string{}, names: map[string]string{}, namedAt: map[string]time.Time{}, dirty: make(chan struct{}, 1), resend: make(chan struct{}, 1), clear: make(chan string, 64), storeEv: make(chan error, 16)}
	if env.Store != nil {
		env.Store.OnHealth(f.storeHealth)
	}
	env.Session.Subscribe(env.Scheme.AllStatus(), f.handleStatus)
	env.Session.Subscribe(env.Scheme.AllStates(), f.handleState)
	env.Session.Subscribe(env.Scheme.AllDiscovery(), f.handleDiscovery)
	env.Session.Subscribe(env.Scheme.EveryCommand(), f.handleCommand)
	return f
}

// Name implements service.Service.
func (f *Service) Name() string { return "fleet" }

// Announce republishes the hub's discovery and state.
func (f *Service) Announce() { service.Nudge(f.resend) }

func (f *Service) handleStatus(t string, payload []byte, _ bool) error {
	dev, online, ok, err := f.env.Scheme.ParseAvailability(t, payload)
	if !ok {
		return err // garbage is reported once per topic by the session
	}
	p := topic.Offline
	if online {
		p = topic.Online
	}
	f.mu.Lock()
	old := f.devices[dev]
	f.devices[dev] = p
	name := f.names[dev]
	f.mu.Unlock()
	if old != p {
		f.env.Log.Info("device availability", "device", dev, "name", name, "status", p)
		service.Nudge(f.dirty)
	}
	return nil
}

// relearnNames is how often a device's host name is read again from its
// state (a renamed machine); decoding every state for it was an eighth of
// the hub's CPU at a thousand agents.
const relearnNames = 10 * time.Minute

// handleState learns each device's host name (logs say id and name).
func (f *Service) handleState(t string, payload []byte, _ bool) error {
	dev, ok := f.env.Scheme.ParseDevice(t)
	if !ok || dev == topic.HubID || len(payload) == 0 {
		return nil
	}
	now := f.env.Now()
	f.mu.Lock()
	fresh := now.Sub(f.namedAt[dev]) < relearnNames
	if !fresh {
		f.namedAt[dev] = now
	}
	f.mu.Unlock()
	if fresh {
		return nil
	}
	var s struct {
		Facts struct {
			Host string `json:"host"`
		} `json:"facts"`
	}
	if json.Unmarshal(payload, &s) == nil && s.Facts.Host != "" {
		f.mu.Lock()
		f.names[dev] = s.Facts.Host
		f.mu.Unlock()
	}
	return nil
}

// storeHealth follows the history store: the hub's state says why it
// cannot write, and an event says when it starts and stops failing.
func (f *Service) storeHealth(err error) {
	f.mu.Lock()
	f.storeErr = ""
	if err != nil {
		f.storeErr = err.Error()
	}
	f.mu.Unlock()
	select {
	case f.storeEv <- err:
	default: // a burst of flips: the state says the latest
	}
	service.Nudge(f.dirty)
}

// announceStore logs and publishes one store health change as an event.
func (f *Service) announceStore(ctx context.Context, err error) {
	ev := wire.Event{V: 1, TS: f.env.Now().Unix(), Type: "store", OK: err == nil, Reason: "history store writing again"}
	if err != nil {
		ev.Reason = err.Error() + "; wake, schedules and predictions go on, history is kept in memory until it can be written"
		f.env.Log.Error("history store cannot be written", "err", err)
	} else {
		f.env.Log.Info("history store writing again")
	}
	f.env.Send(ctx, f.env.Scheme.Event(topic.HubID), ev, false)
}

func (f *Service) snapshot() wire.HubState {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := wire.HubState{V: 1, Devices: maps.Clone(f.devices), StoreError: f.storeErr}
	for _, st := range f.devices {
		if st == topic.Online {
			s.Online++
		}
	}
	return s
}

// Run publishes until ctx ends.
func (f *Service) Run(ctx context.Context) error {
	sc := f.env.Scheme
	watchdog, stop := service.Watchdog(f.env.Supervisor)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-watchdog:
			f.env.Supervisor.Alive() // from this loop: a hung hub stops the pings
		case <-f.resend:
			if f.env.Send(ctx, sc.Discovery(topic.HubID), discovery.HubPayload(topic.HubID, f.env.Version, sc), true) {
				f.env.Supervisor.Ready() // connected, the hub's device announced
			}
			f.env.Send(ctx, sc.State(topic.HubID), f.snapshot(), true)
		case <-f.dirty:
			f.env.Send(ctx, sc.State(topic.HubID), f.snapshot(), true)
		case t := <-f.clear:
			f.tidy(ctx, t)
		case err := <-f.storeEv:
			f.announceStore(ctx, err)
		}
	}
}
