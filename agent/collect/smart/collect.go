package smart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Reader reads one disk. The OS-specific native reader (smart.go) and the
// smartctl reader both satisfy it.
type Reader interface {
	Read(ctx context.Context, name string) (Disk, error)
}

// Result is one disk's outcome in a collection.
type Result struct {
	Name string
	Disk Disk
	Err  error // ErrStandby, ErrPermission, ErrUnsupported or a read error
}

// Collector enumerates physical disks and reads each, native first and
// smartctl where the native reader says unsupported.
type Collector struct {
	list     func() ([]string, error)
	native   Reader
	fallback Reader
}

// New returns the collector for this OS.
func New() *Collector {
	return &Collector{list: listDisks, native: nativeReader{}, fallback: Smartctl{}}
}

// Collect reads every disk. A disk that fails does not stop the others.
func (c *Collector) Collect(ctx context.Context) ([]Result, error) {
	names, err := c.list()
	if err != nil {
		return nil, fmt.Errorf("listing disks: %w", err)
	}
	out := make([]Result, 0, len(names))
	for _, name := range names {
		d, err := c.native.Read(ctx, name)
		if errors.Is(err, ErrUnsupported) && c.fallback != nil {
			d, err = c.fallback.Read(ctx, name)
		}
		if d.Name == "" {
			d.Name = name
		}
		out = append(out, Result{Name: name, Disk: d, Err: err})
	}
	return out, nil
}

// Smartctl reads a disk with `smartctl --json -x -n standby` (the only
// external program the agent runs). The JSON is parsed whatever the exit
// status is.
type Smartctl struct {
	Path string // default: smartctl from PATH
}

// Read runs smartctl for device name (sda or /dev/sda).
func (s Smartctl) Read(ctx context.Context, name string) (Disk, error) {
	bin := s.Path
	if bin == "" {
		var ok bool
		if bin, ok = findSmartctl(); !ok {
			return Disk{}, fmt.Errorf("%w: smart.go cannot read %s and smartctl (smartmontools 7+) is not installed", ErrUnsupported, name)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, runErr := exec.CommandContext(ctx, bin, "--json", "-x", "-n", "standby", devicePath(name)).Output() //nolint:gosec // fixed program, device from the OS
	if len(out) == 0 && runErr != nil {
		return Disk{}, fmt.Errorf("running smartctl on %s: %w", name, runErr)
	}
	d, err := ParseSmartctl(out)
	if err != nil {
		return d, fmt.Errorf("reading %s with smartctl: %w", name, err)
	}
	return d, nil
}

// findSmartctl looks in PATH, then in the sbin directories a service's
// PATH may lack.
func findSmartctl() (string, bool) {
	if p, err := exec.LookPath("smartctl"); err == nil {
		return p, true
	}
	for _, p := range []string{"/usr/sbin/smartctl", "/usr/local/sbin/smartctl", "/sbin/smartctl"} {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}
