// Package hosttest provides a deterministic host source for tests:
// a NAS with two mounts, two disks, one interface and two sensors.
package hosttest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
)

// Start is the time of the fake's first reading.
var Start = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC) //nolint:gochecknoglobals // fixture

// Fake is a host.Source whose counters advance by a fixed step per Read.
type Fake struct {
	mu     sync.Mutex
	n      int
	mounts []host.Mount
	Step   time.Duration
}

var _ host.Source = (*Fake)(nil)

// NewFake returns the fixture host.
func NewFake() *Fake {
	return &Fake{
		Step: 10 * time.Second,
		mounts: []host.Mount{
			{Path: "/", Device: "/dev/sda1", FSType: "ext4", Total: 64 << 30, Used: 16 << 30, Free: 48 << 30},
			{Path: "/srv/data", Device: "/dev/md0", FSType: "btrfs", Total: 8 << 40, Used: 6 << 40, Free: 2 << 40},
		},
	}
}

// RemoveMount makes a mount disappear from later reads.
func (f *Fake) RemoveMount(path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mounts = slices.DeleteFunc(f.mounts, func(m host.Mount) bool { return m.Path == path })
}

// Read returns reading number n: every counter grows by a fixed amount.
func (f *Fake) Read(context.Context) (host.Raw, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := uint64(f.n) //nolint:gosec // small
	f.n++
	dt := f.Step.Seconds()
	return host.Raw{
		Time:     Start.Add(time.Duration(n) * f.Step),
		CPUBusy:  100 + float64(n)*dt*0.25*4, // 25 % of 4 CPUs
		CPUTotal: 1000 + float64(n)*dt*4,
		Load1:    0.52, Load5: 0.61, Load15: 0.7,
		MemTotal: 8 << 30, MemUsed: 3 << 30, MemAvail: 5 << 30,
		SwapTotal: 2 << 30, SwapUsed: 256 << 20,
		BootTime: Start.Add(-50 * time.Hour),
		Procs:    211,
		Mounts:   slices.Clone(f.mounts),
		Disks: map[string]host.DiskCounters{
			"sda":     {ReadBytes: n * 10 << 20, WriteBytes: n * 2 << 20, Ops: n * 400, BusyMs: n * 1600},
			"nvme0n1": {ReadBytes: n * 1 << 20, WriteBytes: n * 5 << 20, Ops: n * 1000, BusyMs: n * 200},
		},
		Ifaces: map[string]host.IfaceCounters{
			"eth0": {RxBytes: n * 12_500_000, TxBytes: n * 1_250_000},
		},
		Temps: []host.Temp{{Sensor: "coretemp_package_id_0", Celsius: 48.3}, {Sensor: "nvme_composite", Celsius: 39.85}},
	}, nil
}

// Facts returns fixed facts.
func (f *Fake) Facts(context.Context) (host.Facts, error) {
	return host.Facts{Hostname: "nas", OS: "Debian GNU/Linux 12", Kernel: "6.1.0-18-amd64", Arch: "amd64", IPs: []string{"192.168.1.10", "2001:db8::10"}}, nil
}
