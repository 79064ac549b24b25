package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

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
			w.Has("homeassistant/device/probetest_probe_web/config", nil) && w.Has("homeassistant/device/probetest_probe_nas-smb/config", nil)
	})
	cancel()
	wg.Wait()
	if !ok {
		t.Fatalf("agent probes not published: %v\n%s", w.Snapshot(), r.stderr)
	}
}
