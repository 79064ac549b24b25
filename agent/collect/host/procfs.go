package host

import (
	"bytes"
	"strconv"
)

// The parsers of Linux's /proc counter files. They take the file's bytes
// and allocate only what they return, so a reading every cycle costs no
// garbage beyond its result. Lines they cannot read are skipped, as
// gopsutil does; they never fail on odd input (FuzzParseProc).

// userHZ is the unit of /proc/stat: USER_HZ, 100 on every Linux ABI.
const userHZ = 100

// sectorSize is the unit of /proc/diskstats' sector counts, whatever the
// device's own sector size.
const sectorSize = 512

// cpuStat reads the first ("cpu ") line of /proc/stat: busy and total
// seconds over all CPUs. Idle includes iowait; guest time is already in user.
func cpuStat(b []byte) (busy, total float64, ok bool) {
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	var arr [maxFields][]byte
	f := fields(line, arr[:0])
	if len(f) < 5 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	var v [8]float64 // user nice system idle iowait irq softirq steal (ticks)
	for i := range v {
		if i+1 < len(f) {
			n, _ := strconv.ParseUint(string(f[i+1]), 10, 64)
			v[i] = float64(n)
		}
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	idle := v[3] + v[4]
	return (sum - idle) / userHZ, sum / userHZ, true
}

// countPIDs counts the linux_dirent64 records in b whose name starts with
// a digit (reclen at offset 16, name at 19).
func countPIDs(b []byte) uint64 {
	var n uint64
	for len(b) >= 20 {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < 20 || reclen > len(b) {
			break
		}
		if c := b[19]; c >= '0' && c <= '9' {
			n++
		}
		b = b[reclen:]
	}
	return n
}

// loadAvg reads /proc/loadavg's three averages.
func loadAvg(b []byte) (l1, l5, l15 float64, ok bool) {
	var arr [maxFields][]byte
	f := fields(b, arr[:0])
	if len(f) < 3 {
		return 0, 0, 0, false
	}
	var err [3]error
	l1, err[0] = strconv.ParseFloat(string(f[0]), 64)
	l5, err[1] = strconv.ParseFloat(string(f[1]), 64)
	l15, err[2] = strconv.ParseFloat(string(f[2]), 64)
	return l1, l5, l15, err[0] == nil && err[1] == nil && err[2] == nil
}

// forkCount reads the "processes" line of /proc/stat: every task (process
// or thread) created since boot.
func forkCount(b []byte) (uint64, bool) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if v, ok := bytes.CutPrefix(line, []byte("processes ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// taskCount reads the tasks (processes and threads) that exist from the
// fourth field of /proc/loadavg ("running/total").
func taskCount(b []byte) (uint64, bool) {
	var arr [maxFields][]byte
	f := fields(b, arr[:0])
	if len(f) < 4 {
		return 0, false
	}
	_, total, ok := bytes.Cut(f[3], []byte{'/'})
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(string(total), 10, 64)
	return n, err == nil
}

// memInfo is what the agent takes from /proc/meminfo, in bytes.
type memInfo struct {
	Total, Avail, SwapTotal, SwapFree uint64
}

// meminfo reads /proc/meminfo. Without MemAvailable (kernels before 3.14)
// the available memory is free + buffers + page cache.
func meminfo(b []byte) (memInfo, bool) {
	var m memInfo
	var free, buffers, cached uint64
	haveAvail := false
	var arr [maxFields][]byte
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, rest, found := bytes.Cut(line, []byte{':'})
		if !found {
			continue
		}
		f := fields(rest, arr[:0])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 1 && string(f[1]) == "kB" {
			v *= 1024
		}
		switch string(key) {
		case "MemTotal":
			m.Total = v
		case "MemAvailable":
			m.Avail, haveAvail = v, true
		case "MemFree":
			free = v
		case "Buffers":
			buffers = v
		case "Cached":
			cached = v
		case "SwapTotal":
			m.SwapTotal = v
		case "SwapFree":
			m.SwapFree = v
		}
	}
	if !haveAvail {
		m.Avail = free + buffers + cached
	}
	m.Avail = min(m.Avail, m.Total)
	return m, m.Total > 0
}

// diskstats reads /proc/diskstats, calling keep for each device name with
// any I/O; out gets the counters of the names keep accepts.
func diskstats(b []byte, keep func(string) bool) map[string]DiskCounters {
	out := map[string]DiskCounters{}
	var arr [maxFields][]byte
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		f := fields(line, arr[:0])
		if len(f) < 14 {
			continue
		}
		var v [8]uint64 // reads merged sectors ms writes merged sectors ms
		bad := false
		for i := range v {
			var err error
			if v[i], err = strconv.ParseUint(string(f[3+i]), 10, 64); err != nil {
				bad = true
			}
		}
		if bad || v == [8]uint64{} {
			continue // unreadable, or a device never used
		}
		name := string(f[2])
		if !keep(name) {
			continue
		}
		out[name] = DiskCounters{
			ReadBytes:  v[2] * sectorSize,
			WriteBytes: v[6] * sectorSize,
			Ops:        v[0] + v[4],
			BusyMs:     v[3] + v[7],
		}
	}
	return out
}

// netDev reads /proc/net/dev: received and sent bytes per interface, for
// the names keep accepts.
func netDev(b []byte, keep func(string) bool) map[string]IfaceCounters {
	out := map[string]IfaceCounters{}
	var arr [maxFields][]byte
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		name, rest, found := bytes.Cut(line, []byte{':'})
		if !found {
			continue // the two header lines
		}
		f := fields(rest, arr[:0])
		if len(f) < 9 {
			continue
		}
		rx, err1 := strconv.ParseUint(string(f[0]), 10, 64)
		tx, err2 := strconv.ParseUint(string(f[8]), 10, 64)
		n := string(bytes.TrimSpace(name))
		if err1 != nil || err2 != nil || n == "" || !keep(n) {
			continue
		}
		out[n] = IfaceCounters{RxBytes: rx, TxBytes: tx}
	}
	return out
}

// maxFields is the most fields any of these files has on a line (20 in
// /proc/diskstats since 5.5); fields stops there.
const maxFields = 24

// fields splits line at runs of spaces and tabs into out, which it
// returns: bytes.Fields without allocating (out's array is the caller's).
func fields(line []byte, out [][]byte) [][]byte {
	for len(line) > 0 && len(out) < cap(out) {
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		line = line[i:]
		j := 0
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > 0 {
			out = append(out, line[:j])
		}
		line = line[j:]
	}
	return out
}
