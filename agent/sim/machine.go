package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/internal/netid"
)

// machine is one simulated machine: a host whose counters move like a
// lightly used NAS's (CPU 2-40 %, disk and network bursts), its disks'
// SMART data, a network identity on a documentation subnet, and a power
// backend that offers nothing (a simulated agent never sleeps this host).
type machine struct {
	n     int
	name  string
	disks int

	mu   sync.Mutex
	rng  *rand.Rand
	raw  host.Raw
	hour uint64
}

func newMachine(n, disks int, start time.Time) *machine {
	m := &machine{n: n, name: fmt.Sprintf("sim%04d", n), disks: disks, rng: rand.New(rand.NewPCG(uint64(n), 42))} //nolint:gosec // a simulation
	m.raw = host.Raw{
		Time: start, CPUBusy: 1000, CPUTotal: 40000, MemTotal: 8 << 30, SwapTotal: 2 << 30,
		BootTime: start.Add(-time.Duration(24+n%500) * time.Hour),
		Mounts: []host.Mount{
			{Path: "/", Device: "/dev/sda1", FSType: "ext4", Total: 64 << 30},
			{Path: "/srv/data", Device: "/dev/md0", FSType: "ext4", Total: 4 << 40},
		},
		Disks:  map[string]host.DiskCounters{"sda": {}},
		Ifaces: map[string]host.IfaceCounters{"eth0": {}},
	}
	return m
}

var _ host.Source = (*machine)(nil)

// Read advances the counters by one interval of plausible activity.
func (m *machine) Read(context.Context) (host.Raw, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	dt := now.Sub(m.raw.Time).Seconds()
	if dt <= 0 {
		dt = 1
	}
	r := &m.raw
	r.Time = now
	busy := 0.02 + 0.38*m.rng.Float64()*m.rng.Float64()
	r.CPUBusy += busy * dt * 4
	r.CPUTotal += dt * 4
	r.Load1 = busy * 4
	r.Load5 = (r.Load5*4 + r.Load1) / 5
	r.Load15 = (r.Load15*14 + r.Load1) / 15
	r.MemUsed = 2<<30 + uint64(m.rng.Int64N(2<<30)) // Int64N: int is 32 bits on armv7
	r.MemAvail = r.MemTotal - r.MemUsed
	r.SwapUsed = 64 << 20
	r.Procs = 180 + uint64(m.rng.IntN(40))
	for i := range r.Mounts {
		mt := &r.Mounts[i]
		if mt.Used == 0 {
			mt.Used = mt.Total / uint64(2+m.n%3)
		}
		mt.Used += uint64(m.rng.IntN(1 << 20))
		mt.Free = mt.Total - mt.Used
	}
	d := r.Disks["sda"]
	d.ReadBytes += uint64(m.rng.ExpFloat64() * 2e6 * dt)
	d.WriteBytes += uint64(m.rng.ExpFloat64() * 5e5 * dt)
	d.Ops += uint64(m.rng.IntN(100) * int(dt))
	d.BusyMs += uint64(m.rng.IntN(50) * int(dt))
	r.Disks["sda"] = d
	e := r.Ifaces["eth0"]
	e.RxBytes += uint64(m.rng.ExpFloat64() * 1e5 * dt)
	e.TxBytes += uint64(m.rng.ExpFloat64() * 2e4 * dt)
	r.Ifaces["eth0"] = e
	r.Temps = []host.Temp{{Sensor: "coretemp_package_id_0", Celsius: 40 + 15*busy}}
	out := *r
	out.Mounts = append([]host.Mount(nil), r.Mounts...)
	out.Disks = map[string]host.DiskCounters{"sda": d}
	out.Ifaces = map[string]host.IfaceCounters{"eth0": e}
	return out, nil
}

// Facts are the machine's fixed facts.
func (m *machine) Facts(context.Context) (host.Facts, error) {
	return host.Facts{Hostname: m.name, OS: "Debian GNU/Linux 12", Kernel: "6.1.0-18-amd64", Arch: "amd64", IPs: []string{m.ipv4()}}, nil
}

func (m *machine) ipv4() string { return fmt.Sprintf("198.18.%d.%d", m.n/250, 1+m.n%250) } // RFC 2544 benchmark range

// net is the machine's network identity; its broadcast is never sent to
// (the simulator's relay drops magic packets).
func (m *machine) net() ([]netid.Interface, error) {
	mac := net.HardwareAddr{0x02, 0x53, 0x49, 0x4d, byte(m.n >> 8), byte(m.n)}
	return []netid.Interface{{Name: "eth0", MAC: mac.String(), IPv4: []string{m.ipv4() + "/16"}, Broadcast: []string{"198.18.255.255"}, WoL: "armed"}}, nil
}

// Collect returns the machine's disks' SMART data, ageing an hour per read.
func (m *machine) Collect(context.Context) ([]smart.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hour++
	out := make([]smart.Result, 0, m.disks)
	for i := range m.disks {
		poh, cycles := 20000+uint64(m.n*37+i*1000)+m.hour, uint64(60+i)
		temp := 30 + float64(m.rng.IntN(8))
		realloc := uint64(0)
		if (m.n+i)%50 == 0 { // one disk in fifty is wearing out
			realloc = m.hour * 2
		}
		name := fmt.Sprintf("sd%c", 'a'+rune(i%26))
		out = append(out, smart.Result{Name: name, Disk: smart.Disk{
			Name: name, Protocol: smart.ATA, Model: "WDC WD40EFRX-68N32N0", Serial: fmt.Sprintf("SIM-%04d-%02d", m.n, i),
			Firmware: "82.00A82", Capacity: 4000787030016, RotationRPM: 5400, Source: "smart.go",
			Health: smart.Health{Known: true, Passed: true}, Temperature: &temp, PowerOnHours: &poh, PowerCycles: &cycles,
			Attrs: []smart.Attr{
				{ID: 5, Name: "Reallocated_Sector_Ct", Value: 200, Worst: 200, Thresh: 140, Raw: realloc, Count: realloc, Prefail: true},
				{ID: 9, Name: "Power_On_Hours", Value: 50, Worst: 50, Raw: poh, Count: poh},
				{ID: 187, Name: "Reported_Uncorrect", Value: 100, Worst: 100, Raw: 0},
				{ID: 194, Name: "Temperature_Celsius", Value: 117, Worst: 100, Raw: uint64(temp), Count: uint64(temp)},
				{ID: 197, Name: "Current_Pending_Sector", Value: 200, Worst: 200, Raw: 0},
				{ID: 198, Name: "Offline_Uncorrectable", Value: 100, Worst: 100, Raw: 0},
			},
		}})
	}
	return out, nil
}

// noPower offers no power verb: HA shows no Sleep button for a simulated
// machine, and nothing could suspend the host running the simulation.
type noPower struct{}

func (noPower) Can(context.Context, power.Verb) (bool, error) { return false, nil }
func (noPower) Do(context.Context, power.Verb, bool) error    { return power.ErrUnsupported }

// noRelay drops the magic packets a simulated agent is asked to relay.
type noRelay struct{}

func (noRelay) Send(string, net.HardwareAddr, []byte) error { return nil }
