//go:build !linux

package host

import (
	"context"
	"fmt"
	"slices"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/disk"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/mem"
	gnet "github.com/shirou/gopsutil/v3/net"
)

// procFS holds nothing here: gopsutil reads every counter.
type procFS struct{}

// readCounters fills the CPU, load, memory, swap, process, disk and
// network counters of r through gopsutil. Only a failure of the CPU
// counters fails the read.
func (s *OSSource) readCounters(ctx context.Context, r *Raw, _ bool) error {
	times, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(times) == 0 {
		return fmt.Errorf("reading cpu times: %w", err)
	}
	t := times[0]
	idle := t.Idle + t.Iowait
	r.CPUTotal = t.User + t.System + t.Nice + t.Irq + t.Softirq + t.Steal + idle
	r.CPUBusy = r.CPUTotal - idle
	if l, err := load.AvgWithContext(ctx); err == nil {
		r.Load1, r.Load5, r.Load15 = l.Load1, l.Load5, l.Load15
	}
	if m, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		r.MemTotal, r.MemAvail = m.Total, m.Available
		r.MemUsed = m.Total - m.Available
		r.SwapTotal, r.SwapUsed = swap(ctx)
	}
	r.Procs = procCount()
	r.Disks = readDisks(ctx)
	r.Ifaces = s.readIfaces(ctx)
	return nil
}

func readDisks(ctx context.Context) map[string]DiskCounters {
	io, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		return nil
	}
	out := make(map[string]DiskCounters, len(io))
	for name, c := range io {
		if !wholeDisk(name) {
			continue
		}
		out[name] = DiskCounters{
			ReadBytes:  c.ReadBytes,
			WriteBytes: c.WriteBytes,
			Ops:        c.ReadCount + c.WriteCount,
			BusyMs:     c.ReadTime + c.WriteTime,
		}
	}
	return out
}

func (s *OSSource) readIfaces(ctx context.Context) map[string]IfaceCounters {
	stats, err := gnet.IOCountersWithContext(ctx, true)
	if err != nil {
		return nil
	}
	out := make(map[string]IfaceCounters, len(stats))
	for _, st := range stats {
		if !slices.Contains(s.opts.Interfaces, st.Name) && !s.opts.IncludeVirtual && virtualIface(st.Name) {
			continue
		}
		out[st.Name] = IfaceCounters{RxBytes: st.BytesRecv, TxBytes: st.BytesSent}
	}
	return out
}
