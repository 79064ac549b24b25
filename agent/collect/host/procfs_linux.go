package host

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
)

// procFS reads the per-cycle counters from /proc into one buffer it keeps,
// with plain system calls: an os.File would register each /proc file with
// the runtime's poller and allocate a reader per line. Each file stays
// open and is read again from offset 0, which makes the kernel generate
// it afresh (as top and procps do): resolving the path again each cycle
// was a fifth of the reader's time. gopsutil, used for the rest, reads
// the same files (node_exporter's procfs does the same).
type procFS struct {
	buf   []byte
	files *keptFiles
	// virtual and whole remember sysfs lookups per name between mount
	// table reads (a name is re-checked when the table is).
	virtual map[string]bool
	whole   map[string]bool
	// counted is the process count and the (forks, tasks) it was taken at.
	counted struct {
		procs uint64
		at    [2]uint64
	}
}

// readCounters fills the CPU, load, memory, swap, process, disk and
// network counters of r; refresh forgets what sysfs said about names.
func (s *OSSource) readCounters(_ context.Context, r *Raw, refresh bool) error {
	p := &s.proc
	if refresh || p.virtual == nil {
		p.virtual, p.whole = map[string]bool{}, map[string]bool{}
	}
	b, err := p.read("/proc/stat")
	if err != nil {
		return fmt.Errorf("reading cpu times: %w", err)
	}
	var ok bool
	if r.CPUBusy, r.CPUTotal, ok = cpuStat(b); !ok {
		return fmt.Errorf("reading cpu times: %w: no cpu line in /proc/stat", ErrNoData)
	}
	forks, forksOK := forkCount(b)
	var tasks uint64
	tasksOK := false
	if b, err := p.read("/proc/loadavg"); err == nil {
		r.Load1, r.Load5, r.Load15, _ = loadAvg(b)
		tasks, tasksOK = taskCount(b)
	}
	if b, err := p.read("/proc/meminfo"); err == nil {
		if m, ok := meminfo(b); ok {
			r.MemTotal, r.MemAvail, r.MemUsed = m.Total, m.Avail, m.Total-m.Avail
			r.SwapTotal, r.SwapUsed = m.SwapTotal, m.SwapTotal-min(m.SwapFree, m.SwapTotal)
		}
	}
	r.Procs = p.procs([2]uint64{forks, tasks}, forksOK && tasksOK)
	if b, err := p.read("/proc/diskstats"); err == nil {
		r.Disks = diskstats(b, p.wholeDisk)
	}
	if b, err := p.read("/proc/net/dev"); err == nil {
		r.Ifaces = netDev(b, func(name string) bool { return s.reportIface(name) })
	}
	return nil
}

// reportIface keeps physical interfaces, and virtual ones when configured
// or named.
func (s *OSSource) reportIface(name string) bool {
	return s.opts.IncludeVirtual || !s.proc.isVirtual(name) || slices.Contains(s.opts.Interfaces, name)
}

// keptFiles are the open /proc descriptors by path; they are closed
// when the source holding them is collected.
type keptFiles struct{ fds map[string]int }

// open returns path's kept descriptor, opening it the first time.
func (p *procFS) open(path string, flags int) (int, error) {
	if p.files == nil {
		p.buf = make([]byte, 8<<10)
		p.files = &keptFiles{fds: map[string]int{}}
		runtime.AddCleanup(p.files, func(fds map[string]int) {
			for _, fd := range fds {
				_ = syscall.Close(fd)
			}
		}, p.files.fds)
	}
	if fd, ok := p.files.fds[path]; ok {
		return fd, nil
	}
	fd, err := syscall.Open(path, flags|syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	p.files.fds[path] = fd
	return fd, nil
}

// forget closes path's descriptor after a failed read: the next cycle
// opens it again.
func (p *procFS) forget(path string) {
	if fd, ok := p.files.fds[path]; ok {
		_ = syscall.Close(fd)
		delete(p.files.fds, path)
	}
}

// read returns the whole file at path, in the kept buffer (valid until
// the next read).
func (p *procFS) read(path string) ([]byte, error) {
	fd, err := p.open(path, 0)
	if err != nil {
		return nil, err
	}
	n := 0
	for {
		if n == len(p.buf) {
			p.buf = append(p.buf, make([]byte, len(p.buf))...)
		}
		m, err := syscall.Pread(fd, p.buf[n:], int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			p.forget(path)
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 { // a short read is not the end: seq_file stops at a full page
			return p.buf[:n], nil
		}
		n += m
	}
}

// procs returns the number of processes, listing /proc again only when a
// task was created or ended since the last count (at is the fork counter
// and the task count, read before the listing; known is false when
// either could not be read). Listing /proc was a fifth of the agent's
// cycle under perf, about 2 us per process; on an idle host nothing forks
// between cycles. With neither number moved, no task was created (the
// fork counter counts threads too) and so none ended either: the tasks,
// and the processes among them, are those counted last time.
func (p *procFS) procs(at [2]uint64, known bool) uint64 {
	if known && p.counted.procs > 0 && p.counted.at == at {
		return p.counted.procs
	}
	n := p.procCount()
	p.counted.procs, p.counted.at = 0, at
	if known {
		p.counted.procs = n // 0 (the listing failed) is never reused
	}
	return n
}

// procCount counts the numeric entries of /proc (the processes), reading
// the directory from its start into the kept buffer.
func (p *procFS) procCount() uint64 {
	fd, err := p.open("/proc", syscall.O_DIRECTORY)
	if err != nil {
		return 0
	}
	if _, err := syscall.Seek(fd, 0, 0); err != nil {
		p.forget("/proc")
		return 0
	}
	var count uint64
	for {
		n, err := syscall.Getdents(fd, p.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			p.forget("/proc")
			return count
		}
		if n <= 0 {
			return count
		}
		count += countPIDs(p.buf[:n])
	}
}

// isVirtual reports interfaces listed under /sys/devices/virtual/net:
// loopback, bridges, veth, tun/tap, docker and others without a device.
func (p *procFS) isVirtual(name string) bool { return remember(p.virtual, name, virtualIface) }

// wholeDisk keeps whole block devices (those in /sys/block), leaving out
// partitions and loop, ram, zram and optical devices.
func (p *procFS) wholeDisk(name string) bool { return remember(p.whole, name, wholeDisk) }

// remember answers look(name) from seen, asking sysfs once per name.
func remember(seen map[string]bool, name string, look func(string) bool) bool {
	v, ok := seen[name]
	if !ok {
		v = look(name)
		seen[name] = v
	}
	return v
}

func virtualIface(name string) bool {
	_, err := os.Stat("/sys/devices/virtual/net/" + name)
	return err == nil
}

func wholeDisk(name string) bool {
	for _, p := range []string{"loop", "ram", "zram", "sr", "fd"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	_, err := os.Stat("/sys/block/" + name)
	return err == nil
}
