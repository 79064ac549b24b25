package discovery

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/golden"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

var testHost = Host{ID: "3f9a1c2b7d4e", Name: "nas", Model: "Debian GNU/Linux 12 (linux/amd64)", Version: "1.0.0", Idle: true, Power: []string{"sleep"}, Jobs: []string{"backup"}}

func p[T any](v T) *T { return &v }

func testState() wire.State {
	return wire.State{
		V: 1, TS: 1767323050, CPU: p(25.0), Load1: 0.52, Load5: 0.61, Load15: 0.7, MemPct: 37.5,
		MemUsed: 3 << 30, MemAvail: 5 << 30, SwapPct: 12.5, Uptime: 180010, Boot: "2025-12-31T01:04:00Z", Procs: 211,
		FS: map[string]wire.FS{
			"root":     {Path: "/", Pct: 25, Used: 16 << 30, Free: 48 << 30},
			"srv_data": {Path: "/srv/data", Pct: 75, Used: 6 << 40, Free: 2 << 40},
		},
		IO:    map[string]wire.DiskIO{"sda": {Read: p[uint64](1 << 20), Write: p[uint64](200 << 10), Lat: p(4.0)}},
		Net:   map[string]wire.NetIO{"eth0": {Rx: p[uint64](1250000), Tx: p[uint64](125000)}},
		Idle:  &wire.Idle{Idle: false, Reasons: []string{"2 SMB sessions from 192.168.1.20"}},
		Temp:  map[string]float64{"coretemp_package_id_0": 48.3},
		Facts: wire.Facts{OS: "Debian GNU/Linux 12", Kernel: "6.1.0-18-amd64", Arch: "amd64", Version: "1.0.0", IPs: []string{"192.168.1.10"}},
	}
}

func TestHostPayloadGolden(t *testing.T) {
	golden.JSON(t, "host.golden.json", HostPayload(testHost, testState(), topic.Default()))
}

func TestHubPayloadGolden(t *testing.T) {
	golden.JSON(t, "hub.golden.json", HubPayload("hub", "1.0.0", topic.Default()))
}

func TestHostPayloadPassesHARules(t *testing.T) {
	sc := topic.Default()
	p := HostPayload(testHost, testState(), sc)
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	state, _ := json.Marshal(testState())
	for _, err := range NewChecker().Check(sc.Discovery(testHost.ID), b, map[string][]byte{sc.State(testHost.ID): state}) {
		t.Error(err)
	}
	// An entity per reading, and no others.
	for _, id := range []string{"fs_root_pct", "fs_srv_data_free", "io_sda_lat", "net_eth0_rx", "temp_coretemp_package_id_0", "refresh"} {
		if _, ok := p.Components[id]; !ok {
			t.Errorf("missing component %s", id)
		}
	}
}

func TestRemovedSendsTombstones(t *testing.T) {
	sc := topic.Default()
	prev := HostPayload(testHost, testState(), sc)
	st := testState()
	delete(st.FS, "srv_data")
	next := HostPayload(testHost, st, sc)
	tomb, ok := Removed(prev, next)
	if !ok {
		t.Fatal("a removed mount must produce tombstones")
	}
	for _, id := range []string{"fs_srv_data_pct", "fs_srv_data_free"} {
		if e := tomb.Components[id]; !reflect.DeepEqual(e, Entity{Platform: Sensor}) {
			t.Errorf("%s: want bare {p: sensor}, got %+v", id, e)
		}
		if _, still := next.Components[id]; still {
			t.Errorf("%s still in the next payload", id)
		}
	}
	if _, ok := Removed(next, next); ok {
		t.Error("no removal, no tombstone")
	}
}

func TestCheckerCatchesViolations(t *testing.T) {
	state := map[string][]byte{"homefleet/x/state": []byte(`{"cpu": 1, "fs": {"root": {"pct": 2}}}`)}
	wrap := func(cmp string) string {
		return `{"dev":{"ids":["homefleet_x"],"name":"nas"},"o":{"name":"homefleet"},"stat_t":"homefleet/x/state","avty_t":"homefleet/x/status","cmps":{"c":` + cmp + `}}`
	}
	tests := []struct {
		name, topic, payload, want string
	}{
		{"dot in node id", "homeassistant/device/nas.lan/config", wrap(`{"p":"sensor","uniq_id":"x_c"}`), "topic"},
		{"not json", "homeassistant/device/x/config", `{"dev":`, "not a JSON object"},
		{"no origin", "homeassistant/device/x/config", `{"dev":{"ids":["a"]},"cmps":{"c":{"p":"sensor","uniq_id":"a"}}}`, "origin"},
		{"no identifiers", "homeassistant/device/x/config", `{"dev":{},"o":{"name":"h"},"cmps":{"c":{"p":"sensor","uniq_id":"a","stat_t":"s","avty_t":"a"}}}`, "ids or cns"},
		{"no unique id", "homeassistant/device/x/config", wrap(`{"p":"sensor","name":"CPU"}`), "uniq_id is required"},
		{"bad platform", "homeassistant/device/x/config", wrap(`{"p":"gauge","uniq_id":"x_c"}`), "not supported"},
		{"celsius without degree", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","dev_cla":"temperature","unit_of_meas":"C"}`), "not valid for device_class"},
		{"hours spelled out", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","dev_cla":"duration","unit_of_meas":"hours"}`), "not valid for device_class"},
		{"total on data rate", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","dev_cla":"data_rate","unit_of_meas":"B/s","stat_cla":"total"}`), "stat_cla"},
		{"config category on sensor", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","ent_cat":"config"}`), "ent_cat config"},
		{"object_id", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","obj_id":"c"}`), "deprecated"},
		{"name repeats device", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","name":"nas CPU"}`), "starts with the device name"},
		{"template key missing", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","val_tpl":"{{ value_json.fs.srv.pct }}"}`), "missing from the state"},
		{"bad entity id", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"x_c","def_ent_id":"switch.x"}`), "def_ent_id"},
		{"upper case unique id", "homeassistant/device/x/config", wrap(`{"p":"sensor","uniq_id":"X_C"}`), "[a-z0-9_-]"},
		{"button without command", "homeassistant/device/x/config", wrap(`{"p":"button","uniq_id":"x_b"}`), "no command topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := NewChecker().Check(tt.topic, []byte(tt.payload), state)
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.want) && errors.Is(err, ErrRule) {
					return
				}
			}
			t.Errorf("want an error containing %q, got %v", tt.want, errs)
		})
	}
}

func TestCheckerDuplicateUniqueIDAcrossDevices(t *testing.T) {
	c := NewChecker()
	p := func(dev string) []byte {
		return []byte(`{"dev":{"ids":["` + dev + `"]},"o":{"name":"h"},"stat_t":"s","avty_t":"a","cmps":{"cpu":{"p":"sensor","uniq_id":"same_cpu"}}}`)
	}
	if errs := c.Check("homeassistant/device/a/config", p("a"), nil); len(errs) != 0 {
		t.Fatal(errs)
	}
	if errs := c.Check("homeassistant/device/b/config", p("b"), nil); len(errs) == 0 {
		t.Error("a unique_id reused by another device must be reported")
	}
}

func testDisk() wire.Disk {
	u := func(v uint64) *uint64 { return &v }
	temp := 36.0
	return wire.Disk{
		V: 1, TS: 1767323050, Status: wire.DiskOK, Name: "sda", Protocol: "ATA", Model: "WDC WD40EFRX-68N32N0",
		Serial: "WD-WCC7K1234567", Firmware: "82.00A82", Capacity: 4000787030016, RotationRPM: 5400, Source: "smartctl",
		Health:      wire.DiskHealth{Passed: true, Known: true, Reasons: []string{}},
		Temperature: &temp, PowerOnHours: u(31211), PowerCycles: u(112),
		Counts: wire.DiskCounts{Reallocated: u(0), Pending: u(0), Uncorrectable: u(0)},
	}
}

func TestDiskPayloadGolden(t *testing.T) {
	h := testHost
	h.Evacuate = true // the whole contract: with the evacuation entities
	golden.JSON(t, "disk.golden.json", DiskPayload(h, "wd-wcc7k1234567", "1.0.0", testDisk(), topic.Default()))
}

func TestDiskPayloadPassesHARules(t *testing.T) {
	sc := topic.Default()
	for _, d := range []wire.Disk{testDisk(), func() wire.Disk {
		d := testDisk()
		d.Protocol, d.Counts = "NVMe", wire.DiskCounts{}
		d.NVMe = &wire.NVMe{AvailableSpare: 100, SpareThreshold: 10, PercentUsed: 3}
		return d
	}()} {
		h := testHost
		h.Evacuate = d.NVMe != nil // one of each
		p := DiskPayload(h, "k", "1.0.0", d, sc)
		b, _ := p.Marshal()
		state, _ := json.Marshal(d)
		evac, _ := json.Marshal(wire.Evacuation{V: 1, State: wire.EvacuationIdle, Mounts: []string{}})
		for _, err := range NewChecker().Check(sc.NodeDiscovery(testHost.ID, topic.DiskNode(testHost.ID, "k")), b,
			map[string][]byte{sc.Disk(testHost.ID, "k"): state, sc.Evacuation(testHost.ID, "k"): evac}) {
			t.Error(err)
		}
		if p.Device.ViaDevice != testHost.Identifier() {
			t.Errorf("via_device %q, want the host %q", p.Device.ViaDevice, testHost.Identifier())
		}
		if _, has := p.Components["evacuate"]; has != h.Evacuate {
			t.Errorf("the Evacuate data button must follow the agent's config (%v): %v", h.Evacuate, p.Components)
		}
		_, hasSpare := p.Components["nvme_spare"]
		_, hasRealloc := p.Components["reallocated"]
		if hasSpare != (d.NVMe != nil) || hasRealloc != (d.Counts.Reallocated != nil) {
			t.Errorf("entities must follow what the disk reports: %v", p.Components)
		}
	}
}
