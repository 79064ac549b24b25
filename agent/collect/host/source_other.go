//go:build !linux && !windows

package host

import (
	"context"
	"strings"

	"github.com/shirou/gopsutil/v3/mem"
)

func virtualIface(name string) bool {
	for _, p := range []string{"lo", "bridge", "utun", "gif", "stf", "awdl", "llw", "anpi"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func wholeDisk(string) bool { return true }

func procCount() uint64 { return 0 }

func swap(ctx context.Context) (total, used uint64) {
	sw, err := mem.SwapMemoryWithContext(ctx)
	if err != nil {
		return 0, 0
	}
	return sw.Total, sw.Used
}
