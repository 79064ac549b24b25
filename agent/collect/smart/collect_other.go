//go:build !linux

package smart

import (
	"context"
	"fmt"
	"os/exec"
)

// listDisks asks smartctl --scan (Windows: \\.\PhysicalDriveN as /dev/sdX).
func listDisks() ([]string, error) {
	bin, ok := findSmartctl()
	if !ok {
		return nil, fmt.Errorf("%w: install smartmontools 7+ to read disks on this OS", ErrUnsupported)
	}
	out, err := exec.Command(bin, "--scan", "--json").Output() //nolint:gosec,noctx // fixed program
	if len(out) == 0 && err != nil {
		return nil, fmt.Errorf("smartctl --scan: %w", err)
	}
	return parseScan(out)
}

func devicePath(name string) string { return name }

// nativeReader: smart.go supports nothing here (macOS NVMe needs cgo).
type nativeReader struct{}

func (nativeReader) Read(context.Context, string) (Disk, error) {
	return Disk{}, ErrUnsupported
}
