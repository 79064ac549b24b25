// Package host collects host metrics: CPU, load, memory, filesystems, disk
// and network throughput, temperatures, uptime and facts. It knows nothing
// of MQTT, HA or JSON; the agent maps a Sample to the wire format.
package host

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoData is returned by Collect when a source has nothing to report.
var ErrNoData = errors.New("no data")

// Source reads raw counters and facts from the OS. The gopsutil-backed
// implementation is NewSource; tests feed fixtures.
type Source interface {
	Read(ctx context.Context) (Raw, error)
	Facts(ctx context.Context) (Facts, error)
}

// Raw is one reading of monotonic counters and gauges.
type Raw struct {
	Time                 time.Time
	CPUBusy, CPUTotal    float64 // seconds, summed over all CPUs since boot
	Load1, Load5, Load15 float64
	MemTotal, MemUsed    uint64
	MemAvail             uint64
	SwapTotal, SwapUsed  uint64
	BootTime             time.Time
	Procs                uint64
	Mounts               []Mount
	Disks                map[string]DiskCounters
	Ifaces               map[string]IfaceCounters
	Temps                []Temp
}

// DiskCounters are cumulative counters of one block device.
type DiskCounters struct {
	ReadBytes, WriteBytes uint64
	Ops                   uint64 // reads + writes completed
	BusyMs                uint64 // ms spent on reads + writes
}

// IfaceCounters are cumulative counters of one network interface.
type IfaceCounters struct {
	RxBytes, TxBytes uint64
}

// Mount is the usage of one real filesystem.
type Mount struct {
	Path, Device, FSType string
	Total, Used, Free    uint64
}

// Temp is one temperature sensor in °C.
type Temp struct {
	Sensor  string
	Celsius float64
}

// Facts are slow-changing facts about the host.
type Facts struct {
	Hostname, OS, Kernel, Arch string
	IPs                        []string
}

// Sample is what one collection cycle reports.
type Sample struct {
	Time time.Time
	// Rates is false on the first reading: CPU, disk and network rates
	// need a previous one, and are unknown until then (not zero).
	Rates                bool
	CPUPct               float64
	Load1, Load5, Load15 float64
	MemPct               float64
	MemUsed, MemAvail    uint64
	SwapPct              float64
	BootTime             time.Time
	Uptime               time.Duration
	Procs                uint64
	Mounts               []Mount
	Disks                map[string]DiskRate
	Ifaces               map[string]IfaceRate
	Temps                []Temp
}

// DiskRate is the throughput and latency of a block device over the last interval.
type DiskRate struct {
	ReadBps, WriteBps float64
	LatencyMs         float64
}

// IfaceRate is the throughput of an interface over the last interval.
type IfaceRate struct {
	RxBps, TxBps float64
}

// Collector turns successive Raw readings into rates. Not safe for
// concurrent use: one agent loop owns it.
type Collector struct {
	src  Source
	prev *Raw
}

// New returns a collector over src.
func New(src Source) *Collector { return &Collector{src: src} }

// Facts passes through to the source.
func (c *Collector) Facts(ctx context.Context) (Facts, error) {
	f, err := c.src.Facts(ctx)
	if err != nil {
		return Facts{}, fmt.Errorf("reading host facts: %w", err)
	}
	return f, nil
}

// Collect reads the source and computes rates against the previous read.
// The first call has no rates (Sample.Rates is false).
func (c *Collector) Collect(ctx context.Context) (Sample, error) {
	cur, err := c.src.Read(ctx)
	if err != nil {
		return Sample{}, fmt.Errorf("reading host metrics: %w", err)
	}
	s := Compute(c.prev, cur)
	c.prev = &cur
	return s, nil
}

// Compute derives a Sample from the current and the previous reading
// (nil on the first cycle). Counters that went backwards (reboot, device
// reset) yield a zero rate, never a negative or huge one.
func Compute(prev *Raw, cur Raw) Sample {
	s := Sample{
		Time:     cur.Time,
		Load1:    cur.Load1,
		Load5:    cur.Load5,
		Load15:   cur.Load15,
		MemUsed:  cur.MemUsed,
		MemAvail: cur.MemAvail,
		MemPct:   pct(cur.MemUsed, cur.MemTotal),
		SwapPct:  pct(cur.SwapUsed, cur.SwapTotal),
		BootTime: cur.BootTime,
		Procs:    cur.Procs,
		Mounts:   cur.Mounts,
		Temps:    cur.Temps,
		Disks:    make(map[string]DiskRate, len(cur.Disks)),
		Ifaces:   make(map[string]IfaceRate, len(cur.Ifaces)),
	}
	if !cur.BootTime.IsZero() && cur.Time.After(cur.BootTime) {
		s.Uptime = cur.Time.Sub(cur.BootTime).Truncate(time.Second)
	}
	var dt float64
	if prev != nil {
		s.Rates = true
		dt = cur.Time.Sub(prev.Time).Seconds()
		if total := cur.CPUTotal - prev.CPUTotal; total > 0 {
			s.CPUPct = clamp(100*(cur.CPUBusy-prev.CPUBusy)/total, 0, 100)
		}
	}
	for name, d := range cur.Disks {
		var r DiskRate
		if p, ok := prevDisk(prev, name); ok && dt > 0 {
			r.ReadBps = rate(p.ReadBytes, d.ReadBytes, dt)
			r.WriteBps = rate(p.WriteBytes, d.WriteBytes, dt)
			if ops := delta(p.Ops, d.Ops); ops > 0 {
				r.LatencyMs = float64(delta(p.BusyMs, d.BusyMs)) / float64(ops)
			}
		}
		s.Disks[name] = r
	}
	for name, n := range cur.Ifaces {
		var r IfaceRate
		if p, ok := prevIface(prev, name); ok && dt > 0 {
			r.RxBps = rate(p.RxBytes, n.RxBytes, dt)
			r.TxBps = rate(p.TxBytes, n.TxBytes, dt)
		}
		s.Ifaces[name] = r
	}
	return s
}

func prevDisk(prev *Raw, name string) (DiskCounters, bool) {
	if prev == nil {
		return DiskCounters{}, false
	}
	d, ok := prev.Disks[name]
	return d, ok
}

func prevIface(prev *Raw, name string) (IfaceCounters, bool) {
	if prev == nil {
		return IfaceCounters{}, false
	}
	n, ok := prev.Ifaces[name]
	return n, ok
}

func delta(a, b uint64) uint64 {
	if b < a {
		return 0
	}
	return b - a
}

func rate(a, b uint64, dt float64) float64 { return float64(delta(a, b)) / dt }

func pct(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return clamp(100*float64(part)/float64(whole), 0, 100)
}

func clamp(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }
