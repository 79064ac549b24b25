package host

import (
	"context"

	"strings"

	"github.com/shirou/gopsutil/v3/mem"

	"github.com/shirou/gopsutil/v3/process"
)

// virtualIface reports loopback, Hyper-V and tunnel adapters.
func virtualIface(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"loopback", "vethernet", "isatap", "teredo", "6to4", "bluetooth"} {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// wholeDisk: gopsutil reports drive letters on Windows; all are kept.
func wholeDisk(string) bool { return true }

func procCount() uint64 {
	pids, err := process.Pids()
	if err != nil {
		return 0
	}
	return uint64(len(pids))
}

func swap(ctx context.Context) (total, used uint64) {
	sw, err := mem.SwapMemoryWithContext(ctx)
	if err != nil {
		return 0, 0
	}
	return sw.Total, sw.Used
}
