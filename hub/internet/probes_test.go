package internet

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestHubProbes: each probe shows in HA as a connectivity sensor with
// its latency and, when down, the error in words.
func TestHubProbes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	url := startInternet(t, config.Hub{
		Probes: []config.Probe{
			{Name: "web", Kind: config.ProbeHTTP, Target: srv.URL, Interval: time.Hour},
			{Name: "nas-smb", Kind: config.ProbeSMB, Target: "127.0.0.1:1", Interval: time.Hour},
		},
	})
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homefleet/#", "homeassistant/#")
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		web, ok1 := decodeLatest[wire.Probe](w, sc.Probe(topic.HubID, "web"))
		smb, ok2 := decodeLatest[wire.Probe](w, sc.Probe(topic.HubID, "nas-smb"))
		return ok1 && ok2 && web.Up && !smb.Up && smb.Error != "" && w.Has(sc.Discovery(topic.ProbeNode(topic.HubID, "nas-smb")), nil)
	}) {
		t.Fatalf("probe results: %q", w.Snapshot())
	}
	snap := w.Snapshot()
	c := discovery.NewChecker()
	for _, id := range []string{topic.ProbeNode(topic.HubID, "web"), topic.ProbeNode(topic.HubID, "nas-smb")} {
		for _, err := range c.Check(sc.Discovery(id), snap[sc.Discovery(id)], snap) {
			t.Error(err)
		}
	}
}
