package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestAgentProbes: probes in an agent's config show on that agent's
// device, results and discovery.
func TestAgentProbes(t *testing.T) {
	b := testbroker.Embedded(t)
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	cfg := filepath.Join(t.TempDir(), "agent.yaml")
	must(t, os.WriteFile(cfg, []byte(`device: {id: probetest}
collect: {skip_smart: true}
probes:
  - {name: web, kind: http, target: "`+web.URL+`", interval: 1h}
  - {name: nas-smb, kind: smb, target: "127.0.0.1:1", interval: 1h}
`), 0o600))
	w := testbroker.Watch(t, "mqtt://"+b.Addr(), "homefleet/probetest/#", "homeassistant/device/#")
	ctx, cancel := context.WithCancel(context.Background())
	var r result
	var wg sync.WaitGroup
	wg.Go(func() {
		r = runCtx(ctx, map[string]string{"HOMEFLEET_MQTT_URL": "mqtt://" + b.Addr()}, "agent", "--config", cfg)
	})
	probe := func(w *testbroker.Watcher, name string) wire.Probe {
		var p wire.Probe
		if m, ok := w.Latest("homefleet/probetest/probe/" + name); ok {
			_ = json.Unmarshal(m.Payload, &p)
		}
		return p
	}
	ok := w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		return probe(w, "web").Up && probe(w, "nas-smb").Error != "" &&
			w.Has("homeassistant/device/probetest/probetest_probe_web/config", nil) && w.Has("homeassistant/device/probetest/probetest_probe_nas-smb/config", nil)
	})
	cancel()
	wg.Wait()
	if !ok {
		t.Fatalf("agent probes not published: %v\n%s", w.Snapshot(), r.stderr)
	}
}

// TestDiscoveryPrintIsWhatRuns: `discovery print` gives, as one JSON
// object, the very configs the running agent publishes on this machine:
// the same topics, each with the same components.
func TestDiscoveryPrintIsWhatRuns(t *testing.T) {
	b := testbroker.Embedded(t)
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	cfg := filepath.Join(t.TempDir(), "agent.yaml")
	must(t, os.WriteFile(cfg, []byte(`device: {id: printtest}
probes: [{name: web, kind: http, target: "`+web.URL+`", interval: 1h}]
`), 0o600))
	env := map[string]string{"HOMEFLEET_MQTT_URL": "mqtt://" + b.Addr()}
	r := runCmd(t, env, "discovery", "print", "--config", cfg)
	var printed map[string]discovery.Payload
	if err := json.Unmarshal([]byte(r.stdout), &printed); err != nil || r.code != 0 {
		t.Fatalf("print is not one JSON object (code %d): %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	w := testbroker.Watch(t, "mqtt://"+b.Addr(), "homeassistant/device/#")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { runCtx(ctx, env, "agent", "--config", cfg) })
	defer func() { cancel(); wg.Wait() }()
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool {
		for tp := range printed {
			if !w.Has(tp, nil) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("printed %d configs, the agent published %v", len(printed), w.Snapshot())
	}
	w.Sync(t)
	live := map[string]discovery.Payload{}
	for tp, p := range w.Snapshot() {
		if strings.HasPrefix(tp, "homeassistant/device/") && strings.Contains(tp, "printtest") {
			var pl discovery.Payload
			must(t, json.Unmarshal(p, &pl))
			live[tp] = pl
		}
	}
	if !slices.Equal(slices.Sorted(maps.Keys(printed)), slices.Sorted(maps.Keys(live))) {
		t.Errorf("printed topics %v, live %v", slices.Sorted(maps.Keys(printed)), slices.Sorted(maps.Keys(live)))
	}
	for tp, p := range printed {
		if got, want := slices.Sorted(maps.Keys(live[tp].Components)), slices.Sorted(maps.Keys(p.Components)); !slices.Equal(got, want) {
			t.Errorf("%s: live components %v, printed %v", tp, got, want)
		}
	}
	t.Logf("%d configs, %d components, printed and live alike", len(printed), countComponents(printed))
}

func countComponents(m map[string]discovery.Payload) int {
	n := 0
	for _, p := range m {
		n += len(p.Components)
	}
	return n
}
