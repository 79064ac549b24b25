package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/broker"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

const testID = "3f9a1c2b7d4e"

// fixtureDisks reads two real smartctl outputs: a failing HDD and an NVMe.
type fixtureDisks struct{}

func (fixtureDisks) Collect(context.Context) ([]smart.Result, error) {
	var out []smart.Result
	for _, f := range []struct{ name, file string }{{"sda", "scrutiny/smart-fail2.json"}, {"nvme0n1", "scrutiny/smart-nvme.json"}} {
		b, err := os.ReadFile(filepath.Join("../../shared/data/smart/smartctl-json", f.file))
		if err != nil {
			out = append(out, smart.Result{Name: f.name, Err: smart.ErrUnsupported})
			continue
		}
		d, err := smart.ParseSmartctl(b)
		out = append(out, smart.Result{Name: f.name, Disk: d, Err: err})
	}
	out = append(out, smart.Result{Name: "sdz", Err: fmt.Errorf("opening sdz: %w", smart.ErrPermission)})
	return out, nil
}

func testConfig(url string, backoffMax time.Duration) config.Agent {
	cfg := config.Agent{
		Device:  config.Device{ID: testID},
		MQTT:    config.MQTT{URL: url, BackoffMin: 50 * time.Millisecond, BackoffMax: backoffMax, FirstConnect: 2 * time.Second},
		Collect: config.Collect{Interval: time.Second, Heartbeat: time.Minute},
	}
	cfg.SetDefaults()
	return cfg
}

type running struct {
	cancel context.CancelFunc
	done   chan error
	logs   *testbroker.LogBuffer
}

func startAgent(t *testing.T, cfg config.Agent, src host.Source) *running {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log, logs := testbroker.Logger(t)
	r := &running{cancel: cancel, done: make(chan error, 1), logs: logs}
	d := Deps{Version: "1.0.0", Log: log, Power: &powertest.Recorder{},
		Collectors: &Collectors{Host: host.New(src), Idle: []idle.Check{}, Net: netid.Collect, Disks: fixtureDisks{}}}
	go func() { r.done <- Run(ctx, cfg, d) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("agent stopped with %v", err)
		}
		r.done <- nil
	case <-time.After(10 * time.Second):
		t.Error("agent did not stop within 10s")
	}
}

// published reports whether availability, discovery and state are all
// visible to an HA-like consumer.
func published(sc topic.Scheme) func(w *testbroker.Watcher) bool {
	return func(w *testbroker.Watcher) bool {
		return w.Has(sc.Status(testID), []byte(topic.Online)) && w.Has(sc.Discovery(testID), nil) && w.Has(sc.State(testID), nil)
	}
}

// checkHA applies HA's discovery rules to everything the watcher saw.
func checkHA(t *testing.T, w *testbroker.Watcher) {
	t.Helper()
	snap := w.Snapshot()
	c := discovery.NewChecker()
	n := 0
	for tp, payload := range snap {
		if !strings.HasPrefix(tp, "homeassistant/device/") {
			continue
		}
		n++
		for _, err := range c.Check(tp, payload, snap) {
			t.Error(err)
		}
	}
	if n == 0 {
		t.Error("no discovery message seen")
	}
}

func TestHAConsumerEmbedded(t *testing.T) {
	b := testbroker.Embedded(t)
	haConsumer(t, b.URL())
}

func TestHAConsumerMosquitto(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	haConsumer(t, m.URL())
}

func haConsumer(t *testing.T, url string) {
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homeassistant/#", "homefleet/#")
	startAgent(t, testConfig(url, time.Second), hosttest.NewFake())
	if !w.WaitFor(20*time.Second, published(sc)) {
		t.Fatalf("agent did not publish status, discovery and state; saw %v", topics(w))
	}
	diskKey := topic.ID("MSK423Y20S3HBC") // serial of the failing Hitachi fixture
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.Disk(testID, diskKey), nil) && w.Has(sc.NodeDiscovery(testID, topic.DiskNode(testID, diskKey)), nil) && w.Has(sc.Disk(testID, "sdz"), nil)
	}) {
		t.Fatalf("disk documents and discovery not published; saw %v", topics(w))
	}
	checkHA(t, w)
	failing, _ := w.Latest(sc.Disk(testID, diskKey))
	d, err := wire.DecodeDisk(failing.Payload)
	if err != nil || d.Health.Passed || d.Counts.Reallocated == nil || *d.Counts.Reallocated != 1975 {
		t.Errorf("failing disk document: %+v %v", d, err)
	}
	noPerm, _ := w.Latest(sc.Disk(testID, "sdz"))
	if d, _ := wire.DecodeDisk(noPerm.Payload); d.Status != wire.DiskError || !strings.Contains(d.Error, "CAP_SYS_RAWIO") {
		t.Errorf("disk without permission: %+v", d)
	}
	// A consumer that connects later (HA after a restart) gets status,
	// discovery and state from the broker's retained store.
	late := testbroker.Watch(t, url, "homeassistant/#", "homefleet/#")
	if !late.WaitFor(15*time.Second, published(sc)) {
		t.Fatalf("late subscriber saw %v", topics(late))
	}
	for _, tp := range []string{sc.Status(testID), sc.Discovery(testID), sc.State(testID)} {
		if m, _ := late.Latest(tp); !m.Retained {
			t.Errorf("%s must be retained", tp)
		}
	}
}

func topics(w *testbroker.Watcher) []string {
	var out []string
	for tp := range w.Snapshot() {
		out = append(out, tp)
	}
	return out
}

func TestReconnectMosquitto(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	reconnect(t, m.URL(), m.Kill, m.Start)
}

func TestReconnectEmbedded(t *testing.T) {
	addr := testbroker.FreePort(t)
	b, err := broker.Start(broker.Options{Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	t.Cleanup(func() { mu.Lock(); defer mu.Unlock(); _ = b.Close() })
	reconnect(t, "mqtt://"+addr,
		func() { mu.Lock(); defer mu.Unlock(); _ = b.Close() },
		func() {
			mu.Lock()
			defer mu.Unlock()
			var err error
			if b, err = broker.Start(broker.Options{Listen: addr}); err != nil {
				t.Fatalf("restarting embedded broker: %v", err)
			}
		})
}

// reconnect kills the broker, restarts it, and checks the agent is back
// online with discovery and state within 2 x the backoff cap.
func reconnect(t *testing.T, url string, kill, restart func()) {
	const backoffCap = 2 * time.Second
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homeassistant/#", "homefleet/#")
	r := startAgent(t, testConfig(url, backoffCap), hosttest.NewFake())
	if !w.WaitFor(20*time.Second, published(sc)) {
		t.Fatalf("agent did not publish before the restart; saw %v", topics(w))
	}
	kill()
	time.Sleep(300 * time.Millisecond) // let the agent notice
	restart()
	restarted := time.Now()
	// A fresh consumer: what HA sees on the restarted broker (nothing is
	// persisted there, so everything it gets was republished by the agent).
	w = testbroker.Watch(t, url, "homeassistant/#", "homefleet/#")
	// The figure against its target (2 x the backoff cap) is logged; the
	// bound here only ends a hung test.
	if !w.WaitFor(30*time.Second, published(sc)) {
		t.Fatalf("agent not back after the broker restart; saw %v\nlogs:\n%s", topics(w), r.logs)
	}
	t.Logf("online with discovery and state %s after the broker restart (target: within %s)", time.Since(restarted).Round(time.Millisecond), 2*backoffCap)
	checkHA(t, w)
	logs := r.logs.String()
	for _, want := range []string{"mqtt connection lost", "mqtt reconnecting", "mqtt reconnected"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log has no %q line:\n%s", want, logs)
		}
	}
}

func TestWrongPassword(t *testing.T) {
	b, _ := testbroker.EmbeddedWithLogins(t, access.Login{Name: "ha", Role: access.RoleHA, Password: "right"})
	var err error
	cfg := testConfig(b.URL(), time.Second)
	cfg.MQTT.Username, cfg.MQTT.Password = "ha", "wrong"
	// A retry would wait a 10-minute backoff: an answer at all means the
	// refusal was final at the first attempt.
	cfg.MQTT.BackoffMin, cfg.MQTT.BackoffMax, cfg.MQTT.FirstConnect = 10*time.Minute, 20*time.Minute, time.Hour
	err = Run(context.Background(), cfg, fakeHost())
	if !errors.Is(err, mqttc.ErrRefused) {
		t.Fatalf("want ErrRefused, got %v", err)
	}
	if !strings.Contains(err.Error(), "mqtt.password") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("error must name the setting and not leak the password: %v", err)
	}
}

// fakeHost runs the agent on the fixture host only.
func fakeHost() Deps {
	return Deps{Collectors: &Collectors{Host: host.New(hosttest.NewFake())}, Power: &powertest.Recorder{}}
}

func TestUnreachableBroker(t *testing.T) {
	cfg := testConfig("mqtt://"+testbroker.FreePort(t), 200*time.Millisecond)
	cfg.MQTT.FirstConnect = 500 * time.Millisecond
	err := Run(context.Background(), cfg, fakeHost())
	if !errors.Is(err, mqttc.ErrUnreachable) {
		t.Fatalf("want ErrUnreachable, got %v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error should say why: %v", err)
	}
}
