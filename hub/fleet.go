package hub

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
)

type publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// State is the hub's own state document on homefleet/hub/state.
type State struct {
	V       int               `json:"v"`
	Online  int               `json:"online"`
	Devices map[string]string `json:"devices"` // device id -> online|offline
}

// fleet tracks every device's availability from homefleet/+/status.
type fleet struct {
	sc      topic.Scheme
	version string
	log     *slog.Logger

	mu      sync.Mutex
	devices map[string]string
	dirty   chan struct{}
	resend  chan struct{}
	haBirth chan struct{}
	// onStatus hears every availability change (the waker confirms with it).
	onStatus func(device, status string)
}

func newFleet(sc topic.Scheme, version string, log *slog.Logger) *fleet {
	return &fleet{
		sc: sc, version: version, log: log,
		devices: map[string]string{},
		dirty:   make(chan struct{}, 1),
		resend:  make(chan struct{}, 1),
		haBirth: make(chan struct{}, 1),
	}
}

func nudge(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (f *fleet) connected() { nudge(f.resend) }

func (f *fleet) handleHAStatus(_ string, payload []byte, _ bool) error {
	if string(payload) == "online" {
		nudge(f.haBirth)
	}
	return nil
}

func (f *fleet) handleStatus(t string, payload []byte, _ bool) error {
	dev, ok := f.sc.ParseStatus(t)
	if !ok || dev == DeviceID {
		return nil
	}
	p := string(payload)
	if p != mqttc.Online && p != mqttc.Offline {
		return fmt.Errorf("status of %s: want online or offline, got %.40q", dev, payload)
	}
	f.mu.Lock()
	old := f.devices[dev]
	f.devices[dev] = p
	f.mu.Unlock()
	if old != p {
		f.log.Info("device availability", "device", dev, "status", p)
		nudge(f.dirty)
		if f.onStatus != nil {
			f.onStatus(dev, p)
		}
	}
	return nil
}

func (f *fleet) snapshot() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := State{V: 1, Devices: maps.Clone(f.devices)}
	for _, st := range f.devices {
		if st == mqttc.Online {
			s.Online++
		}
	}
	return s
}

func (f *fleet) run(ctx context.Context, pub publisher) error {
	var haTimer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-f.resend:
			f.publishDiscovery(ctx, pub)
			f.publishState(ctx, pub)
		case <-f.haBirth:
			haTimer = time.After(rand.N(5 * time.Second)) //nolint:gosec // jitter
		case <-haTimer:
			haTimer = nil
			f.publishDiscovery(ctx, pub)
			f.publishState(ctx, pub)
		case <-f.dirty:
			f.publishState(ctx, pub)
		}
	}
}

func (f *fleet) publishDiscovery(ctx context.Context, pub publisher) {
	f.send(ctx, pub, f.sc.Discovery(DeviceID), discovery.HubPayload(DeviceID, f.version, f.sc))
}

func (f *fleet) publishState(ctx context.Context, pub publisher) {
	f.send(ctx, pub, f.sc.State(DeviceID), f.snapshot())
}

func (f *fleet) send(ctx context.Context, pub publisher, t string, v any) {
	if err := mqttc.PublishJSON(ctx, pub, t, v, true); err != nil {
		f.log.Debug("hub publish failed; will resend on reconnect", "topic", t, "err", err)
	}
}
