package evacuate

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// space reads the volume holding path.
func space(path string) (Space, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return Space{}, fmt.Errorf("reading free space of %s: %w", path, err)
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return Space{}, fmt.Errorf("reading free space of %s: %w", path, err)
	}
	return Space{Total: total, Used: total - free, Avail: avail}, nil
}
