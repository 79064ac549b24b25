package agent

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// ToWire maps a host sample and facts to the state document, rounding
// values to what a dashboard shows so noise does not defeat the deadband.
func ToWire(s host.Sample, f host.Facts, version string) wire.State {
	st := wire.State{
		V:        wire.StateVersion,
		TS:       s.Time.Unix(),
		Load1:    round(s.Load1, 2),
		Load5:    round(s.Load5, 2),
		Load15:   round(s.Load15, 2),
		MemPct:   round(s.MemPct, 1),
		MemUsed:  s.MemUsed,
		MemAvail: s.MemAvail,
		SwapPct:  round(s.SwapPct, 1),
		Uptime:   uint64(s.Uptime / time.Second), //nolint:gosec // non-negative
		Procs:    s.Procs,
		Facts:    wire.Facts{OS: f.OS, Kernel: f.Kernel, Arch: f.Arch, Version: version, IPs: f.IPs, Host: f.Hostname},
	}
	if s.Rates {
		st.CPU = ptr(round(s.CPUPct, 1))
	}
	if !s.BootTime.IsZero() {
		st.Boot = s.BootTime.UTC().Format(time.RFC3339)
	}
	if len(s.Mounts) > 0 {
		st.FS = make(map[string]wire.FS, len(s.Mounts))
		for _, m := range s.Mounts {
			pct := 0.0
			if m.Used+m.Free > 0 {
				pct = 100 * float64(m.Used) / float64(m.Used+m.Free)
			}
			st.FS[uniqueKey(st.FS, mountKey(m.Path))] = wire.FS{Path: m.Path, Pct: round(pct, 1), Used: m.Used, Free: m.Free}
		}
	}
	if len(s.Disks) > 0 {
		st.IO = make(map[string]wire.DiskIO, len(s.Disks))
		for name, d := range s.Disks {
			var io wire.DiskIO
			if s.Rates {
				io = wire.DiskIO{Read: ptr(uint64(d.ReadBps)), Write: ptr(uint64(d.WriteBps)), Lat: ptr(round(d.LatencyMs, 2))}
			}
			st.IO[uniqueKey(st.IO, topic.Key(name))] = io
		}
	}
	if len(s.Ifaces) > 0 {
		st.Net = make(map[string]wire.NetIO, len(s.Ifaces))
		for name, n := range s.Ifaces {
			var r wire.NetIO
			if s.Rates {
				r = wire.NetIO{Rx: ptr(uint64(n.RxBps)), Tx: ptr(uint64(n.TxBps))}
			}
			st.Net[uniqueKey(st.Net, topic.Key(name))] = r
		}
	}
	if len(s.Temps) > 0 {
		st.Temp = make(map[string]float64, len(s.Temps))
		for _, t := range s.Temps {
			st.Temp[uniqueKey(st.Temp, topic.Key(t.Sensor))] = round(t.Celsius, 1)
		}
	}
	return st
}

// mountKey names a mount point: "/" is root, "C:\" is c.
func mountKey(path string) string {
	if strings.Trim(path, `/\`) == "" {
		return "root"
	}
	return topic.Key(path)
}

// uniqueKey appends _2, _3... when two names sanitize to the same key.
func uniqueKey[V any](m map[string]V, key string) string {
	if _, taken := m[key]; !taken {
		return key
	}
	for i := 2; ; i++ {
		k := key + "_" + strconv.Itoa(i)
		if _, taken := m[k]; !taken {
			return k
		}
	}
}

func ptr[T any](v T) *T { return &v }

func round(v float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(v*p) / p
}
