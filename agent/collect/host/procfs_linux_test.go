package host

import (
	"context"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/disk"
	"github.com/shirou/gopsutil/v3/mem"
	gnet "github.com/shirou/gopsutil/v3/net"
	"github.com/shirou/gopsutil/v3/process"
)

// TestCountersMatchGopsutil reads this machine's counters both ways: the
// /proc reader must see what gopsutil sees (the same memory and swap
// sizes, disks and interfaces, CPU seconds and processes within what can
// change between the two reads).
func TestCountersMatchGopsutil(t *testing.T) {
	ctx := context.Background()
	s := NewSource(Options{})
	var r Raw
	if err := s.readCounters(ctx, &r, true); err != nil {
		t.Fatal(err)
	}
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.MemTotal != vm.Total || r.SwapTotal != vm.SwapTotal {
		t.Errorf("memory %d swap %d; gopsutil %d %d", r.MemTotal, r.SwapTotal, vm.Total, vm.SwapTotal)
	}
	if d := int64(r.MemAvail) - int64(vm.Available); d > 64<<20 || d < -64<<20 {
		t.Errorf("available %d, gopsutil %d", r.MemAvail, vm.Available)
	}
	times, err := cpu.TimesWithContext(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	total := times[0].User + times[0].System + times[0].Nice + times[0].Irq + times[0].Softirq + times[0].Steal + times[0].Idle + times[0].Iowait
	if total < r.CPUTotal-0.01 || total-r.CPUTotal > 60 || r.CPUBusy <= 0 || r.CPUBusy > r.CPUTotal {
		t.Errorf("cpu busy %.2f total %.2f s; gopsutil total %.2f s", r.CPUBusy, r.CPUTotal, total)
	}
	io, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var disks []string
	for name := range io {
		if wholeDisk(name) {
			disks = append(disks, name)
		}
	}
	if got := slices.Sorted(maps.Keys(r.Disks)); !slices.Equal(got, slices.Sorted(slices.Values(disks))) {
		t.Errorf("disks %v; gopsutil %v", got, disks)
	}
	nics, err := gnet.IOCountersWithContext(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var ifaces []string
	for _, n := range nics {
		if !virtualIface(n.Name) {
			ifaces = append(ifaces, n.Name)
		}
	}
	if got := slices.Sorted(maps.Keys(r.Ifaces)); !slices.Equal(got, slices.Sorted(slices.Values(ifaces))) {
		t.Errorf("interfaces %v; gopsutil %v", got, ifaces)
	}
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := int(r.Procs) - len(pids); d > 20 || d < -20 || r.Procs == 0 {
		t.Errorf("processes %d; gopsutil %d", r.Procs, len(pids))
	}
}

// TestKeptFilesReadAfresh: the /proc files stay open between cycles, and
// each read from offset 0 is the kernel's new text, not the first
// cycle's: /proc/loadavg's last field (the newest PID) moves once a child
// is started, and /proc is listed from its start each time.
func TestKeptFilesReadAfresh(t *testing.T) {
	var p procFS
	lastPID := func() string {
		b, err := p.read("/proc/loadavg")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(b))
		return f[len(f)-1]
	}
	before, fd := lastPID(), p.files.fds["/proc/loadavg"]
	if n := p.procCount(); n == 0 {
		t.Fatal("no processes in /proc")
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	if after := lastPID(); after == before {
		t.Errorf("/proc/loadavg read again still says the newest PID is %s after starting %d", after, child.Process.Pid)
	}
	if p.files.fds["/proc/loadavg"] != fd {
		t.Errorf("/proc/loadavg was opened again (descriptor %d, then %d)", fd, p.files.fds["/proc/loadavg"])
	}
	if n := p.procCount(); n == 0 {
		t.Error("the second listing of /proc found no processes: it did not start over")
	}
}

// TestProcessCountRecountsAfterAFork: the count is reused only while the
// fork counter and the task count stand still; starting a process moves
// the fork counter, so the next reading lists /proc again.
func TestProcessCountRecountsAfterAFork(t *testing.T) {
	ctx := context.Background()
	s := NewSource(Options{})
	var r Raw
	if err := s.readCounters(ctx, &r, true); err != nil {
		t.Fatal(err)
	}
	if r.Procs == 0 || s.proc.counted.procs != r.Procs {
		t.Fatalf("first reading: %d processes, kept %d", r.Procs, s.proc.counted.procs)
	}
	const marked = 1 << 40 // no host has this many: seen again only if reused
	s.proc.counted.procs = marked
	if got := s.proc.procs(s.proc.counted.at, true); got != marked {
		t.Errorf("nothing moved: got %d, want the kept count reused", got)
	}
	if got := s.proc.procs(s.proc.counted.at, false); got == marked {
		t.Error("forks or tasks unreadable: the kept count was reused")
	}
	s.proc.counted.procs = marked
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	if err := s.readCounters(ctx, &r, false); err != nil {
		t.Fatal(err)
	}
	if r.Procs == marked || r.Procs == 0 {
		t.Errorf("after a fork: %d processes, want /proc listed again", r.Procs)
	}
}
