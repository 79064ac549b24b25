//go:build !linux

package agent

import (
	"github.com/shirou/gopsutil/v3/host"
)

// machineID is the OS install id (Windows MachineGuid, macOS IOPlatformUUID).
func machineID() (string, error) {
	return host.HostID()
}
