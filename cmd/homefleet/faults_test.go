package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/sim"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// fastMQTT is a broker config with a short reconnect backoff (cap 1 s).
func fastMQTT(url string) config.MQTT {
	return config.MQTT{URL: url, BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second, KeepAlive: 5 * time.Second}
}

// fleet runs a hub and n simulated agents (d disks each, collecting
// every interval) on the broker at url until the test ends; it returns the agents' device ids.
func fleet(t *testing.T, url string, n, d int, every time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	hcfg := config.Hub{MQTT: fastMQTT(url), Store: ":memory:"}
	hcfg.SetDefaults()
	hlog, _ := testbroker.Logger(t)
	h, err := hub.Start(ctx, hcfg, "1.0.0", hlog)
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = h.Wait() })
	wg.Go(func() {
		if err := sim.Run(ctx, sim.Options{Agents: n, Disks: d, Interval: every, MQTT: fastMQTT(url), Prefix: "f", Start: time.Second, Version: "1.0.0"}); err != nil {
			t.Errorf("simulated agents: %v", err)
		}
	})
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("f%04d", i+1)
	}
	return ids
}

// retained is what the broker holds for homefleet and HA discovery, as a
// new subscriber sees it: topic -> payload.
func retained(t *testing.T, url string) map[string]string {
	t.Helper()
	w := testbroker.Watch(t, url, "homefleet/#", "homeassistant/#")
	w.Sync(t)
	out := map[string]string{}
	for _, m := range w.Messages() {
		if m.Retained && len(m.Payload) > 0 {
			out[m.Topic] = string(m.Payload)
		}
	}
	return out
}

// upAndAnnounced: every device (the agents and the hub) is online, and
// its discovery and state are retained.
func upAndAnnounced(sc topic.Scheme, ids []string, r map[string]string) []string {
	var missing []string
	for _, id := range append(slices.Clone(ids), topic.HubID) {
		if r[sc.Status(id)] != topic.Online {
			missing = append(missing, sc.Status(id)+" online")
		}
		for _, tp := range []string{sc.Discovery(id), sc.State(id)} {
			if r[tp] == "" {
				missing = append(missing, tp)
			}
		}
	}
	return missing
}

// TestBrokerRestartedEmptyUnderLoad: 20 agents and the hub on a real
// Mosquitto; the broker is killed and started again with nothing retained.
// Every client comes back online by itself, and every retained topic there
// was before (discovery, state, disks, availability) is there again.
func TestBrokerRestartedEmptyUnderLoad(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	sc := topic.Default()
	ids := fleet(t, m.URL(), 20, 1, 2*time.Second)
	var before map[string]string
	if !testbroker.Eventually(60*time.Second, func() bool {
		before = retained(t, m.URL())
		return len(upAndAnnounced(sc, ids, before)) == 0
	}) {
		t.Fatalf("the fleet never came up: missing %v", upAndAnnounced(sc, ids, before))
	}
	time.Sleep(3 * time.Second) // under load: let disk and hub documents land too
	before = retained(t, m.URL())
	m.Kill()
	killed := time.Now()
	m.Start() // persistence false: empty
	var after map[string]string
	var lost []string
	if !testbroker.Eventually(60*time.Second, func() bool {
		after = retained(t, m.URL())
		lost = lost[:0]
		for tp := range before {
			if _, ok := after[tp]; !ok {
				lost = append(lost, tp)
			}
		}
		return len(lost) == 0 && len(upAndAnnounced(sc, ids, after)) == 0
	}) {
		slices.Sort(lost)
		t.Fatalf("after the restart %d of %d retained topics are missing: %v", len(lost), len(before), lost)
	}
	for tp, p := range after {
		if strings.HasSuffix(tp, "/status") && p != topic.Online {
			t.Errorf("%s is %q after the restart", tp, p)
		}
	}
	t.Logf("%d retained topics back %.1f s after the kill (backoff cap 1 s)", len(before), time.Since(killed).Seconds())
}

// TestHARestartStormWith100Devices: with 100 simulated agents and the hub
// up, HA goes offline and comes back (homeassistant/status offline, then
// online): every device's config and state are published again, the
// agents' republishing is spread over at most 5 s, and no second carries
// more than a third of it; the hub republishes every config it owns.
func TestHARestartStormWith100Devices(t *testing.T) {
	m := testbroker.StartMosquitto(t, "max_queued_messages 100000\n")
	sc := topic.Default()
	ids := fleet(t, m.URL(), 100, 1, time.Hour) // no periodic state in the count
	var r map[string]string
	if !testbroker.Eventually(120*time.Second, func() bool {
		r = retained(t, m.URL())
		return len(upAndAnnounced(sc, ids, r)) == 0
	}) {
		t.Fatalf("the fleet never came up: missing %d, e.g. %v", len(upAndAnnounced(sc, ids, r)), upAndAnnounced(sc, ids, r)[:1])
	}
	w := testbroker.Watch(t, m.URL(), "homeassistant/device/#", "homefleet/+/state")
	w.Sync(t)
	// The hub's own paced republish after it connected (and the agents'
	// first documents) may still be trickling in: HA restarts in a quiet
	// fleet, or they would be counted as the storm's first second.
	if !w.Quiet("homeassistant/device/", 1500*time.Millisecond, 60*time.Second) {
		t.Fatal("the fleet's discovery never went quiet before HA's restart")
	}
	w.Publish(t, sc.HAStatus(), []byte("offline"), false)
	w.Sync(t)
	w.Reset()
	birth := time.Now()
	w.Publish(t, sc.HAStatus(), []byte("online"), false)
	everyone := func(w *testbroker.Watcher) bool {
		for _, id := range append(slices.Clone(ids), topic.HubID) {
			if _, ok := w.Latest(sc.Discovery(id)); !ok {
				return false
			}
			if _, ok := w.Latest(sc.State(id)); !ok {
				return false
			}
		}
		return true
	}
	if !w.WaitFor(60*time.Second, everyone) {
		t.Fatal("not every device republished its config and state after HA's birth")
	}
	time.Sleep(3 * time.Second) // the spread's tail, and messages still in flight
	// The agents' configs and states, and the hub's configs of their
	// wake buttons and disk predictions, counted apart.
	var perSecond, allPerSecond [12]int
	var total int
	var last, hubLast time.Duration
	hubConfigs, early := 0, 0
	for _, msg := range w.Messages() {
		if msg.Retained || !(strings.HasPrefix(msg.Topic, "homeassistant/device/") || strings.HasSuffix(msg.Topic, "/state")) {
			continue
		}
		at := msg.At.Sub(birth)
		if at < 0 {
			early++ // sent before the birth: not part of the storm
			continue
		}
		if strings.HasPrefix(msg.Topic, "homeassistant/device/"+topic.HubID+"/") || msg.Topic == sc.State(topic.HubID) {
			hubConfigs++
			hubLast = max(hubLast, at)
			allPerSecond[min(int(at/time.Second), len(allPerSecond)-1)]++
			continue
		}
		total++
		last = max(last, at)
		perSecond[min(int(at/time.Second), len(perSecond)-1)]++
		allPerSecond[min(int(at/time.Second), len(allPerSecond)-1)]++
	}
	busiest, busiestAll := slices.Max(perSecond[:]), slices.Max(allPerSecond[:])
	t.Logf("agents: %d messages after the birth, the last %.2f s after it; per second %v", total, last.Seconds(), perSecond)
	t.Logf("hub: %d configs and its state, the last %.2f s after the birth; agents and hub per second %v; %d before the birth", hubConfigs, hubLast.Seconds(), allPerSecond, early)
	if total < 2*len(ids) || hubConfigs < 2*len(ids) {
		t.Errorf("republished %d agent and %d hub messages, want at least %d each", total, hubConfigs, 2*len(ids))
	}
	if busiest*3 > total || busiestAll*3 > total+hubConfigs {
		t.Errorf("one second carried more than a third of the messages: agents %d of %d %v, all %d of %d %v", busiest, total, perSecond, busiestAll, total+hubConfigs, allPerSecond)
	}
	for who, l := range map[string]time.Duration{"agents'": last, "hub's": hubLast} {
		if l > 6*time.Second {
			t.Errorf("the %s republishing lasted %.1f s after the birth, want at most 5 s (plus delivery)", who, l.Seconds())
		}
	}
}

// TestBrokerUnreachableAtStart: the hub and an agent start while the
// broker is down. Neither exits; each logs one warning for the kind of
// failure and its repeats at debug level; once the broker is up each is
// connected after at most one more attempt (one backoff step).
func TestBrokerUnreachableAtStart(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	m.Kill()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	hcfg := config.Hub{MQTT: fastMQTT(m.URL()), Store: ":memory:"}
	hcfg.SetDefaults()
	hlog, hbuf := testbroker.Logger(t)
	h, err := hub.Start(ctx, hcfg, "1.0.0", hlog)
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan string, 2)
	wg.Go(func() { _ = h.Wait(); ended <- "hub" })
	alog, abuf := testbroker.Logger(t)
	wg.Go(func() {
		_ = sim.Run(ctx, sim.Options{Agents: 1, Interval: time.Second, MQTT: fastMQTT(m.URL()), Prefix: "u", Log: alog})
		ended <- "agent"
	})
	const failed = "mqtt connect failed, retrying"
	attempts := func(b *testbroker.LogBuffer) int { return strings.Count(b.String(), failed) }
	if !testbroker.Eventually(30*time.Second, func() bool { return attempts(hbuf) >= 8 && attempts(abuf) >= 8 }) {
		t.Fatalf("too few attempts: hub %d, agent %d", attempts(hbuf), attempts(abuf))
	}
	select {
	case who := <-ended:
		t.Fatalf("the %s exited while the broker was down", who)
	default:
	}
	for who, b := range map[string]*testbroker.LogBuffer{"hub": hbuf, "agent": abuf} {
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "level=WARN msg=\""+failed) {
				t.Logf("%s: %s", who, l[strings.Index(l, "kind="):])
			}
		}
		if n := strings.Count(b.String(), "level=WARN msg=\""+failed); n != 1 {
			t.Errorf("%s: %d warnings for %d failed attempts of one kind, want 1", who, n, attempts(b))
		}
	}
	before := map[string]int{"hub": attempts(hbuf), "agent": attempts(abuf)}
	m.Start()
	connected := func(b *testbroker.LogBuffer) bool { return strings.Contains(b.String(), "msg=\"mqtt connected\"") }
	if !testbroker.Eventually(30*time.Second, func() bool { return connected(hbuf) && connected(abuf) }) {
		t.Fatal("not connected after the broker came up")
	}
	for who, b := range map[string]*testbroker.LogBuffer{"hub": hbuf, "agent": abuf} {
		if extra := attempts(b) - before[who]; extra > 1 {
			t.Errorf("%s: %d more failed attempts after the broker was up, want at most 1", who, extra)
		}
	}
}
