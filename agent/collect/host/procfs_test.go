package host

import (
	"math"
	"testing"
)

// Fixtures as the kernel writes them (6.x; meminfo trimmed).
const (
	procStat    = "cpu  4705 356 584 3699176 23060 0 277 0 0 0\ncpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\nintr 1 2 3\nctxt 9\nprocesses 30456\nprocs_running 1\n"
	loadavg     = "0.41 0.27 0.20 1/187 30412\n"
	meminfoFile = "MemTotal:        2030000 kB\nMemFree:          100000 kB\nMemAvailable:    1500000 kB\nBuffers:           20000 kB\nCached:           300000 kB\nSwapTotal:        500000 kB\nSwapFree:         400000 kB\nHugePages_Total:       0\n"
	diskStat    = "   8       0 sda 100 5 2000 40 50 7 800 60 0 90 100 0 0 0 0\n" +
		"   8       1 sda1 90 5 1800 35 50 7 800 60 0 80 95 0 0 0 0\n" +
		"   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" +
		" 254       0 vdb 0 0 0 0 0 0 0 0 0 0 0\n" // too few fields (old kernels have 14+)
	netDevice = "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		"    lo:  1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n" +
		"  eth0: 123456789 1000    0    0    0     0          0         0 987654321 900    0    0    0     0       0          0\n"
)

func TestProcParsers(t *testing.T) {
	busy, total, ok := cpuStat([]byte(procStat))
	if !ok || math.Abs(busy-(4705+356+584+277)/100.0) > 1e-9 || math.Abs(total-(4705+356+584+3699176+23060+277)/100.0) > 1e-9 {
		t.Errorf("cpu: busy %v total %v ok %v", busy, total, ok)
	}
	if _, _, ok := cpuStat([]byte("intr 1 2 3\n")); ok {
		t.Error("cpu: a file without a cpu line was read")
	}
	if l1, l5, l15, ok := loadAvg([]byte(loadavg)); !ok || l1 != 0.41 || l5 != 0.27 || l15 != 0.20 {
		t.Errorf("loadavg: %v %v %v %v", l1, l5, l15, ok)
	}
	if n, ok := forkCount([]byte(procStat)); !ok || n != 30456 {
		t.Errorf("forks: %d %v, want 30456", n, ok)
	}
	if n, ok := taskCount([]byte(loadavg)); !ok || n != 187 {
		t.Errorf("tasks: %d %v, want 187", n, ok)
	}
	if _, ok := forkCount([]byte("processes x\n")); ok {
		t.Error("forks: a bad number was read")
	}
	if _, ok := taskCount([]byte("0.1 0.2 0.3 187 9\n")); ok {
		t.Error("tasks: a field without running/total was read")
	}
	m, ok := meminfo([]byte(meminfoFile))
	if want := (memInfo{Total: 2030000 << 10, Avail: 1500000 << 10, SwapTotal: 500000 << 10, SwapFree: 400000 << 10}); !ok || m != want {
		t.Errorf("meminfo: %+v, want %+v", m, want)
	}
	old, _ := meminfo([]byte("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n"))
	if old.Avail != 310<<10 {
		t.Errorf("meminfo without MemAvailable: avail %d, want free+buffers+cached %d", old.Avail, 310<<10)
	}
	disks := diskstats([]byte(diskStat), func(name string) bool { return name != "sda1" })
	if len(disks) != 1 || disks["sda"] != (DiskCounters{ReadBytes: 2000 * 512, WriteBytes: 800 * 512, Ops: 150, BusyMs: 100}) {
		t.Errorf("diskstats: %+v (want only sda: partitions refused by the filter, unused and short lines skipped)", disks)
	}
	ifs := netDev([]byte(netDevice), func(name string) bool { return name != "lo" })
	if len(ifs) != 1 || ifs["eth0"] != (IfaceCounters{RxBytes: 123456789, TxBytes: 987654321}) {
		t.Errorf("net/dev: %+v", ifs)
	}
}

func TestCountPIDs(t *testing.T) {
	var b []byte
	for _, name := range []string{".", "..", "1", "self", "4242", "sys"} {
		rec := make([]byte, (19+len(name)+1+7)&^7)
		rec[16] = byte(len(rec))
		copy(rec[19:], name)
		b = append(b, rec...)
	}
	if n := countPIDs(b); n != 2 {
		t.Errorf("countPIDs: %d, want 2", n)
	}
	if n := countPIDs(b[:len(b)-3]); n != 2 {
		t.Errorf("countPIDs on a cut record: %d, want 2", n)
	}
}

// FuzzParseProc feeds the same bytes to every /proc parser: none panics,
// and what they return holds together.
func FuzzParseProc(f *testing.F) {
	for _, s := range []string{procStat, loadavg, meminfoFile, diskStat, netDevice, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if busy, total, ok := cpuStat(b); ok && busy > total {
			t.Errorf("cpu busy %v > total %v", busy, total)
		}
		loadAvg(b)
		if m, ok := meminfo(b); ok && m.Avail > m.Total {
			t.Errorf("available %d > total %d", m.Avail, m.Total)
		}
		for name := range diskstats(b, func(string) bool { return true }) {
			if name == "" {
				t.Error("diskstats: empty name")
			}
		}
		for name := range netDev(b, func(string) bool { return true }) {
			if name == "" {
				t.Error("net/dev: empty name")
			}
		}
		countPIDs(b)
		forkCount(b)
		taskCount(b)
	})
}
