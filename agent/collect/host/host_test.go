package host

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/disk"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestCompute(t *testing.T) {
	prev := Raw{
		Time: t0, CPUBusy: 100, CPUTotal: 1000,
		Disks:  map[string]DiskCounters{"sda": {ReadBytes: 1000, WriteBytes: 0, Ops: 10, BusyMs: 50}, "sdb": {ReadBytes: 5000}},
		Ifaces: map[string]IfaceCounters{"eth0": {RxBytes: 100, TxBytes: 100}},
	}
	cur := Raw{
		Time: t0.Add(10 * time.Second), CPUBusy: 130, CPUTotal: 1040,
		MemTotal: 1000, MemUsed: 250, SwapTotal: 0, SwapUsed: 0,
		BootTime: t0.Add(-time.Hour),
		Disks: map[string]DiskCounters{
			"sda": {ReadBytes: 11000, WriteBytes: 2000, Ops: 20, BusyMs: 80},
			"sdb": {ReadBytes: 10}, // counter reset
			"sdc": {ReadBytes: 99}, // new disk
		},
		Ifaces: map[string]IfaceCounters{"eth0": {RxBytes: 1100, TxBytes: 50}},
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"cpu %", Compute(&prev, cur).CPUPct, 75},
		{"mem %", Compute(&prev, cur).MemPct, 25},
		{"swap % without swap", Compute(&prev, cur).SwapPct, 0},
		{"read B/s", Compute(&prev, cur).Disks["sda"].ReadBps, 1000},
		{"write B/s", Compute(&prev, cur).Disks["sda"].WriteBps, 200},
		{"latency ms/op", Compute(&prev, cur).Disks["sda"].LatencyMs, 3},
		{"reset counter is zero, not huge", Compute(&prev, cur).Disks["sdb"].ReadBps, 0},
		{"new disk starts at zero", Compute(&prev, cur).Disks["sdc"].ReadBps, 0},
		{"rx B/s", Compute(&prev, cur).Ifaces["eth0"].RxBps, 100},
		{"tx went backwards", Compute(&prev, cur).Ifaces["eth0"].TxBps, 0},
		{"uptime s", Compute(&prev, cur).Uptime.Seconds(), 3610},
		{"first cycle cpu", Compute(nil, cur).CPUPct, 0},
		{"first cycle rate", Compute(nil, cur).Disks["sda"].ReadBps, 0},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

type failingSource struct{}

var errBoom = errors.New("boom")

func (failingSource) Read(context.Context) (Raw, error)    { return Raw{}, errBoom }
func (failingSource) Facts(context.Context) (Facts, error) { return Facts{}, errBoom }

func TestCollectWrapsErrors(t *testing.T) {
	c := New(failingSource{})
	if _, err := c.Collect(context.Background()); !errors.Is(err, errBoom) {
		t.Errorf("want wrapped source error, got %v", err)
	}
	if _, err := c.Facts(context.Background()); !errors.Is(err, errBoom) {
		t.Errorf("want wrapped source error, got %v", err)
	}
}

func TestRealFilesystems(t *testing.T) {
	parts := []disk.PartitionStat{
		{Device: "/dev/sda1", Mountpoint: "/", Fstype: "ext4"},
		{Device: "/dev/sda1", Mountpoint: "/var/lib/docker/btrfs", Fstype: "ext4"}, // bind mount of the same device
		{Device: "tmpfs", Mountpoint: "/run", Fstype: "tmpfs"},
		{Device: "overlay", Mountpoint: "/var/lib/docker/overlay2/x/merged", Fstype: "overlay"},
		{Device: "/dev/loop3", Mountpoint: "/snap/core/123", Fstype: "squashfs"},
		{Device: "//nas/share", Mountpoint: "/mnt/share", Fstype: "cifs"},
		{Device: "nas:/export", Mountpoint: "/mnt/nfs", Fstype: "nfs4"},
		{Device: "tank/data", Mountpoint: "/tank/data", Fstype: "zfs"},
		{Device: "/dev/md0", Mountpoint: "/srv", Fstype: "btrfs"},
		{Device: "/dev/sdb1", Mountpoint: "/backup", Fstype: "ext4"},
	}
	got := realFilesystems(parts, []string{"/backup"})
	want := []string{"/", "/srv", "/tank/data"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, p := range got {
		if p.Mountpoint != want[i] {
			t.Errorf("[%d] = %s, want %s", i, p.Mountpoint, want[i])
		}
	}
}

// TestOSSource reads the machine the test runs on: whatever it has, the
// reading must be sane.
func TestOSSource(t *testing.T) {
	ctx := context.Background()
	c := New(NewSource(Options{}))
	if _, err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	s, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUPct < 0 || s.CPUPct > 100 || s.MemPct <= 0 || s.MemPct > 100 || s.Procs == 0 || s.Uptime <= 0 {
		t.Errorf("implausible sample: %+v", s)
	}
	for name := range s.Ifaces {
		if name == "lo" {
			t.Error("loopback must be skipped by default")
		}
	}
	for _, m := range s.Mounts {
		if pseudoFS[m.FSType] {
			t.Errorf("pseudo filesystem reported: %+v", m)
		}
	}
	f, err := c.Facts(ctx)
	if err != nil || f.Arch == "" || f.Hostname == "" {
		t.Errorf("facts: %+v %v", f, err)
	}
}
