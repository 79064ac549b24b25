package host

import (
	"context"
	"os"
	"strings"

	"github.com/shirou/gopsutil/v3/mem"
)

// swap comes from /proc/meminfo, already read for memory: gopsutil's
// SwapMemory would also parse all of /proc/vmstat every cycle.
func swap(_ context.Context, m *mem.VirtualMemoryStat) (total, used uint64) {
	if m.SwapFree > m.SwapTotal {
		return m.SwapTotal, 0
	}
	return m.SwapTotal, m.SwapTotal - m.SwapFree
}

// virtualIface reports loopback, bridges, veth, tun/tap, docker and other
// interfaces without a physical device (listed under /sys/devices/virtual).
func virtualIface(name string) bool {
	_, err := os.Stat("/sys/devices/virtual/net/" + name)
	return err == nil
}

// wholeDisk keeps whole block devices (those in /sys/block), leaving out
// partitions and loop, ram, zram and optical devices.
func wholeDisk(name string) bool {
	for _, p := range []string{"loop", "ram", "zram", "sr", "fd"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	_, err := os.Stat("/sys/block/" + name)
	return err == nil
}

// procCount counts the numeric entries of /proc.
func procCount() uint64 {
	f, err := os.Open("/proc")
	if err != nil {
		return 0
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return 0
	}
	var n uint64
	for _, name := range names {
		if name != "" && name[0] >= '0' && name[0] <= '9' {
			n++
		}
	}
	return n
}
