package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// oneDisk is a disk with SMART readings (so the hub predicts on it).
type oneDisk struct{}

func (oneDisk) Collect(context.Context) ([]smart.Result, error) {
	poh, temp := uint64(20000), 31.0
	return []smart.Result{{Name: "sda", Disk: smart.Disk{Name: "sda", Protocol: smart.ATA, Model: "WDC WD40EFRX", Serial: "WD-1", PowerOnHours: &poh,
		Temperature: &temp, Health: smart.Health{Known: true, Passed: true}, Attrs: []smart.Attr{{ID: 5, Name: "Reallocated_Sector_Ct", Count: 0}}}}}, nil
}

// TestHARestartRepublishesEverything: with the hub and an agent on a real
// Mosquitto, every retained discovery config is deleted, then HA's birth
// is published: every component (host, disk, wake, schedule, internet,
// probes, prediction) publishes its config and its state again.
func TestHARestartRepublishesEverything(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	const id = "harestart01"
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("81.2.69.142")) }))
	defer web.Close()
	hcfg := config.Hub{MQTT: config.MQTT{URL: m.URL()}, Store: ":memory:",
		Schedules: []config.Schedule{{Name: "night", Device: id, Kind: "sleep", Cron: "0 23 * * *", Window: time.Hour}},
		PublicIP:  config.PublicIP{Quorum: 1, Sources: []config.IPSource{{Name: "echo", Kind: config.SourceHTTPS, URL: web.URL, Family: 4}}},
		Probes:    []config.Probe{{Name: "web", Kind: config.ProbeHTTP, Target: web.URL, Interval: time.Hour}}}
	hcfg.SetDefaults()
	if err := hcfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	h, err := hub.Start(ctx, hcfg, "1.0.0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = h.Wait() })
	acfg := config.Agent{Device: config.Device{ID: id}, MQTT: config.MQTT{URL: m.URL()},
		Collect: config.Collect{Interval: time.Second}, Probes: []config.Probe{{Name: "nas-web", Kind: config.ProbeHTTP, Target: web.URL, Interval: time.Hour}}}
	acfg.SetDefaults()
	wg.Go(func() {
		_ = agent.Run(ctx, acfg, agent.Deps{Version: "1.0.0", Power: &powertest.Recorder{},
			Collectors: &agent.Collectors{Host: host.New(hosttest.NewFake()), Net: fakeNet, Disks: oneDisk{}}})
	})

	sc := topic.Default()
	want := []string{sc.Discovery(id), sc.NodeDiscovery(id, topic.DiskNode(id, "wd-1")), sc.NodeDiscovery(topic.HubID, topic.WakeNode(id)),
		sc.NodeDiscovery(topic.HubID, topic.ScheduleNode(id, "night")), sc.NodeDiscovery(topic.HubID, topic.InternetNode()),
		sc.NodeDiscovery(topic.HubID, topic.ProbeNode(topic.HubID, "web")), sc.NodeDiscovery(id, topic.ProbeNode(id, "nas-web")),
		sc.NodeDiscovery(topic.HubID, topic.PredictionNode(id, "wd-1")), sc.Discovery(topic.HubID)}
	states := []string{sc.State(id), sc.Disk(id, "wd-1"), sc.HubSchedule("night"), sc.HubPublicIP(), sc.Probe(topic.HubID, "web"),
		sc.Probe(id, "nas-web"), sc.HubDisk(id, "wd-1"), sc.State(topic.HubID)}
	all := func(w *testbroker.Watcher) bool {
		for _, n := range want {
			if m, ok := w.Latest(n); !ok || len(m.Payload) == 0 {
				return false
			}
		}
		return true
	}
	w := testbroker.Watch(t, m.URL(), "homeassistant/#", "homefleet/#")
	if !w.WaitFor(30*time.Second, all) {
		t.Fatalf("not every config published before the restart; have %v", configs(w))
	}
	// HA lost them all. A config the hub was republishing just then (it
	// learns a device's name and MAC from its first messages) may land
	// after the delete: delete again until none is retained.
	left := configs(w)
	for range 5 {
		for _, tp := range left {
			w.Publish(t, tp, nil, true)
		}
		w.Sync(t)
		fresh := testbroker.Watch(t, m.URL(), "homeassistant/device/#")
		fresh.Sync(t)
		if left = configs(fresh); len(left) == 0 {
			break
		}
	}
	if len(left) != 0 {
		t.Fatalf("retained configs left after deleting them five times: %v", left)
	}
	w.Reset()
	birth := time.Now()
	w.Publish(t, sc.HAStatus(), []byte("online"), false)
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool {
		if !all(w) {
			return false
		}
		for _, s := range states {
			if _, ok := w.Latest(s); !ok {
				return false
			}
		}
		return true
	}) {
		var missing []string
		for _, n := range want {
			if !w.Has(n, nil) {
				missing = append(missing, n)
			}
		}
		for _, s := range states {
			if !w.Has(s, nil) {
				missing = append(missing, s)
			}
		}
		t.Fatalf("after HA's birth, not republished: %v", missing)
	}
	var last time.Time
	for _, msg := range w.Messages() {
		if strings.HasPrefix(msg.Topic, "homeassistant/device/") && msg.At.After(last) {
			last = msg.At
		}
	}
	t.Logf("%d configs and %d states republished; the last config %s after HA's birth (spread: at most 5 s)", len(want), len(states), last.Sub(birth).Round(time.Millisecond))
}

func configs(w *testbroker.Watcher) []string {
	var out []string
	for tp, p := range w.Snapshot() {
		if strings.HasPrefix(tp, "homeassistant/device/") && len(p) > 0 {
			out = append(out, tp)
		}
	}
	slices.Sort(out)
	return out
}

// fakeNet is an agent's network identity on a subnet nobody sends to.
func fakeNet() ([]netid.Interface, error) {
	return []netid.Interface{{Name: "eth0", MAC: "02:00:5e:00:53:01", IPv4: []string{"192.0.2.10/24"}, Broadcast: []string{"192.0.2.255"}}}, nil
}
