package host

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
	ghost "github.com/shirou/gopsutil/v3/host"
)

// Options select what the OS source reports.
type Options struct {
	Interfaces     []string // always include these interfaces
	IncludeVirtual bool     // include loopback, bridges, veth, tun...
	ExcludeMounts  []string // mount points to leave out
	// MountsEvery re-reads the mount table every this many reads (usage is
	// read every time), and looks again for temperature sensors, disks
	// and interfaces that were not there; 0 means every read.
	MountsEvery int
}

// OSSource reads the running OS: gopsutil for facts, mounts and
// temperatures (and everything on Windows and others); on Linux the
// per-cycle counters come from /proc directly (procfs_linux.go).
type OSSource struct {
	opts     Options
	boot     time.Time
	mounts   []disk.PartitionStat
	sinceMnt int
	facts    *Facts
	proc     procFS // per-OS counter reader
	// noSensors: the last look found no temperature sensor (most VMs);
	// the next look is at the next mount table read.
	noSensors bool
}

// NewSource returns the gopsutil-backed source.
func NewSource(opts Options) *OSSource { return &OSSource{opts: opts} }

var _ Source = (*OSSource)(nil)

// Read takes one reading. Parts that fail (no swap, no sensors) are left
// empty; only a failure of the CPU counters fails the read.
func (s *OSSource) Read(ctx context.Context) (Raw, error) {
	r := Raw{Time: time.Now()}
	refresh := s.mounts == nil || s.sinceMnt >= s.opts.MountsEvery
	if err := s.readCounters(ctx, &r, refresh); err != nil {
		return Raw{}, err
	}
	if s.boot.IsZero() {
		if bt, err := ghost.BootTimeWithContext(ctx); err == nil {
			s.boot = time.Unix(int64(bt), 0) //nolint:gosec // seconds since epoch fit
		}
	}
	r.BootTime = s.boot
	r.Mounts = s.readMounts(ctx, refresh)
	if refresh || !s.noSensors {
		r.Temps = readTemps(ctx)
		s.noSensors = len(r.Temps) == 0
	}
	return r, nil
}

// readMounts reads the usage of each mount, and the mount table first
// when refresh is due.
func (s *OSSource) readMounts(ctx context.Context, refresh bool) []Mount {
	if refresh {
		parts, err := disk.PartitionsWithContext(ctx, false)
		if err != nil {
			return nil
		}
		s.mounts = realFilesystems(parts, s.opts.ExcludeMounts)
		s.sinceMnt = 0
	}
	s.sinceMnt++
	out := make([]Mount, 0, len(s.mounts))
	for _, p := range s.mounts {
		u, err := disk.UsageWithContext(ctx, p.Mountpoint)
		if err != nil || u.Total == 0 {
			continue // unmounted since the table was read, or unreadable
		}
		out = append(out, Mount{Path: p.Mountpoint, Device: p.Device, FSType: p.Fstype, Total: u.Total, Used: u.Used, Free: u.Free})
	}
	return out
}

func readTemps(ctx context.Context) []Temp {
	ts, err := ghost.SensorsTemperaturesWithContext(ctx)
	if err != nil && len(ts) == 0 {
		return nil
	}
	out := make([]Temp, 0, len(ts))
	for _, t := range ts {
		if t.Temperature <= -40 || t.Temperature >= 150 {
			continue // disconnected or bogus probe
		}
		out = append(out, Temp{Sensor: t.SensorKey, Celsius: t.Temperature})
	}
	return out
}

// Facts reads OS, kernel, arch and hostname once (platform detection is
// costly: it reads many files and may run lsb_release), and the
// addresses every time.
func (s *OSSource) Facts(ctx context.Context) (Facts, error) {
	if s.facts == nil {
		info, err := ghost.InfoWithContext(ctx)
		if err != nil {
			return Facts{}, fmt.Errorf("reading host info: %w", err)
		}
		f := Facts{
			Hostname: info.Hostname,
			OS:       strings.TrimSpace(info.Platform + " " + info.PlatformVersion),
			Kernel:   info.KernelVersion,
			Arch:     runtime.GOARCH,
		}
		if f.OS == "" {
			f.OS = info.OS
		}
		s.facts = &f
	}
	f := *s.facts
	if h, err := os.Hostname(); err == nil {
		f.Hostname = h
	}
	f.IPs = addresses(s.opts)
	return f, nil
}

// addresses lists global unicast addresses of the reported interfaces.
func addresses(opts Options) []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if !slices.Contains(opts.Interfaces, ifc.Name) && !opts.IncludeVirtual && virtualIface(ifc.Name) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if ok && ipn.IP.IsGlobalUnicast() {
				out = append(out, ipn.IP.String())
			}
		}
	}
	slices.Sort(out)
	return out
}
