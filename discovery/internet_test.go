package discovery

import (
	"encoding/json"
	"testing"

	"github.com/homefleet/homefleet/internal/golden"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

var testRecords = []DDNSRecordRef{{Key: "home.example.com/A", Name: "home.example.com", Type: "A"}, {Key: "nas.example.com/AAAA", Name: "nas.example.com", Type: "AAAA"}}

func TestInternetPayloadGolden(t *testing.T) {
	golden.JSON(t, "internet.golden.json", InternetPayload("hub", "1.0.0", true, testRecords, topic.Default()))
}

func TestProbePayloadGolden(t *testing.T) {
	golden.JSON(t, "probe.golden.json", ProbePayload(testHost.ID, testHost.Name, "smb-nas", "1.0.0", topic.Default()))
}

func TestInternetAndProbePassHARules(t *testing.T) {
	sc := topic.Default()
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	states := map[string][]byte{
		sc.HubPublicIP():                   js(wire.PublicIP{V: 1, IPv4: "81.2.69.142"}),
		sc.HubDDNS("home.example.com/A"):   js(wire.DDNSRecord{V: 1, Name: "home.example.com", Type: "A"}),
		sc.HubDDNS("nas.example.com/AAAA"): js(wire.DDNSRecord{V: 1}),
		sc.Probe(testHost.ID, "smb-nas"):   js(wire.Probe{V: 1, Up: true, LatencyMS: 1.5}),
	}
	c := NewChecker()
	for tp, p := range map[string]Payload{
		sc.NodeDiscovery("hub", "hub_internet"):                 InternetPayload("hub", "1.0.0", true, testRecords, sc),
		sc.NodeDiscovery(testHost.ID, testHost.ID+"_probe_smb"): ProbePayload(testHost.ID, testHost.Name, "smb-nas", "1.0.0", sc),
	} {
		b, _ := p.Marshal()
		for _, err := range c.Check(tp, b, states) {
			t.Error(err)
		}
	}
}
