package wake

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/feature/featuretest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// recordingSender records magic packets instead of sending them: no test
// ever broadcasts on a real interface.
type recordingSender struct {
	mu   sync.Mutex
	sent []sentPacket
}

type sentPacket struct {
	addr, mac string
	at        time.Time
}

func (r *recordingSender) Send(addr string, mac net.HardwareAddr, _ []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, sentPacket{addr, mac.String(), time.Now()})
	return nil
}

func (r *recordingSender) packets() []sentPacket {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentPacket(nil), r.sent...)
}

func netDoc(mac, bcast string) []byte {
	b, _ := json.Marshal(wire.Net{V: 1, TS: 1, Interfaces: []wire.NetInterface{{Name: "eth0", MAC: mac, IPv4: []string{"192.168.1.10/24"}, Broadcast: []string{bcast}}}})
	return b
}

func lastEvent(w *testbroker.Watcher, dev string) wire.Event {
	var e wire.Event
	if m, ok := w.Latest(topic.Default().Event(dev)); ok {
		_ = json.Unmarshal(m.Payload, &e)
	}
	return e
}

func TestWake(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	rec := &recordingSender{}
	cfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: filepath.Join(t.TempDir(), "hub.db"),
		Wake: config.Wake{Timeout: 2 * time.Second, Retries: 1, Targets: []config.WakeTarget{
			{Name: "tv", MAC: "02:aa:bb:cc:dd:ee", Broadcast: "192.168.1.255", ConfirmTCP: testbroker.FreePort(t)},
		}}}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	startWake(t, b.URL(), cfg, rec, noSubnets)
	w := testbroker.Watch(t, b.URL(), "homefleet/#", "homeassistant/#")

	// The agent of "nas" tells its identity, then goes to sleep.
	w.Publish(t, sc.Net("nas"), netDoc("02:11:22:33:44:55", "192.168.1.255"), true)
	w.Publish(t, sc.Status("nas"), []byte("offline"), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.NodeDiscovery(topic.HubID, topic.WakeNode("nas")), nil)
	}) {
		t.Fatalf("no wake discovery for nas: %v", w.Snapshot())
	}
	snap := w.Snapshot()
	for _, tp := range []string{sc.NodeDiscovery(topic.HubID, topic.WakeNode("nas")), sc.NodeDiscovery(topic.HubID, topic.WakeNode("tv"))} {
		for _, err := range discovery.NewChecker().Check(tp, snap[tp], snap) {
			t.Error(err)
		}
	}

	// HA's Wake button.
	pressed := time.Now()
	w.Publish(t, sc.Command("nas", "wake"), []byte("PRESS"), false)
	if !w.WaitFor(15*time.Second, func(*testbroker.Watcher) bool { return len(rec.packets()) >= 6 }) {
		t.Fatalf("packets %v", rec.packets())
	}
	first := rec.packets()[0]
	t.Logf("Wake press to first magic packet: %s", first.at.Sub(pressed).Round(time.Microsecond))
	addrs := map[string]bool{}
	for _, p := range rec.packets() {
		addrs[p.addr] = true
		if p.mac != "02:11:22:33:44:55" {
			t.Errorf("packet for %s", p.mac)
		}
	}
	if !addrs["192.168.1.255:9"] || !addrs["255.255.255.255:9"] || len(addrs) != 2 {
		t.Errorf("want the directed and the limited broadcast, got %v", addrs)
	}

	// The agent comes back: Awake turns on (its state is the status topic).
	online := time.Now()
	w.Publish(t, sc.Status("nas"), []byte("online"), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.HubWakeTrigger("nas"), []byte(discovery.TriggerWoke))
	}) {
		t.Fatalf("no woke trigger; event %+v", lastEvent(w, "nas"))
	}
	if m, _ := w.Latest(sc.Status("nas")); string(m.Payload) == "online" {
		t.Logf("agent online to HA awake state: %s (the Awake sensor reads the status topic)", m.At.Sub(online).Round(time.Microsecond))
	}
	var res wire.WakeResult
	m, _ := w.Latest(sc.HubWake("nas"))
	_ = json.Unmarshal(m.Payload, &res)
	if res.Result != "woke" || res.LatencyS <= 0 || !lastEvent(w, "nas").OK {
		t.Errorf("result %+v event %+v", res, lastEvent(w, "nas"))
	}
	// The latency the hub reports is bounded by what the test saw: it
	// starts after the press and no later than the first packet, and ends
	// after the agent said online and before the result arrived.
	if lo, hi := online.Sub(first.at).Seconds(), m.At.Sub(pressed).Seconds(); res.LatencyS < lo || res.LatencyS > hi {
		t.Errorf("reported latency %.4f s outside what the test saw [%.4f, %.4f]", res.LatencyS, lo, hi)
	}
	if res.FirstPacketMS < 0 || res.FirstPacketMS > float64(first.at.Sub(pressed).Microseconds())/1000 {
		t.Errorf("first packet after %.3f ms, but the test recorded it %s after the press", res.FirstPacketMS, first.at.Sub(pressed))
	}

	// Already awake: no packets. (A second PRESS within a second would be
	// a double press the inbox drops; this is a second command.)
	n := len(rec.packets())
	w.Publish(t, sc.Command("nas", "wake"), []byte(`{"id":"again"}`), false)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return lastEvent(w, "nas").Reason == "already awake" }) {
		t.Errorf("event %+v", lastEvent(w, "nas"))
	}
	if len(rec.packets()) != n {
		t.Error("packets sent to an awake device")
	}

	// A device that never wakes: resent, then wake_failed.
	w.Publish(t, sc.Net("pc"), netDoc("02:22:22:22:22:22", "10.0.0.255"), true)
	time.Sleep(200 * time.Millisecond)
	w.Publish(t, sc.Command("pc", "wake"), []byte(`{"id":"a1"}`), false)
	if !w.WaitFor(6*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.HubWakeTrigger("pc"), []byte(discovery.TriggerWakeFailed))
	}) {
		t.Fatalf("no wake_failed; event %+v", lastEvent(w, "pc"))
	}
	rounds := 0
	for _, p := range rec.packets() {
		if p.mac == "02:22:22:22:22:22" && p.addr == "10.0.0.255:9" {
			rounds++
		}
	}
	if rounds < 6 {
		t.Errorf("want at least 2 rounds of 3 packets, got %d packets", rounds)
	}
}

func TestWakeRefusals(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	rec := &recordingSender{}
	cfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: ":memory:"}
	cfg.SetDefaults()
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	w.Publish(t, sc.Net("nas"), netDoc("02:11:22:33:44:55", "192.168.1.255"), true)
	// A retained Wake left on the broker must not wake anything when the
	// hub (re)connects.
	w.Publish(t, sc.Command("nas", "wake"), []byte("PRESS"), true)
	// mochi fans a publish out after acknowledging it: let it settle, or the
	// new subscriber gets the message twice (retained, then live).
	time.Sleep(300 * time.Millisecond)
	startWake(t, b.URL(), cfg, rec, noSubnets)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return strings.Contains(lastEvent(w, "nas").Reason, "retained") }) {
		t.Errorf("retained wake: event %+v", lastEvent(w, "nas"))
	}
	w.Publish(t, sc.Net("bad"), []byte("<html>"), true) // ignored, logged
	time.Sleep(200 * time.Millisecond)
	tests := []struct {
		dev, payload, want string
		retained           bool
	}{
		{"ghost", "PRESS", "no wake target known", false},
		{"nas", `{"ts":1000}`, "stale", false},
		{"nas", "wake up!", "malformed", false},
	}
	for _, tt := range tests {
		w.Publish(t, sc.Command(tt.dev, "wake"), []byte(tt.payload), tt.retained)
		if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return strings.Contains(lastEvent(w, tt.dev).Reason, tt.want) }) {
			t.Errorf("%s %q: event %+v, want reason %q", tt.dev, tt.payload, lastEvent(w, tt.dev), tt.want)
		}
	}
	if len(rec.packets()) != 0 {
		t.Errorf("refused requests sent packets: %v", rec.packets())
	}
}

// TestWakeRelay: the hub is not on the target's subnet, an awake agent
// is, so the hub asks that agent to send the packets.
func TestWakeRelay(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	rec := &recordingSender{}
	cfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: ":memory:", Wake: config.Wake{NoLimitedBroadcast: true}}
	cfg.SetDefaults()
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	w.Publish(t, sc.Net("pi"), netDoc("02:00:00:00:00:0a", "10.0.0.255"), true) // awake agent on 10.0.0.0/24
	w.Publish(t, sc.Status("pi"), []byte("online"), true)
	w.Publish(t, sc.Net("pc"), netDoc("02:00:00:00:00:0b", "10.0.0.255"), true)     // asleep, same subnet
	w.Publish(t, sc.Net("nas"), netDoc("02:00:00:00:00:0c", "192.168.1.255"), true) // asleep, the hub's subnet
	startWake(t, b.URL(), cfg, rec, func() map[string]string { return map[string]string{"192.168.1.255": "eth7"} })
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return w.Has(sc.Status(topic.HubID), []byte("online")) }) {
		t.Fatal("hub not connected")
	}
	w.Publish(t, sc.Command("pc", "wake"), []byte("PRESS"), false)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return w.Has(sc.Command("pi", "wake-relay"), nil) }) {
		t.Fatalf("no wake-relay to pi; pc event %+v; packets %+v; watcher saw its wake: %v", lastEvent(w, "pc"), rec.packets(), w.Has(sc.Command("pc", "wake"), nil))
	}
	m, _ := w.Latest(sc.Command("pi", "wake-relay"))
	var cmd wire.Command
	if err := json.Unmarshal(m.Payload, &cmd); err != nil || cmd.MAC != "02:00:00:00:00:0b" || cmd.Broadcast != "10.0.0.255" || cmd.TS == 0 {
		t.Errorf("relay command %s: %v", m.Payload, err)
	}
	for _, p := range rec.packets() {
		if p.addr == "10.0.0.255:9" {
			t.Errorf("the hub must not send to a subnet it is not on when an agent can relay: %+v", p)
		}
	}
	w.Publish(t, sc.Command("nas", "wake"), []byte("PRESS"), false)
	if !w.WaitFor(15*time.Second, func(*testbroker.Watcher) bool {
		for _, p := range rec.packets() {
			if p.addr == "192.168.1.255:9" {
				return true
			}
		}
		return false
	}) {
		t.Errorf("a target on the hub's own subnet is woken directly: %+v", rec.packets())
	}
	raw := false
	for _, p := range rec.packets() {
		raw = raw || p.addr == "raw:eth7"
	}
	if !raw {
		t.Errorf("on its own subnet the hub also sends a raw Ethernet frame: %+v", rec.packets())
	}
}

func noSubnets() map[string]string { return nil }

// startWake runs the wake feature against the broker at url with the
// store at cfg.Store, as the hub would.
func startWake(t *testing.T, url string, cfg config.Hub, rec *recordingSender, local func() map[string]string) *featuretest.Running {
	t.Helper()
	store := cfg.Store
	if store == ":memory:" {
		store = ""
	}
	return featuretest.Start(t, url, featuretest.Options{Store: store}, func(env feature.Env) ([]service.Service, error) {
		w, err := New(context.Background(), env, cfg.Wake, Options{Sender: rec, LocalBroadcasts: local})
		return []service.Service{w}, err
	})
}

// TestWakeTargetsSurviveRestart: the hub and its broker restart while the
// NAS sleeps (its identity is on no broker any more); the stored target
// still wakes it.
func TestWakeTargetsSurviveRestart(t *testing.T) {
	sc := topic.Default()
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	b1 := testbroker.Embedded(t)
	cfg := config.Hub{MQTT: config.MQTT{URL: b1.URL()}, Store: dbPath, Wake: config.Wake{NoLimitedBroadcast: true}}
	cfg.SetDefaults()
	h := startWake(t, b1.URL(), cfg, &recordingSender{}, noSubnets)
	w := testbroker.Watch(t, b1.URL(), "homeassistant/#")
	w.Publish(t, sc.Net("nas"), netDoc("02:11:22:33:44:55", "192.168.1.255"), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.NodeDiscovery(topic.HubID, topic.WakeNode("nas")), nil)
	}) {
		t.Fatal("target not learned")
	}
	h.Stop(t)

	b2 := testbroker.Embedded(t) // a new, empty broker
	cfg.MQTT.URL = b2.URL()
	rec := &recordingSender{}
	startWake(t, b2.URL(), cfg, rec, noSubnets)
	w2 := testbroker.Watch(t, b2.URL(), "homefleet/#")
	if !w2.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return w.Has(sc.Status(topic.HubID), []byte("online")) }) {
		t.Fatal("hub not connected")
	}
	w2.Publish(t, sc.Command("nas", "wake"), []byte("PRESS"), false)
	if !w2.WaitFor(15*time.Second, func(*testbroker.Watcher) bool { return len(rec.packets()) > 0 }) {
		t.Fatalf("stored target not woken; event %+v", lastEvent(w2, "nas"))
	}
	if p := rec.packets()[0]; p.mac != "02:11:22:33:44:55" || p.addr != "192.168.1.255:9" {
		t.Errorf("packet %+v", p)
	}
}
