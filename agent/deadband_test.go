package agent

import (
	"encoding/json"
	"testing"

	"github.com/homefleet/homefleet/internal/wire"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChanged(t *testing.T) {
	base := func() wire.State {
		return wire.State{
			V: 1, CPU: ptr(10.0), Load1: 1, MemPct: 40, MemAvail: 4 << 30, Procs: 200, Uptime: 100, TS: 1,
			FS:   map[string]wire.FS{"root": {Path: "/", Pct: 50}},
			IO:   map[string]wire.DiskIO{"sda": {Read: ptr[uint64](100 << 10), Write: ptr[uint64](0), Lat: ptr(2.0)}},
			Net:  map[string]wire.NetIO{"eth0": {Rx: ptr[uint64](1 << 20), Tx: ptr[uint64](0)}},
			Temp: map[string]float64{"cpu": 50},
		}
	}
	tests := []struct {
		name   string
		mutate func(*wire.State)
		want   bool
	}{
		{"identical", func(*wire.State) {}, false},
		{"uptime and ts only", func(s *wire.State) { s.Uptime += 10; s.TS += 10 }, false},
		{"cpu within band", func(s *wire.State) { s.CPU = ptr(11.5) }, false},
		{"cpu beyond band", func(s *wire.State) { s.CPU = ptr(12.5) }, true},
		{"load small", func(s *wire.State) { s.Load1 = 1.05 }, false},
		{"load big", func(s *wire.State) { s.Load1 = 1.3 }, true},
		{"mem pct", func(s *wire.State) { s.MemPct = 41 }, true},
		{"fs pct small", func(s *wire.State) { s.FS["root"] = wire.FS{Path: "/", Pct: 50.4} }, false},
		{"fs pct big", func(s *wire.State) { s.FS["root"] = wire.FS{Path: "/", Pct: 51} }, true},
		{"mount added", func(s *wire.State) { s.FS["srv"] = wire.FS{Path: "/srv"} }, true},
		{"mount removed", func(s *wire.State) { delete(s.FS, "root") }, true},
		{"rate noise below floor", func(s *wire.State) {
			s.IO["sda"] = wire.DiskIO{Read: ptr[uint64](105 << 10), Write: ptr[uint64](5 << 10), Lat: ptr(2.0)}
		}, false},
		{"rate jump", func(s *wire.State) {
			s.IO["sda"] = wire.DiskIO{Read: ptr[uint64](300 << 10), Write: ptr[uint64](0), Lat: ptr(2.0)}
		}, true},
		{"net 10 percent", func(s *wire.State) { s.Net["eth0"] = wire.NetIO{Rx: ptr[uint64](1153433), Tx: ptr[uint64](0)} }, false},
		{"net 50 percent", func(s *wire.State) { s.Net["eth0"] = wire.NetIO{Rx: ptr[uint64](1572864), Tx: ptr[uint64](0)} }, true},
		{"temp small", func(s *wire.State) { s.Temp["cpu"] = 50.9 }, false},
		{"temp big", func(s *wire.State) { s.Temp["cpu"] = 51.5 }, true},
		{"new ip", func(s *wire.State) { s.Facts.IPs = []string{"10.0.0.2"} }, true},
		{"rates become known", func(s *wire.State) { s.CPU = nil }, true},
		{"disk rate unknown", func(s *wire.State) { s.IO["sda"] = wire.DiskIO{} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.mutate(&b)
			if got := changed(a, b); got != tt.want {
				t.Errorf("changed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSameEntities(t *testing.T) {
	a := wire.State{FS: map[string]wire.FS{"root": {Path: "/"}}}
	b := wire.State{FS: map[string]wire.FS{"root": {Path: "/", Pct: 99}}}
	if !sameEntities(a, b) {
		t.Error("a value change is not an entity change")
	}
	c := wire.State{FS: map[string]wire.FS{"root": {Path: "/"}}, Temp: map[string]float64{"x": 1}}
	if sameEntities(a, c) {
		t.Error("a new sensor is an entity change")
	}
}
