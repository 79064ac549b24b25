package fleet

import (
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/feature/featuretest"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestTidyClearsOnlyWhatMustNotStay: retained configs of the old layout
// (a Wake node and the internet node at the top level) and a retained
// command are cleared; a host's own config (also one whose components
// all inherit its topics), a nested node and another integration's config
// are left alone.
func TestTidyClearsOnlyWhatMustNotStay(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	marshal := func(p discovery.Payload) []byte {
		out, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	wake := marshal(discovery.WakePayload(topic.HubID, "nas", "nas", "1.0.0", sc))
	internet := marshal(discovery.InternetPayload(topic.HubID, "1.0.0", false, nil, sc))
	hubDevice := marshal(discovery.HubPayload(topic.HubID, "1.0.0", sc))
	// A host whose components all inherit the payload's state topic (no
	// probes): the hub once cleared these when it saw them retained.
	plainHost := marshal(discovery.HostPayload(discovery.Host{ID: "pc", Name: "pc"}, wire.State{}, sc))
	foreign := []byte(`{"dev":{"ids":["z2m_lamp"]},"o":{"name":"Zigbee2MQTT"},"cmps":{"l":{"p":"light","stat_t":"zigbee2mqtt/lamp"}}}`)

	clear := map[string][]byte{
		sc.Discovery(topic.WakeNode("nas")): wake,     // homeassistant/device/nas_wake/config
		sc.Discovery(topic.InternetNode()):  internet, // homeassistant/device/hub_internet/config
		sc.Command("nas", "sleep"):          []byte("PRESS"),
	}
	keep := map[string][]byte{
		sc.Discovery(topic.HubID):                            hubDevice,
		sc.Discovery("pc"):                                   plainHost,
		sc.NodeDiscovery(topic.HubID, topic.WakeNode("nas")): wake,
		"homeassistant/device/z2m_lamp/config":               foreign,
	}
	w := testbroker.Watch(t, b.URL(), "homeassistant/device/#", "homefleet/+/cmd/#")
	for _, set := range []map[string][]byte{clear, keep} {
		for tp, p := range set {
			w.Publish(t, tp, p, true)
		}
	}
	w.Sync(t)

	featuretest.Start(t, b.URL(), featuretest.Options{}, func(env feature.Env) ([]service.Service, error) {
		return []service.Service{New(env)}, nil
	})
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		for tp := range clear {
			if !w.Has(tp, []byte{}) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("not cleared: %v", w.Snapshot())
	}
	fresh := testbroker.Watch(t, b.URL(), "homeassistant/device/#", "homefleet/+/cmd/#")
	fresh.Sync(t)
	got := fresh.Snapshot()
	for tp := range clear {
		if _, ok := got[tp]; ok {
			t.Errorf("%s still retained", tp)
		}
	}
	for tp, p := range keep {
		if string(got[tp]) != string(p) {
			t.Errorf("%s: retained %q, want it left alone", tp, got[tp])
		}
	}
}
