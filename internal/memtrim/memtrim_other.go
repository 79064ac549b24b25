//go:build !linux

package memtrim

// Executable is a no-op here.
func Executable() (int, error) { return 0, ErrUnsupported }
