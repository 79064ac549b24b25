package disks

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
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

func diskDoc(poh uint64, realloc, pending uint64, passed bool) []byte {
	d := wire.Disk{
		V: 1, TS: 1, Status: wire.DiskOK, Name: "sda", Protocol: "ATA", Model: "HGST HMS5C4040BLE640", Serial: "PL1331LAGXN4AH",
		Health: wire.DiskHealth{Passed: passed, Known: true, Reasons: []string{}}, PowerOnHours: &poh,
		Attrs: map[string]wire.DiskAttr{
			"a5": {ID: 5, Count: realloc}, "a197": {ID: 197, Count: pending}, "a198": {ID: 198}, "a187": {ID: 187},
			"a10": {ID: 10}, "a12": {ID: 12, Count: 40}, "a188": {ID: 188}, "a189": {ID: 189}, "a196": {ID: 196},
		},
	}
	b, _ := json.Marshal(d)
	return b
}

func prediction(w *testbroker.Watcher, device, disk string) wire.Prediction {
	var p wire.Prediction
	if m, ok := w.Latest(topic.Default().HubDisk(device, disk)); ok {
		_ = json.Unmarshal(m.Payload, &p)
	}
	return p
}

// TestDiskPredictions drives the hub with disk documents as an agent
// would publish them: healthy, then failing; then restarts the hub on the
// same store and checks the history survived.
func TestDiskPredictions(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	h := featuretest.Start(t, b.URL(), featuretest.Options{Store: dbPath}, build)
	w := testbroker.Watch(t, b.URL(), "homefleet/#", "homeassistant/#")
	diskTopic := sc.Disk("nas", "pl1331lagxn4ah")

	w.Publish(t, diskTopic, diskDoc(20000, 0, 0, true), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return prediction(w, "nas", "pl1331lagxn4ah").State == "ok" }) {
		t.Fatalf("no ok prediction; saw %v", w.Snapshot())
	}
	w.Publish(t, diskTopic, []byte("{not json"), false) // refused, hub keeps going
	w.Publish(t, diskTopic, diskDoc(20010, 800, 400, false), true)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.HubDiskTrigger("nas", "pl1331lagxn4ah"), []byte(discovery.TriggerDiskFailing))
	}) {
		t.Fatalf("no disk_failing trigger; prediction %+v", prediction(w, "nas", "pl1331lagxn4ah"))
	}
	p := prediction(w, "nas", "pl1331lagxn4ah")
	if p.State != "failing" || !p.Within48h || !strings.Contains(strings.Join(p.Reasons, ";"), "overall-health FAILED") {
		t.Errorf("prediction %+v", p)
	}
	snap := w.Snapshot()
	disc := sc.NodeDiscovery(topic.HubID, topic.PredictionNode("nas", "pl1331lagxn4ah"))
	for _, err := range discovery.NewChecker().Check(disc, snap[disc], snap) {
		t.Error(err)
	}
	var dp discovery.Payload
	if err := json.Unmarshal(snap[disc], &dp); err != nil || dp.Device.Identifiers[0] != discovery.DiskIdentifier("nas", "pl1331lagxn4ah", "PL1331LAGXN4AH") {
		t.Errorf("prediction entities must attach to the disk's HA device: %+v %v", dp.Device, err)
	}
	h.Stop(t)

	// Restart on the same store with the agent's document gone from the
	// broker: the verdict can only come from the stored history.
	w.Publish(t, diskTopic, nil, true)
	w.Publish(t, sc.HubDisk("nas", "pl1331lagxn4ah"), nil, true)
	time.Sleep(100 * time.Millisecond)
	w.Reset()
	h2 := featuretest.Start(t, b.URL(), featuretest.Options{Store: dbPath}, build)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool { return prediction(w, "nas", "pl1331lagxn4ah").State == "failing" }) {
		t.Errorf("after restart: %+v", prediction(w, "nas", "pl1331lagxn4ah"))
	}
	h2.Stop(t)
}

func build(env feature.Env) ([]service.Service, error) {
	d, err := New(context.Background(), env, config.EvacuateAuto)
	return []service.Service{d}, err
}
