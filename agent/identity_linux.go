package agent

import (
	"errors"
	"os"
)

// machineID reads systemd's machine id (dbus's copy on older systems).
func machineID() (string, error) {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return string(b), nil
		}
	}
	return "", errors.Join(ErrNoMachineID, errors.New("/etc/machine-id is missing or empty"))
}
