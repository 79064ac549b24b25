package hub

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func startHub(t *testing.T, cfg config.Hub) *Hub {
	t.Helper()
	return startHubWith(t, cfg, Options{})
}

func startHubWith(t *testing.T, cfg config.Hub, o Options) *Hub {
	t.Helper()
	if cfg.Store == "" {
		cfg.Store = filepath.Join(t.TempDir(), "hub.db")
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h, err := StartWith(ctx, cfg, "1.0.0", slog.New(slog.DiscardHandler), o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := h.Wait(); err != nil {
			t.Errorf("hub stopped with %v", err)
		}
	})
	return h
}

func hubState(w *testbroker.Watcher) wire.HubState {
	var s wire.HubState
	if m, ok := w.Latest(topic.Default().State(topic.HubID)); ok {
		_ = json.Unmarshal(m.Payload, &s)
	}
	return s
}

func TestHubTracksFleet(t *testing.T) {
	h := startHub(t, config.Hub{Broker: config.Broker{Listen: "127.0.0.1:0"}})
	if h.BrokerAddr() == "" || !strings.HasPrefix(h.BrokerURL(), "mqtt://127.0.0.1:") {
		t.Fatalf("embedded broker address: %q %q", h.BrokerAddr(), h.BrokerURL())
	}
	sc := topic.Default()
	w := testbroker.Watch(t, h.BrokerURL(), "homefleet/#", "homeassistant/#")
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.Status(topic.HubID), []byte("online")) && w.Has(sc.Discovery(topic.HubID), nil)
	}) {
		t.Fatal("hub did not announce itself")
	}
	w.Publish(t, sc.Status("nas"), []byte("online"), true)
	w.Publish(t, sc.Status("pc"), []byte("<html>502</html>"), true) // garbage: ignored
	w.Publish(t, sc.Status("pi"), []byte("online"), true)
	w.Publish(t, sc.Status("pi"), []byte("offline"), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		s := hubState(w)
		return s.Online == 1 && s.Devices["pi"] == "offline"
	}) {
		t.Fatalf("hub state: %+v", hubState(w))
	}
	if _, ok := hubState(w).Devices["pc"]; ok {
		t.Error("a device with a garbage status must not be tracked")
	}
	snap := w.Snapshot()
	for _, err := range discovery.NewChecker().Check(sc.Discovery(topic.HubID), snap[sc.Discovery(topic.HubID)], snap) {
		t.Error(err)
	}
}

func TestHubExternalBroker(t *testing.T) {
	b := testbroker.Embedded(t)
	h := startHub(t, config.Hub{MQTT: config.MQTT{URL: b.URL()}})
	if h.BrokerAddr() != "" {
		t.Error("no embedded broker with an external one configured")
	}
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return w.Has(topic.Default().Status(topic.HubID), []byte("online")) }) {
		t.Fatal("hub did not connect to the external broker")
	}
}

// supervisor records what the hub tells systemd.
type supervisor struct {
	ready, alive  atomic.Int32
	discoveryThen atomic.Bool
	hasDiscovery  func() bool
}

func (s *supervisor) Ready() {
	s.ready.Add(1)
	s.discoveryThen.Store(s.hasDiscovery())
}
func (s *supervisor) Alive()                          { s.alive.Add(1) }
func (s *supervisor) WatchdogInterval() time.Duration { return 5 * time.Millisecond }

// TestHubReadyAfterItsDiscovery: READY=1 only once the hub's device is
// announced at the broker; the fleet loop pings the watchdog.
func TestHubReadyAfterItsDiscovery(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	// At the broker means retained there: a subscriber arriving now gets
	// it (a live subscriber may get it a little after the PUBACK).
	sup := &supervisor{hasDiscovery: func() bool {
		w := testbroker.Watch(t, b.URL(), sc.Discovery(topic.HubID))
		w.Sync(t)
		_, ok := w.Latest(sc.Discovery(topic.HubID))
		return ok
	}}
	startHubWith(t, config.Hub{MQTT: config.MQTT{URL: b.URL()}}, Options{Supervisor: sup})
	if !testbroker.Eventually(15*time.Second, func() bool { return sup.ready.Load() > 0 && sup.alive.Load() > 3 }) {
		t.Fatalf("ready %d, pings %d", sup.ready.Load(), sup.alive.Load())
	}
	if !sup.discoveryThen.Load() {
		t.Error("READY=1 came before the hub's discovery was at the broker")
	}
}

func TestDialable(t *testing.T) {
	tests := []struct{ in, want string }{
		{":1883", "127.0.0.1:1883"}, {"0.0.0.0:1883", "127.0.0.1:1883"}, {"[::]:1883", "127.0.0.1:1883"},
		{"192.168.1.5:1883", "192.168.1.5:1883"}, {"127.0.0.1:1", "127.0.0.1:1"},
	}
	for _, tt := range tests {
		if got := dialable(tt.in); got != tt.want {
			t.Errorf("dialable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
