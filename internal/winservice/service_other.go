//go:build !windows

package winservice

// IsService is false: only Windows has a service control manager.
func IsService() bool { return false }

// RunService is never reached off Windows (IsService is false).
func RunService(string, Loop) error { return ErrUnsupported }

// Install is Windows-only; Linux uses the systemd units in the packages.
func Install(Spec) error { return ErrUnsupported }

// Uninstall is Windows-only.
func Uninstall(Spec) error { return ErrUnsupported }

// Start is Windows-only.
func Start(Spec) error { return ErrUnsupported }

// Stop is Windows-only.
func Stop(Spec) error { return ErrUnsupported }

// Query is Windows-only.
func Query(Spec) (State, error) { return 0, ErrUnsupported }

// OpenEventLog is Windows-only.
func OpenEventLog(string) (EventLog, func() error, error) { return nil, nil, ErrUnsupported }
