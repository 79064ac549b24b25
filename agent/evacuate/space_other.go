//go:build !linux && !windows

package evacuate

import "fmt"

// space cannot be read here: evacuation refuses rather than fill a disk.
func space(path string) (Space, error) {
	return Space{}, fmt.Errorf("%w: reading free space of %s is not supported on this OS", ErrRefused, path)
}
